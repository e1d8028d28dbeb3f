"""Trainer module: trains FastText or LSTMClassifier (--model) and exports the serving signatures."""

import dataclasses
import os
import sys

import keras
import numpy as np
import tensorflow as tf
import tensorflow_transform as tft

from components.label_check import labels
from keras_models.sequence import LSTMClassifier
from keras_models.text import FastText
from pipelines import training
from pipelines.text_classification import configs, features
from serving.text_export import TextClassifierExport


def load_split(file_pattern, tft_output):
    """(texts [N] bytes, label ids [N] int64) of a split: raw tf.Examples through the Transform graph."""
    files = tf.io.gfile.glob(file_pattern)
    raw_spec = tft_output.raw_feature_spec()
    tft_layer = tft_output.transform_features_layer()

    def transform(serialized):
        transformed = tft_layer(tf.io.parse_example(serialized, raw_spec))
        return tf.reshape(transformed[features.TEXT_XF_KEY], [-1]), transformed[features.LABEL_XF_KEY]

    texts, labels = [], []
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").batch(4096).map(transform)
    for batch_texts, batch_labels in dataset:
        texts.append(batch_texts.numpy())
        labels.append(batch_labels.numpy())
    if not texts:
        raise ValueError(f"no examples in {file_pattern}")
    return np.concatenate(texts), np.concatenate(labels).astype(np.int64)


# --model -> the model class and its constructor arguments, each from the TrainConfig field named.
MODELS = {
    "fasttext": (
        FastText,
        {f: f for f in ("dim", "word_ngrams", "buckets", "lr", "epochs", "loss")},
    ),
    "lstm": (
        LSTMClassifier,
        {"embedding_dim": "dim", **{f: f for f in ("units", "bidirectional", "max_length", "dropout")}},
    ),
}


def build_model(config, texts, labels, num_classes):
    """The compiled model --model names, its vocabulary from `texts`, and its extra fit callbacks."""
    model_class, arguments = MODELS[config.model]
    model = model_class.from_texts(
        texts,
        labels,
        num_classes=num_classes,
        min_count=config.min_count,
        **{argument: getattr(config, field) for argument, field in arguments.items()},
    )
    if config.model == "fasttext":
        model.compile(optimizer=config.optimizer)  # fastText's recipe: a linear decay that fit sets up
        return model, []
    optimizer = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[config.optimizer](config.lr)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model, [training.cosine_decay(config.lr, config.epochs)]


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision) if config.model == "lstm" else None
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    num_classes = tft_output.vocabulary_size_by_name(features.LABEL_VOCABULARY)

    train_texts, train_labels = load_split(fn_args.train_files, tft_output)
    eval_texts, eval_labels = load_split(fn_args.eval_files, tft_output)
    if (eval_labels < 0).any():
        raise ValueError("the eval split has labels the train split does not have.")
    name = MODELS[config.model][0].__name__
    print(
        f"{name}: {len(train_texts):,} train / {len(eval_texts):,} eval texts, {num_classes} classes",
        flush=True,
    )

    model, callbacks = build_model(config, train_texts, train_labels, num_classes)

    epoch_timer = training.EpochTimer()
    history = model.fit(
        train_texts,
        train_labels,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(eval_texts, eval_labels),
        verbose=1 if sys.stdout.isatty() else 2,
        callbacks=[
            keras.callbacks.TensorBoard(log_dir=os.path.join(fn_args.model_run_dir, "tensorboard")),
            *callbacks,
            epoch_timer,
        ],
    )

    training.record_history(
        fn_args.model_run_dir,
        history.history,
        epoch_timer.seconds,
        extra={
            "config": dataclasses.asdict(config),
            "vocabulary_size": model.preprocessor.num_words,
            "num_classes": num_classes,
            **({"precision_policy": policy} if policy else {}),
        },
    )

    TextClassifierExport(
        model,
        tft_output,
        text_key=features.TEXT_KEY,
        label_key=features.LABEL_KEY,
        text_xf_key=features.TEXT_XF_KEY,
        label_vocabulary=features.LABEL_VOCABULARY,
        top_k=config.top_k,
    ).save(fn_args.serving_model_dir)
    # Beside Format-Serving/: the next run's LabelCheck compares its labels with these.
    labels.write(
        os.path.dirname(fn_args.serving_model_dir), tft_output.vocabulary_by_name(features.LABEL_VOCABULARY)
    )
