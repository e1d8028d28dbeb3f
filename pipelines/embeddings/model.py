"""Trainer module: trains keras_models.text.StarSpace (a trainMode); exports embed / retrieve / predict."""

import dataclasses

import keras
import tensorflow_transform as tft

from keras_models.text import StarSpace, ranking
from keras_models.text.starspace import labels_by_frequency
from pipelines import training
from pipelines.embeddings import configs, features
from serving.starspace_export import StarSpaceExport

# TrainConfig fields that are StarSpace's constructor arguments.
_MODEL_ARGUMENTS = tuple(
    f.name for f in dataclasses.fields(configs.TrainConfig) if f.name not in ("min_count", "top_k", "seed")
)


def load_split(file_pattern, tft_output):
    """(texts [N] str, labels [N] str or None) of a split: raw tf.Examples through the Transform graph."""
    keys = [
        key
        for key in (features.TEXT_XF_KEY, features.LABEL_XF_KEY)
        if key in tft_output.transformed_feature_spec()
    ]
    columns = training.transformed_columns(file_pattern, tft_output, keys)
    decoded = {key: [value.decode("utf-8") for value in values] for key, values in columns.items()}
    return decoded[features.TEXT_XF_KEY], decoded.get(features.LABEL_XF_KEY)


def vocabulary_counts(tft_output, min_count):
    """(words, counts): Transform's words seen at least `min_count` times in the train split, most
    frequent first, and their counts."""
    words, counts = [], []
    for line in tft_output.vocabulary_by_name(features.WORD_VOCABULARY):
        count, _, word = line.partition(b" ")
        if int(count) >= min_count:
            try:
                words.append(word.decode("utf-8"))
                counts.append(int(count))
            except UnicodeDecodeError:
                pass  # the model's preprocessor drops what it cannot look up
    return words, counts


def vocabulary(tft_output, min_count):
    """Transform's words seen at least `min_count` times in the train split, most frequent first."""
    return vocabulary_counts(tft_output, min_count)[0]


class RankingHistory(keras.callbacks.Callback):
    """Adds the eval split's `val_mrr` and `val_hits@1` (the ranking protocol) to each epoch's logs."""

    def __init__(self, texts, labels):
        super().__init__()
        self._texts, self._labels = texts, labels

    def on_epoch_end(self, epoch, logs=None):
        measured = ranking.metrics(self.model.rank(self._texts, self._labels))
        logs.update({"val_mrr": measured["mrr"], "val_hits@1": measured["hits@1"]})


def run_fn(fn_args):
    """TFX Trainer entry point (found by dotted path)."""
    config = configs.TrainConfig(**(fn_args.custom_config or {}))
    keras.utils.set_random_seed(config.seed)
    tft_output = tft.TFTransformOutput(fn_args.transform_output)
    train_texts, train_labels = load_split(fn_args.train_files, tft_output)
    eval_texts, eval_labels = load_split(fn_args.eval_files, tft_output)
    labelled = config.train_mode == 0
    model = StarSpace(
        vocabulary(tft_output, config.min_count),
        labels=labels_by_frequency(train_labels) if labelled else (),
        **{name: getattr(config, name) for name in _MODEL_ARGUMENTS},
    )
    print(
        f"StarSpace trainMode {config.train_mode}: {len(train_texts):,} train / {len(eval_texts):,} eval "
        "lines, "
        f"{model.preprocessor.num_words:,} words" + (f", {len(model.labels)} labels" if labelled else ""),
        flush=True,
    )

    training.fit_and_record(
        model,
        train_texts,
        None,
        y=train_labels if labelled else None,
        seed=config.seed,
        epochs=config.epoch,
        run_dir=fn_args.model_run_dir,
        extra={"config": dataclasses.asdict(config), "vocabulary_size": model.preprocessor.num_words},
        callbacks=[RankingHistory(eval_texts, eval_labels)],
    )
    # The candidates retrieve ranks: the labels, the words (items), or the documents of both splits.
    names, texts = model.candidates(train_texts + eval_texts)
    StarSpaceExport(model, names, texts, top_k=config.top_k, text_key=features.TEXT_KEY).save(
        fn_args.serving_model_dir
    )
