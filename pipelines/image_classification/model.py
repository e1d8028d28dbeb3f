"""Trainer module: trains keras_models.vision.LeNet5 and exports the serving signatures."""

import dataclasses
import os
import sys

import keras
import tensorflow_transform as tft

from components.label_check import labels
from keras_models.vision import LeNet5
from pipelines import training
from pipelines.image_classification import configs, features
from serving.export import ImageClassifierExport


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    # MultiWorkerMirroredStrategy wants to exist before other TF ops run.
    strategy = training.distribution_strategy(config.distribute)
    chief = training.is_chief(strategy)
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision)
    tft_output = tft.TFTransformOutput(fn_args.transform_output)

    keys = (features.IMAGE_XF_KEY, features.LABEL_XF_KEY)
    train_ds = training.transformed_dataset(
        fn_args.train_files, tft_output, keys, config.batch_size, shuffle=True, seed=config.seed
    )
    eval_ds = training.transformed_dataset(
        fn_args.eval_files, tft_output, keys, config.batch_size, shuffle=False, seed=config.seed
    )

    with strategy.scope():
        model = LeNet5(
            num_classes=features.NUM_CLASSES,
            input_shape=(*features.IMAGE_SHAPE, 1),
            activation=config.activation,
            pooling=config.pooling,
            dtype=policy,
        )
        model.compile(
            optimizer=keras.optimizers.Adam(config.learning_rate),
            loss="sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )

    epoch_timer = training.EpochTimer()
    if config.distribute == "multi_worker":
        # Keras 3.6's fit fails under MultiWorkerMirroredStrategy: a custom loop instead.
        steps = int(train_ds.reduce(0, lambda n, _: n + 1))
        history = training.fit_distributed(
            model,
            train_ds,
            strategy=strategy,
            epochs=config.epochs,
            steps_per_epoch=steps,
            global_batch_size=config.batch_size,
            validation_data=eval_ds,
            learning_rate_schedule=training.cosine_decay(config.learning_rate, config.epochs).schedule,
            callbacks=[epoch_timer],
        )
    else:
        history = model.fit(
            train_ds,
            validation_data=eval_ds,
            epochs=config.epochs,
            verbose=1 if sys.stdout.isatty() else 2,
            callbacks=[
                keras.callbacks.TensorBoard(log_dir=os.path.join(fn_args.model_run_dir, "tensorboard")),
                training.cosine_decay(config.learning_rate, config.epochs),
                epoch_timer,
            ],
        ).history

    if chief:
        training.record_history(
            fn_args.model_run_dir,
            history,
            epoch_timer.seconds,
            extra={"config": dataclasses.asdict(config), "precision_policy": policy},
        )

    # Every worker saves (variables are read collectively); only the chief's export stays.
    path = training.export_dir(fn_args.serving_model_dir, strategy)
    ImageClassifierExport(
        model,
        tft_output,
        image_key=features.IMAGE_KEY,
        label_key=features.LABEL_KEY,
        image_xf_key=features.IMAGE_XF_KEY,
        image_shape=features.IMAGE_SHAPE,
    ).save(path)
    training.discard_export(path, fn_args.serving_model_dir)
    if not chief:
        # TFX's Trainer wants a model in serving_model_dir; a worker's pipeline stops here.
        resolver = strategy.cluster_resolver
        raise RuntimeError(
            f"{resolver.task_type} {resolver.task_id} trained its share; "
            "the chief alone exports and pushes, so this worker's run ends here."
        )
    # Beside Format-Serving/: class names (here the ids themselves) for reports and later label checks.
    labels.write(os.path.dirname(fn_args.serving_model_dir), range(features.NUM_CLASSES))
