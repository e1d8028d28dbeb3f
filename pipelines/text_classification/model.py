"""Trainer module: trains the classifier --model names and exports the serving signatures."""

import dataclasses
import os

import keras
import numpy as np
import tensorflow_transform as tft

from components.label_check import labels
from keras_models.sequence import LSTMClassifier
from keras_models.text import FastText
from keras_models.text.char_cnn import CharCNN
from keras_models.text.kim_cnn import KimCNN, read_word_vectors, train_word_vectors
from keras_models.text.naive_bayes import MultinomialNaiveBayes
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
    "kimcnn": (
        KimCNN,
        {"variant": "kim_variant", "embedding_dim": "dim", "max_length": "max_length", "dropout": "dropout"},
    ),
    "charcnn": (CharCNN, {"size": "char_size", "max_length": "max_length", "dropout": "dropout"}),
    "naive_bayes": (MultinomialNaiveBayes, {"alpha": "alpha"}),
}
# Models trained under a mixed precision policy (--mixed-precision) and a cosine-decayed learning rate.
NEURAL = ("lstm", "kimcnn", "charcnn")


def word_vectors(config, texts):
    """(pretrained {word: vector} or None, where they came from) for --model's embeddings.

    Only KimCNN's static, non-static and multichannel variants take them: from
    --word-vectors when given, else from word2vec (`--dim` dimensions) trained on `texts`.
    """
    if config.model != "kimcnn" or config.kim_variant == "rand":
        return None, None
    if config.word_vectors:
        return read_word_vectors(config.word_vectors), config.word_vectors
    print(f"word2vec: training {config.dim}-dimensional vectors on {len(texts):,} train texts", flush=True)
    return train_word_vectors(texts, dim=config.dim, seed=config.seed), "word2vec on the train texts"


def build_model(config, texts, labels, num_classes, vectors=None):
    """The compiled model --model names, its vocabulary from `texts`; `vectors` (see `word_vectors`)
    give KimCNN's pretrained embeddings."""
    model_class, arguments = MODELS[config.model]
    model = model_class.from_texts(
        texts,
        labels,
        num_classes=num_classes,
        min_count=config.min_count,
        **{argument: getattr(config, field) for argument, field in arguments.items()},
        **({"word_vectors": vectors} if vectors is not None else {}),
    )
    if config.model == "fasttext":
        model.compile(optimizer=config.optimizer)  # fastText's recipe: a linear decay that fit sets up
        return model
    if config.model == "naive_bayes":
        model.compile()  # for evaluate; fit counts
        return model
    if config.model == "lstm":
        optimizer = {"adam": keras.optimizers.Adam, "sgd": keras.optimizers.SGD}[config.optimizer](config.lr)
    else:  # the CNN papers' SGD has momentum 0.9
        optimizer = training.make_optimizer(config.optimizer, config.lr)
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    policy = training.set_precision_policy(config.mixed_precision) if config.model in NEURAL else None
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

    vectors, vectors_source = word_vectors(config, train_texts)
    model = build_model(config, train_texts, train_labels, num_classes, vectors)
    training.fit_and_record(
        model,
        train_texts,
        (eval_texts, eval_labels),
        y=train_labels,
        batch_size=config.batch_size,
        epochs=config.epochs,
        # fastText decays its rate itself; naive Bayes has none
        learning_rate=config.lr if config.model in NEURAL else None,
        run_dir=fn_args.model_run_dir,
        extra={
            "config": dataclasses.asdict(config),
            "vocabulary_size": getattr(model.preprocessor, "num_words", None),  # None: characters
            "num_classes": num_classes,
            "parameters": int(model.count_params()),
            **({"precision_policy": policy} if policy else {}),
            **({"word_vectors": vectors_source} if vectors_source else {}),
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
