"""Trainer module: trains the zoo's model named by --model and exports the serving signatures."""

import dataclasses
import os

import keras
import tensorflow_transform as tft

from components.label_check import labels
from keras_models.vision import zoo
from pipelines import training
from pipelines.image_classification import augmentation, configs, features, transfer
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
    augment = augmentation.shift_and_flip(config.max_shift, seed=config.seed) if config.augment else None
    train_ds = training.transformed_dataset(
        fn_args.train_files,
        tft_output,
        keys,
        config.batch_size,
        shuffle=True,
        seed=config.seed,
        augment=augment,
    )
    eval_ds = training.transformed_dataset(
        fn_args.eval_files, tft_output, keys, config.batch_size, shuffle=False, seed=config.seed
    )
    steps_per_epoch = training.count_batches(train_ds)
    schedule = training.WarmupSchedule(
        config.learning_rate, config.epochs, steps_per_epoch, config.warmup_epochs, config.schedule
    )
    multi_worker = config.distribute == "multi_worker"

    with strategy.scope():
        model = zoo.build(config.model, features.NUM_CLASSES, (*features.IMAGE_SHAPE, 1), dtype=policy)
        frozen = []
        if config.init_from:
            transfer.restore(model, config.init_from, config.model)
            frozen = transfer.freeze_features(model) if config.freeze_features else []
        model.compile(
            # The multi-worker loop sets a rate per epoch; fit follows the schedule at every step.
            optimizer=training.make_optimizer(
                config.optimizer,
                config.learning_rate if multi_worker else schedule,
                momentum=config.momentum,
                weight_decay=config.weight_decay,
            ),
            loss=training.classification_loss(config.label_smoothing),
            metrics=["accuracy"],
        )

    extra = {
        "config": dataclasses.asdict(config),
        "precision_policy": policy,
        "parameters": model.count_params(),
        "frozen_layers": frozen,
    }
    if multi_worker:
        # Keras 3.6's fit fails under MultiWorkerMirroredStrategy: a custom loop instead.
        epoch_timer = training.EpochTimer()
        history = training.fit_distributed(
            model,
            train_ds,
            strategy=strategy,
            epochs=config.epochs,
            steps_per_epoch=steps_per_epoch,
            global_batch_size=config.batch_size,
            validation_data=eval_ds,
            learning_rate_schedule=lambda epoch, _: float(schedule.at_epoch(epoch)),
            callbacks=[epoch_timer],
        )
        if chief:
            training.record_history(fn_args.model_run_dir, history, epoch_timer.seconds, extra)
    else:
        stop_early = (
            [
                keras.callbacks.EarlyStopping(
                    "val_loss", patience=config.early_stopping, restore_best_weights=True
                )
            ]
            if config.early_stopping
            else []
        )
        training.fit_and_record(
            model,
            train_ds,
            eval_ds,
            epochs=config.epochs,
            run_dir=fn_args.model_run_dir,
            extra=extra,
            callbacks=stop_early,
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
