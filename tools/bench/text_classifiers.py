"""AG News side by side: Kim's CNN (four variants), the character CNN, naive Bayes and fastText.

python -m tools.bench.text_classifiers [--data ../shared/data/ag_news] [--models kimcnn,charcnn,...]
    [--word-vectors PATH] [--char-large] [--set MODEL:FIELD=VALUE ...] [--json PATH] [--quick]

Every model is built, compiled and trained as `dlsuite run text_classification --model M` trains
it (`pipelines.text_classification.model.build_model` with `configs.train_config(M)`, the
cosine-decayed learning rate of the neural models), on the train split, and scored on dev.
Rows: `kimcnn` in Kim's four variants (the pretrained ones share one set of vectors: `--word-vectors`,
or our `Word2Vec` trained on the train texts with the pipeline's `--dim`, timed apart), `charcnn`
small (large with `--char-large`: on 2 CPU cores an epoch of it takes many times the small one's),
our `naive_bayes`, scikit-learn's `MultinomialNB` on the same tokens (fastText's, `</s>` included;
the reference ours must match) and on scikit-learn's own tokens, and `fasttext` with the pipeline's
defaults. Train seconds run from the vocabulary to the trained model, validation passes excluded;
the neural models' dev accuracy after each epoch is in the JSON (`curve`). `--set charcnn:epochs=12`
changes a TrainConfig field of one model. Prints a markdown table.
"""

import argparse
import json
import os
import platform
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "ag_news")
QUICK_DATA = os.path.join(ROOT, "tests", "fixtures", "ag_news_small")
MODELS = ("naive_bayes", "sklearn", "fasttext", "kimcnn", "charcnn")
KIM_VARIANTS = ("rand", "static", "non-static", "multichannel")
# --quick: seconds on the 400-text fixture, to see that every row runs.
QUICK = {"epochs": 1, "dim": 16, "max_length": 32, "batch_size": 64}
QUICK_CHAR = {"epochs": 1, "max_length": 256, "batch_size": 64}


def load(folder):
    """{split: (texts object array, label ids)} of an AG News folder, classes.txt's order."""
    from components.text_example_gen import formats

    classes = formats.read_classes(folder)
    splits = formats.find_splits(folder)
    data = {}
    for split in ("train", "eval"):
        labels, texts = formats.load(splits[split], formats.detect_format(splits[split]), classes)
        data[split] = (np.array(texts, dtype=object), np.array([classes.index(label) for label in labels]))
    return data, len(classes)


class TrainTimer(keras.callbacks.Callback):
    """Seconds of each epoch's training (validation left out) and the validation accuracy after it."""

    def __init__(self):
        super().__init__()
        self.seconds, self.curve, self._start = [], [], None

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_test_begin(self, logs=None):
        if self._start is not None:
            self.seconds.append(time.perf_counter() - self._start)
            self._start = None

    def on_epoch_end(self, epoch, logs=None):
        self.on_test_begin()
        if logs and "val_accuracy" in logs:
            self.curve.append(round(float(logs["val_accuracy"]), 4))


def run_model(name, config, data, num_classes, vectors=None):
    """One row: build and train `config.model` as the pipeline does; dev accuracy and seconds."""
    from pipelines import training
    from pipelines.text_classification import model as trainer

    keras.utils.set_random_seed(config.seed)
    (train_texts, train_labels), (dev_texts, dev_labels) = data["train"], data["eval"]
    timer = TrainTimer()
    started = time.perf_counter()
    model = trainer.build_model(config, train_texts, train_labels, num_classes, vectors)
    build_seconds = time.perf_counter() - started
    callbacks = [timer]
    if config.model in trainer.NEURAL:
        callbacks.append(training.cosine_decay(config.lr, config.epochs))
    model.fit(
        train_texts,
        train_labels,
        batch_size=config.batch_size,
        epochs=config.epochs,
        validation_data=(dev_texts, dev_labels) if config.model in trainer.NEURAL else None,
        callbacks=callbacks,
        verbose=2 if config.model in ("charcnn",) else 0,
    )
    seconds = build_seconds + sum(timer.seconds)
    accuracy = float(np.mean(model.predict(dev_texts, verbose=0).argmax(-1) == dev_labels))
    row = {
        "model": name,
        "accuracy": accuracy,
        "train_seconds": seconds,
        "epochs": config.epochs if config.model != "naive_bayes" else 1,
        "parameters": int(model.count_params()),
        "curve": timer.curve,
    }
    keras.backend.clear_session()
    return row


def sklearn_rows(data, alpha):
    """scikit-learn's MultinomialNB on fastText's tokens (ours' reference) and on its own tokens."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.naive_bayes import MultinomialNB

    from keras_models.text import normalize
    from keras_models.text.fasttext_preprocessor import EOS

    (train_texts, train_labels), (dev_texts, dev_labels) = data["train"], data["eval"]
    rows = []
    fasttext_tokens = CountVectorizer(analyzer=lambda text: [*normalize(text).split(), EOS])
    for name, vectorizer in (
        ("sklearn MultinomialNB, fastText tokens", fasttext_tokens),
        ("sklearn MultinomialNB, CountVectorizer tokens", CountVectorizer()),
    ):
        started = time.perf_counter()
        counts = vectorizer.fit_transform(train_texts)
        classifier = MultinomialNB(alpha=alpha).fit(counts, train_labels)
        seconds = time.perf_counter() - started
        accuracy = float(np.mean(classifier.predict(vectorizer.transform(dev_texts)) == dev_labels))
        rows.append({"model": name, "accuracy": accuracy, "train_seconds": seconds, "epochs": 1, "curve": []})
    return rows


def table(rows):
    lines = [
        "| model | dev accuracy | train seconds | epochs | parameters |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        parameters = f"{row['parameters']:,}" if row.get("parameters") else "-"
        figures = f"{row['accuracy']:.4f} | {row['train_seconds']:.1f} | {row['epochs']} | {parameters}"
        lines.append(f"| {row['model']} | {figures} |")
    return "\n".join(lines)


def parse_sets(items):
    """['charcnn:epochs=12'] -> {'charcnn': {'epochs': 12}} (values as JSON, else strings)."""
    sets = {}
    for item in items:
        model, _, assignment = item.partition(":")
        field, _, value = assignment.partition("=")
        if not (model and field and value):
            raise SystemExit(f"--set {item!r}: expected MODEL:FIELD=VALUE, e.g. charcnn:epochs=12")
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
        sets.setdefault(model, {})[field] = value
    return sets


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", default=DEFAULT_DATA, help="AG News folder (train.csv, dev.csv, classes.txt)"
    )
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--kim-variants", default=",".join(KIM_VARIANTS), help="comma-separated")
    parser.add_argument("--word-vectors", help="word2vec text file for kimcnn's pretrained variants")
    parser.add_argument("--char-large", action="store_true", help="also train charcnn large")
    parser.add_argument("--set", action="append", default=[], metavar="MODEL:FIELD=VALUE")
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument(
        "--quick", action="store_true", help="the tests' 400-text fixture, 1 epoch, tiny sizes"
    )
    args = parser.parse_args(argv)

    from pipelines.text_classification import configs
    from pipelines.text_classification import model as trainer

    data, num_classes = load(QUICK_DATA if args.quick else args.data)
    models = [m for m in args.models.split(",") if m]
    sets = parse_sets(args.set)

    def config_of(model, **fields):
        quick = (QUICK_CHAR if model == "charcnn" else QUICK) if args.quick else {}
        quick = {key: value for key, value in quick.items() if key in configs.MODEL_ONLY[model]}
        return configs.train_config(model, **{**quick, **fields, **sets.get(model, {})})

    rows, notes = [], {}
    sizes = f"{len(data['train'][0]):,} train / {len(data['eval'][0]):,} dev texts"
    print(f"AG News: {sizes}, {num_classes} classes", flush=True)
    if "naive_bayes" in models:
        rows.append(run_model("naive_bayes (ours)", config_of("naive_bayes"), data, num_classes))
    if "sklearn" in models:
        rows.extend(sklearn_rows(data, config_of("naive_bayes").alpha))
    if "fasttext" in models:
        rows.append(run_model("fasttext (pipeline defaults)", config_of("fasttext"), data, num_classes))
    if "kimcnn" in models:
        vectors = None
        for variant in [v for v in args.kim_variants.split(",") if v]:
            config = config_of("kimcnn", kim_variant=variant, word_vectors=args.word_vectors)
            if variant != "rand" and vectors is None:
                started = time.perf_counter()
                vectors, source = trainer.word_vectors(config, data["train"][0])
                notes["word_vectors"] = {"source": source, "seconds": time.perf_counter() - started}
                print(f"word vectors: {source}, {notes['word_vectors']['seconds']:.1f} s", flush=True)
            row = run_model(
                f"kimcnn {variant}", config, data, num_classes, vectors if variant != "rand" else None
            )
            rows.append(row)
            print(table([row]).splitlines()[-1], flush=True)
    if "charcnn" in models:
        for size in ("small", "large") if args.char_large else ("small",):
            config = config_of("charcnn", char_size=size)
            rows.append(run_model(f"charcnn {size} (l0 {config.max_length})", config, data, num_classes))
            print(table(rows[-1:]).splitlines()[-1], flush=True)

    print()
    print(table(rows))
    if args.json:
        record = {
            "data": os.path.abspath(QUICK_DATA if args.quick else args.data),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            "sets": sets,
            "notes": notes,
            "rows": rows,
        }
        with open(args.json, "w") as f:
            json.dump(record, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
