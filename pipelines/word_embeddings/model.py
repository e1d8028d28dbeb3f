"""Trainer module: trains Word2Vec, GloVe or Doc2Vec (--model); exports embed, nearest (, embed_document)."""

import dataclasses
import os
import time

import keras
import tensorflow_transform as tft

from components.cooccurrence_gen import executor as cooccurrence
from keras_models.text.doc2vec import Doc2Vec
from keras_models.text.glove import GloVe
from keras_models.text.word2vec import Word2Vec
from pipelines import training
from pipelines.embeddings.model import load_split, vocabulary_counts
from pipelines.word_embeddings import configs
from serving.word_vectors_export import WordVectorsExport

# TrainConfig field -> constructor argument, per model.
_SHARED = ("dim", "window", "epochs", "seed")
_SAMPLED = ("loss", "negative", "sample", "alpha", "min_alpha")
ARGUMENTS = {
    "word2vec": {f: f for f in (*_SHARED, *_SAMPLED, "architecture")},
    "doc2vec": {**{f: f for f in (*_SHARED, *_SAMPLED, "dbow_words")}, "mode": "doc2vec_mode"},
    "glove": {
        **{f: f for f in ("dim", "epochs", "seed", "x_max", "learning_rate")},
        "alpha": "weighting_power",
    },
}


def _fit(model, config, train_files, texts):
    """Trains `model` on what its kind reads; returns (history dict of per-epoch lists, seconds)."""
    start = time.perf_counter()
    if config.model == "glove":
        rows, cols, counts = cooccurrence.read_cooccurrence(_artifact_uri(train_files))
        print(f"GloVe: {len(rows):,} nonzero co-occurrences of {len(model.vocabulary):,} words", flush=True)
        result = model.fit_cooccurrence(rows, cols, counts, verbose=2)
    else:
        print(f"{type(model).__name__}: {len(texts):,} texts, {len(model.vocabulary):,} words", flush=True)
        result = model.fit(texts, verbose=2)
    seconds = time.perf_counter() - start
    history = result.history if hasattr(result, "history") else {"loss": result}  # GloVe: its costs
    return {key: [float(v) for v in values] for key, values in history.items()}, seconds


def _artifact_uri(train_files):
    """The Examples artifact's folder of the Trainer's `train_files` (`<uri>/Split-train/*`)."""
    return os.path.dirname(os.path.dirname(train_files[0] if isinstance(train_files, list) else train_files))


def build_model(config, words, counts, texts):
    """The untrained model --model names (doc2vec has one vector per train text)."""
    arguments = {name: getattr(config, field) for name, field in ARGUMENTS[config.model].items()}
    if config.model == "doc2vec":
        return Doc2Vec(words, counts, num_documents=len(texts), **arguments)
    return {"glove": GloVe, "word2vec": Word2Vec}[config.model](words, counts, **arguments)


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    if config.model == "glove":  # the ids of CooccurrenceGen's counts index its vocabulary.txt
        words, counts = cooccurrence.read_vocabulary_file(_artifact_uri(fn_args.train_files)), None
    else:
        words, counts = vocabulary_counts(tft_output, config.min_count)
    if len(words) < 2:
        raise ValueError(
            f"only {len(words)} words are seen --min-count {config.min_count} times: lower --min-count "
            "or give a larger corpus."
        )
    # GloVe's Trainer reads CooccurrenceGen's counts; the others the text of the train split.
    texts = None if config.model == "glove" else load_split(fn_args.train_files, tft_output)[0]
    model = build_model(config, words, counts, texts)
    history, seconds = _fit(model, config, fn_args.train_files, texts)
    epochs = max((len(values) for values in history.values()), default=0) or config.epochs
    training.record_history(
        fn_args.model_run_dir,
        history,
        [seconds / epochs] * epochs,
        {"config": dataclasses.asdict(config), "vocabulary_size": len(words), "train_seconds": seconds},
    )
    WordVectorsExport(model, top_k=config.top_k).save(fn_args.serving_model_dir)
