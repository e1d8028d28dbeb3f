"""StarSpace: ours (keras_models.text.StarSpace) beside StarSpace C++ on AG News, in one process tree.

python -m tools.bench.starspace_vs_cpp [--data ../shared/data/ag_news] [--repeats 4] [--json F]

Both train with StarSpace's defaults: dim 100, epoch 5, lr 0.01 (decayed linearly), margin 0.05,
cosine similarity, hinge loss, negSearchLimit 50, maxNegSamples 10, row-wise Adagrad, ngrams 1.
C++ runs 2 Hogwild threads (`-thread 2`, batchSize 5); ours, batches of 32 on TensorFlow's 2 cores.
Both read the same normalized text (fastText's normalization). Rows:

- trainMode 0, AG News topics, with the hinge loss (StarSpace's default) and the softmax loss (the
  pipeline's trainMode 0 default): dev accuracy (C++ scored from its `-predictionFile`), train
  seconds, examples/s and tokens/s; our fastText (the text pipeline's defaults) beside them.
- trainMode 3, title -> description among all 827 dev descriptions: hits@1, hits@10, MRR, the
  same throughput figures; the TF-IDF cosine baseline (unigrams, sublinear tf, fitted on the train
  descriptions: the issue's 0.716 MRR), and ours as the pipeline serves it: the learned similarity
  mixed with its own TF-IDF cosine (`lexical_weight` 0.9, the trainMode 3 default).
- trainMode 1 on the generated interactions (tools/interactions.py defaults): ours (StarSpace's
  defaults, and the pipeline's trainMode 1 defaults: softmax, dot, 20 epochs) against popularity
  and the planted-cluster oracle, all under the pipeline's protocol (history excluded).

Seconds are wall time of training alone for ours, of the whole `starspace train` command for C++
(load, train, save: its log has no finer timer). Medians over --repeats; accuracy as mean (min-max).
"""

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from pipelines.embeddings.configs import MODE_DEFAULTS
from tools.bench import starspace_peer
from tools.bench.tfidf_retrieval import read_titles_descriptions, tfidf_scores

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "ag_news")
SETTINGS = {"dim": 100, "epoch": 5}  # the rest are both implementations' defaults


def _tokens(texts):
    from keras_models.text.fasttext_preprocessor import normalize

    return sum(len(normalize(text).split()) for text in texts)


def _ours(texts, labels, train_mode, seed, **settings):
    """(trained model, training seconds)."""
    import keras

    from keras_models.text import StarSpace

    keras.utils.set_random_seed(seed)
    model = StarSpace.from_texts(texts, labels, train_mode=train_mode, **{**SETTINGS, **settings})
    started = time.perf_counter()
    model.fit(texts, labels, seed=seed, verbose=0)
    return model, time.perf_counter() - started


def _summary(name, values, seconds, examples, tokens):
    median = float(np.median(seconds))
    return {
        "system": name,
        "values": [float(v) for v in values],
        "seconds": median,
        "examples_per_s": examples * SETTINGS["epoch"] / median,
        "tokens_per_s": tokens * SETTINGS["epoch"] / median,
    }


def classification(data, binary, tmp, repeats):
    from components.text_example_gen import formats
    from keras_models.text import FastText, ranking
    from pipelines.text_classification.configs import TrainConfig

    classes = formats.read_classes(data)
    train_labels, train_texts = formats.load(os.path.join(data, "train.csv"), "ag_news", classes)
    dev_labels, dev_texts = formats.load(os.path.join(data, "dev.csv"), "ag_news", classes)
    train_file, dev_file = os.path.join(tmp, "train0.txt"), os.path.join(tmp, "dev0.txt")
    starspace_peer.write_classification_file(zip(train_labels, train_texts), train_file)
    starspace_peer.write_classification_file(zip(dev_labels, dev_texts), dev_file)
    truth = [label.replace(" ", "_") for label in dev_labels]
    tokens = _tokens(train_texts)
    rows = []
    for loss in ("hinge", "softmax"):  # StarSpace's default loss, and the pipeline's trainMode 0 default
        cpp_accuracy, cpp_seconds, our_accuracy, our_seconds = [], [], [], []
        for seed in range(repeats):
            model_path = os.path.join(tmp, "mode0")
            trained = starspace_peer.train(binary, train_file, model_path, 0, thread=2, loss=loss, **SETTINGS)
            predicted = starspace_peer.predict_labels(binary, model_path, dev_file)
            cpp_accuracy.append(np.mean([p == t for p, t in zip(predicted, truth)]))
            cpp_seconds.append(trained["seconds"])
            model, seconds = _ours(train_texts, train_labels, 0, seed, loss=loss)
            our_accuracy.append(ranking.metrics(model.rank(dev_texts, dev_labels))["hits@1"])
            our_seconds.append(seconds)
            print(
                f"# trainMode 0, {loss}, run {seed}: C++ {cpp_accuracy[-1]:.4f}, ours {our_accuracy[-1]:.4f}",
                file=sys.stderr,
            )
        examples = len(train_texts)
        rows.append(_summary(f"StarSpace C++, {loss}", cpp_accuracy, cpp_seconds, examples, tokens))
        rows.append(_summary(f"ours, {loss}", our_accuracy, our_seconds, examples, tokens))
    config = TrainConfig()
    fasttext_accuracy = []
    for seed in range(repeats):
        import keras

        keras.utils.set_random_seed(seed)
        ids = [classes.index(label) for label in train_labels]
        settings = {"word_ngrams": config.word_ngrams, "buckets": config.buckets, "epochs": config.epochs}
        fasttext = FastText.from_texts(
            train_texts, ids, len(classes), dim=config.dim, lr=config.lr, **settings
        )
        fasttext.compile()
        fasttext.fit(train_texts, ids, verbose=0)
        probabilities = fasttext.predict(dev_texts, verbose=0)
        fasttext_accuracy.append(
            np.mean(probabilities.argmax(1) == [classes.index(label) for label in dev_labels])
        )
    return rows + [
        {"system": "our fastText (text pipeline defaults)", "values": [float(v) for v in fasttext_accuracy]}
    ]


def retrieval(data, binary, tmp, repeats):
    from keras_models.text import ranking

    train_titles, train_descriptions = read_titles_descriptions(os.path.join(data, "train.csv"))
    dev_titles, dev_descriptions = read_titles_descriptions(os.path.join(data, "dev.csv"))
    train_lines = [f"{t}\t{d}" for t, d in zip(train_titles, train_descriptions)]
    pairs_file, dev_pairs, documents = (
        os.path.join(tmp, name) for name in ("train3.txt", "dev3.txt", "docs3.txt")
    )
    starspace_peer.write_pairs_file(zip(train_titles, train_descriptions), pairs_file)
    starspace_peer.write_pairs_file(zip(dev_titles, dev_descriptions), dev_pairs)
    starspace_peer.write_documents_file(dev_descriptions, documents)
    tokens = _tokens(train_lines)
    lexical = tfidf_scores(dev_titles, dev_descriptions, fit_corpus=train_descriptions)
    truth = np.arange(len(dev_titles))
    cpp, cpp_seconds, ours, our_seconds, mixed = [], [], [], [], []
    mix = {"lexical_weight": MODE_DEFAULTS[3]["lexical_weight"]}
    for seed in range(repeats):
        model_path = os.path.join(tmp, "mode3")
        trained = starspace_peer.train(
            binary, pairs_file, model_path, 3, thread=2, fileFormat="labelDoc", **SETTINGS
        )
        cpp.append(ranking.metrics(starspace_peer.rank_documents(binary, model_path, dev_pairs, documents)))
        cpp_seconds.append(trained["seconds"])
        model, seconds = _ours(train_lines, None, 3, seed, **mix)  # the lexical part does not train
        learned = model.embed(dev_titles) @ model.embed(dev_descriptions).T
        ours.append(ranking.metrics(ranking.ranks(learned, truth)))
        mixed.append(ranking.metrics(ranking.ranks(model.scores(dev_titles, dev_descriptions), truth)))
        our_seconds.append(seconds)
        print(
            f"# trainMode 3, run {seed}: C++ MRR {cpp[-1]['mrr']:.3f}, ours {ours[-1]['mrr']:.3f}",
            file=sys.stderr,
        )
    examples = len(train_lines)
    return {
        "StarSpace C++": {
            **_summary("", [m["mrr"] for m in cpp], cpp_seconds, examples, tokens),
            "metrics": cpp,
        },
        "ours, learned alone": {
            **_summary("", [m["mrr"] for m in ours], our_seconds, examples, tokens),
            "metrics": ours,
        },
        f"ours, as served: learned x {1 - mix['lexical_weight']:.1f} + TF-IDF x {mix['lexical_weight']}": {
            "metrics": mixed
        },
        "TF-IDF (fitted on train descriptions)": {
            "metrics": [ranking.metrics(ranking.ranks(lexical, truth))]
        },
    }


def recommendation(tmp, repeats):
    from keras_models.text import ranking
    from tools import interactions

    folder = os.path.join(tmp, "interactions")
    interactions.generate(folder)
    train = open(os.path.join(folder, "train.txt")).read().splitlines()
    dev = open(os.path.join(folder, "dev.txt")).read().splitlines()
    cluster_of, _ = interactions.catalogue(1000, 20, 0)
    cluster_of = {interactions.item_token(i, 1000): c for i, c in enumerate(cluster_of)}
    rows = {}
    for name, settings in (("ours, StarSpace's defaults", {}), ("ours, mode 1 defaults", MODE_DEFAULTS[1])):
        rows[name] = []
        for seed in range(repeats):
            model, _ = _ours(train, None, 1, seed, **settings)
            rows[name].append(ranking.metrics(model.rank(dev)))
    return {
        **rows,
        "popularity": [ranking.metrics(interactions.popularity_ranks(train, dev))],
        "planted-cluster oracle": [
            ranking.metrics(interactions.cluster_oracle_ranks(train, dev, cluster_of))
        ],
    }


def _mean(metrics, key):
    values = [m[key] for m in metrics]
    return (
        f"{np.mean(values):.3f}"
        if len(values) == 1
        else f"{np.mean(values):.3f} ({min(values):.3f}–{max(values):.3f})"
    )


def _speed(row):
    if "seconds" not in row:
        return ["", "", ""]
    return [f"{row['seconds']:.1f}", f"{row['examples_per_s']:,.0f}", f"{row['tokens_per_s']:,.0f}"]


def report(results):
    """The three Markdown tables, as lines."""
    speed = ["train s", "examples/s", "tokens/s"]
    lines = [_header("trainMode 0 (AG News dev accuracy)", ["accuracy", *speed])]
    for row in results["classification"]:
        lines.append(_cells([row["system"], _mean([{"a": v} for v in row["values"]], "a"), *_speed(row)]))
    lines += [
        "",
        _header("trainMode 3 (title -> description, 827 dev)", ["hits@1", "hits@10", "MRR", *speed]),
    ]
    for name, row in results["retrieval"].items():
        lines.append(
            _cells([name, *(_mean(row["metrics"], k) for k in ("hits@1", "hits@10", "mrr")), *_speed(row)])
        )
    lines += ["", _header("trainMode 1 (generated interactions, dev)", ["hits@1", "hits@10", "MRR"])]
    for name, measured in results["recommendation"].items():
        lines.append(_cells([name, *(_mean(measured, k) for k in ("hits@1", "hits@10", "mrr"))]))
    return lines


def _header(title, columns):
    return _cells([title, *columns]) + "\n" + _cells(["---"] * (len(columns) + 1))


def _cells(cells):
    return "| " + " | ".join(cells) + " |"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", default=DEFAULT_DATA, help="AG News folder (train.csv, dev.csv, classes.txt)"
    )
    parser.add_argument("--repeats", type=int, default=4, help="runs per system (seeds 0..)")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    binary = starspace_peer.build()
    with tempfile.TemporaryDirectory(prefix="starspace_bench_") as tmp:
        results = {
            "classification": classification(args.data, binary, tmp, args.repeats),
            "retrieval": retrieval(args.data, binary, tmp, args.repeats),
            "recommendation": recommendation(tmp, args.repeats),
        }
    for line in report(results):
        print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
