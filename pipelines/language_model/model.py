"""Trainer module: trains keras_models.sequence.CharLanguageModel on the corpus' windows and exports
generate / score signatures."""

import dataclasses
import math
import os

import keras
import tensorflow_transform as tft

from components import model_info
from keras_models.sequence import CharLanguageModel
from pipelines import training
from pipelines.language_model import configs
from serving.language_model_export import LanguageModelExport


def bits_per_character(targets, logits):
    """Keras metric: cross-entropy in bits (the loss is in nats)."""
    nats = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    return nats / math.log(2.0)


def _windows(file_pattern, tft_output, config, shuffle):
    """Batches of (inputs, next characters): each window's ids and the same ids shifted by one."""
    ids = training.transformed_dataset(
        file_pattern, tft_output, (configs.IDS_XF_KEY,), config.batch_size, shuffle, config.seed
    )
    return ids.map(lambda window: (window[:, :-1], window[:, 1:]))


def vocabulary(tft_output):
    """The train split's characters in Transform's id order."""
    return [c.decode("utf-8") for c in tft_output.vocabulary_by_name(configs.CHARACTER_VOCABULARY)]


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision)  # before the model's layers exist
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    characters = vocabulary(tft_output)

    model = CharLanguageModel(
        vocabulary=characters,
        cell=config.model,
        units=config.units,
        num_layers=config.num_layers,
        embedding_dim=config.embedding_dim,
        dropout=config.dropout,
        clip_norm=config.clip_norm,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        metrics=[keras.metrics.MeanMetricWrapper(bits_per_character, name="bpc")],
    )
    parameters = model.count_params()
    print(
        f"CharLanguageModel: {config.model}, {len(characters)} characters + unknown, "
        f"{parameters:,} parameters",
        flush=True,
    )
    training.fit_and_record(
        model,
        _windows(fn_args.train_files, tft_output, config, shuffle=True),
        _windows(fn_args.eval_files, tft_output, config, shuffle=False),
        epochs=config.epochs,
        learning_rate=config.learning_rate,
        run_dir=fn_args.model_run_dir,
        extra={"config": dataclasses.asdict(config), "precision_policy": policy, "parameters": parameters},
    )
    LanguageModelExport(model).save(fn_args.serving_model_dir)
    model_info.write(
        os.path.dirname(fn_args.serving_model_dir),
        {"model": config.model, "vocabulary_size": model.vocabulary_size, "parameters": parameters},
    )
