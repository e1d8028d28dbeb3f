"""Trainer module: trains FastText or LSTMClassifier (--model) and exports the serving signatures."""

import dataclasses
import os

import keras
import numpy as np
import tensorflow_transform as tft

from components.label_check import labels
from keras_models.sequence import LSTMClassifier
from keras_models.text import FastText
from pipelines import training
from pipelines.text_classification import configs, features
from serving.text_export import TextClassifierExport


def load_split(file_pattern, tft_output):
    """(texts [N] bytes, label ids [N] int64) of a split: raw tf.Examples through the Transform graph."""
    columns = training.transformed_columns(
        file_pattern, tft_output, (features.TEXT_XF_KEY, features.LABEL_XF_KEY)
    )
    return columns[features.TEXT_XF_KEY], columns[features.LABEL_XF_KEY].astype(np.int64)


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
    """The compiled model --model names, its vocabulary from `texts`."""
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
        return model
    optimizer = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[config.optimizer](config.lr)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


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

    model = build_model(config, train_texts, train_labels, num_classes)
    training.fit_and_record(
        model,
        train_texts,
        (eval_texts, eval_labels),
        y=train_labels,
        batch_size=config.batch_size,
        epochs=config.epochs,
        learning_rate=config.lr if config.model == "lstm" else None,  # fastText decays its rate itself
        run_dir=fn_args.model_run_dir,
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
