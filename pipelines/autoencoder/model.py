"""Trainer module: trains the --model autoencoder and exports its serving signatures."""

import dataclasses
import os

import keras
import tensorflow as tf
import tensorflow_transform as tft

from components import model_info
from keras_models import autoencoders
from pipelines import training
from pipelines.autoencoder import configs
from pipelines.image_classification import features
from serving.autoencoder_export import AutoencoderExport


def build_model(config):
    """The keras_models.autoencoders model that --model names, sized for the pipeline's images."""
    class_name, kwargs = configs.MODELS[config.model]
    if config.latent_dim:
        kwargs = {**kwargs, "latent_dim": config.latent_dim}
    return getattr(autoencoders, class_name)(input_shape=(*features.IMAGE_SHAPE, 1), **kwargs)


def _images(file_pattern, tft_output, config, shuffle):
    """Batches of transformed images, of the normal classes only when --normal-classes is given."""
    keep = None
    if config.normal_classes:
        normal = tf.constant(config.normal_classes, tf.int64)
        keep = lambda x: tf.reduce_any(tf.equal(x[features.LABEL_XF_KEY], normal))  # noqa: E731
    return training.transformed_dataset(
        file_pattern, tft_output, (features.IMAGE_XF_KEY,), config.batch_size, shuffle, config.seed, keep=keep
    )


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision)  # before the model's layers exist
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    train_ds = _images(fn_args.train_files, tft_output, config, shuffle=True)
    eval_ds = _images(fn_args.eval_files, tft_output, config, shuffle=False)

    model = build_model(config)
    model.compile(optimizer=keras.optimizers.Adam(config.learning_rate))
    training.fit_and_record(
        model,
        train_ds,
        eval_ds,
        epochs=config.epochs,
        learning_rate=config.learning_rate,
        run_dir=fn_args.model_run_dir,
        extra={"config": dataclasses.asdict(config), "precision_policy": policy},
    )

    AutoencoderExport(
        model,
        tft_output,
        image_key=features.IMAGE_KEY,
        label_key=features.LABEL_KEY,
        image_xf_key=features.IMAGE_XF_KEY,
        image_shape=features.IMAGE_SHAPE,
    ).save(fn_args.serving_model_dir)
    info = {
        "model": config.model,
        "code_size": model.code_size,
        "normal_classes": list(config.normal_classes),
    }
    if hasattr(model, "rho"):
        info["target_activation"] = float(model.rho)
    if hasattr(model, "likelihood"):
        info["likelihood"] = model.likelihood
    model_info.write(os.path.dirname(fn_args.serving_model_dir), info)
