"""StarSpace C++ (facebookresearch/StarSpace, commit 8aee0a9) as a benchmark peer: build, train, rank.

python -m tools.bench.starspace_peer [--data ../shared/data/ag_news] [--cache ~/.cache/dlsuite/starspace]

`main` trains two models on AG News with StarSpace's defaults except `-thread 2`
(`-dim 100 -epoch 5` are passed too; they are the defaults): lr 0.01, hinge loss, margin
0.05, cosine similarity, negSearchLimit 50, maxNegSamples 10, batchSize 5, adagrad, ngrams 1.
trainMode 0 learns the classes (scored by dev accuracy); trainMode 3 (`-fileFormat labelDoc`)
learns title<TAB>description pairs and ranks each dev title's description among all dev
descriptions (hits@1, hits@10, MRR). Training runs Hogwild threads, so results may vary a little.

What this commit's `test` command does, and how we work around it:
- A binary model loads its candidates twice (`initFromSavedModel` and `evaluate` both call
  `loadBaseDocs`), so every candidate is there twice and the printed hit@k and ranks are off
  (ties with the copy are broken by `rand()`). We score the `-predictionFile` instead.
- In the prediction file a prediction is `(++) [score]<TAB>doc` when it is the example's own
  right-hand side and `(--) [score]<TAB>doc` otherwise; with the copies above a right label
  nearly always shows as `(--)`, so we read the label's text, never the marker. Scores have 6
  significant digits; `doc` lists the document's known words only.
- A binary model restores trainMode, so a trainMode 3 model tests in a random direction
  (title -> description or back). `rank_documents` tests the `.tsv` model `train` writes next to
  the binary one instead: it carries no settings, so it tests with `-trainMode 4` (first field
  -> second field) and loads the candidates once. The `.tsv` has no n-gram bucket rows.
- Examples without a known word (or label) are dropped from the prediction file; we align by
  the model's vocabulary (first column of the `.tsv`).
"""

import argparse
import os
import subprocess
import tempfile
import time

import numpy as np

from tools.bench.tfidf_retrieval import read_titles_descriptions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "ag_news")
SOURCE = os.path.join(os.path.dirname(ROOT), "shared", "peers", "starspace-src.tar.gz")
BOOST_HEADERS = "/usr/include/boost/numeric/ublas"
LABEL = "__label__"  # StarSpace's default -label prefix
DEFAULT_EPOCHS = 5  # StarSpace's -epoch default


def build(cache_dir="~/.cache/dlsuite/starspace", source=SOURCE):
    """Path of an optimized `starspace` binary, built under `cache_dir` unless already there.

    Installs Debian's libboost-dev (apt-get, root) when the boost headers are missing, unpacks
    `source` and runs `make opt` (the makefile's default target: `-O3 -funroll-loops`; the
    plain `starspace` target builds without optimization).
    """
    cache_dir = os.path.expanduser(cache_dir)
    binary = os.path.join(cache_dir, "StarSpace", "starspace")
    if os.path.exists(binary):
        return binary
    if not os.path.isdir(BOOST_HEADERS):
        print(f"{BOOST_HEADERS} missing: apt-get install -y libboost-dev", flush=True)
        if subprocess.run(["apt-get", "install", "-y", "libboost-dev"]).returncode != 0:
            print("retrying after apt-get update", flush=True)
            subprocess.run(["apt-get", "update"], check=True)
            subprocess.run(["apt-get", "install", "-y", "libboost-dev"], check=True)
    os.makedirs(cache_dir, exist_ok=True)
    print(f"unpacking {source} into {cache_dir}", flush=True)
    subprocess.run(["tar", "xzf", source, "-C", cache_dir], check=True)
    print(f"building {binary} (make opt)", flush=True)
    subprocess.run(["make", "-C", os.path.dirname(binary), f"-j{os.cpu_count() or 1}", "opt"], check=True)
    return binary


def _write_lines(lines, path):
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
            count += 1
    return count


def write_classification_file(rows, path):
    """Writes (label, text) rows as `__label__<label, _ for spaces> <normalized text>`; returns the count."""
    from keras_models.text.fasttext_preprocessor import normalize

    return _write_lines((f"{LABEL}{label.replace(' ', '_')} {normalize(text)}" for label, text in rows), path)


def write_pairs_file(pairs, path):
    """Writes (query, document) pairs as `normalized query<TAB>normalized document`; returns the count."""
    from keras_models.text.fasttext_preprocessor import normalize

    return _write_lines((f"{normalize(query)}\t{normalize(document)}" for query, document in pairs), path)


def write_documents_file(documents, path):
    """Writes one normalized document a line (`rank_documents`' candidates); returns the count."""
    from keras_models.text.fasttext_preprocessor import normalize

    return _write_lines((normalize(document) for document in documents), path)


def _command_line(flags):
    """StarSpace's `-name value` arguments; booleans as true/false."""
    arguments = []
    for name, value in flags.items():
        arguments += [f"-{name}", str(value).lower() if isinstance(value, bool) else str(value)]
    return arguments


def _run(command):
    """Runs StarSpace and returns its stdout (progress goes to stderr); raises on failure."""
    result = subprocess.run(command, capture_output=True, text=True, errors="replace")
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return result.stdout


def _count_lines(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if line.strip())


def train(binary, train_file, model_path, train_mode, **flags):
    """Runs `starspace train`; flags by StarSpace's own names: dim=100, lr=0.01, fileFormat="labelDoc", ...

    Writes `model_path` (binary) and `model_path + ".tsv"`. Returns {"seconds": wall time of the
    whole command (loading, training, saving both models), "examples": non-blank lines of
    `train_file`, "examples_per_s": examples * epochs / seconds, "stdout_tail": last 2,000 characters}.
    """
    command = [binary, "train", "-trainFile", train_file, "-model", model_path, "-trainMode", str(train_mode)]
    started = time.perf_counter()
    stdout = _run(command + _command_line(flags))
    seconds = time.perf_counter() - started
    examples = _count_lines(train_file)
    epochs = int(flags.get("epoch", DEFAULT_EPOCHS))
    return {
        "seconds": seconds,
        "examples": examples,
        "examples_per_s": examples * epochs / seconds,
        "stdout_tail": stdout[-2000:],
    }


def _vocabulary(model_path):
    """The model's words and labels: first column of the `.tsv` that `train` writes."""
    with open(model_path + ".tsv", encoding="utf-8", errors="replace") as f:
        return {line.split("\t", 1)[0] for line in f}


def _test(binary, command, test_file, prediction_file, flags):
    """Runs `starspace test`; yields, per example it kept, its [(is_own_rhs, score, doc), ...] best first."""
    with tempfile.TemporaryDirectory(prefix="starspace_test_") as tmp:
        path = prediction_file or os.path.join(tmp, "predictions.txt")
        _run(
            [binary, "test", "-testFile", test_file, "-predictionFile", path, *command, *_command_line(flags)]
        )
        with open(path, encoding="utf-8", errors="replace") as f:
            for header in f:
                if not header.startswith("Example "):
                    raise ValueError(f"{path}: expected 'Example N:', got {header!r}")
                for _ in range(5):  # "LHS:", its words, "RHS: ", its words, "Predictions: "
                    next(f)
                predictions = []
                for line in f:
                    if line == "\n":
                        break
                    score = float(line[line.index("[") + 1 : line.index("]")])
                    predictions.append((line.startswith("(++)"), score, line[line.index("\t") + 1 :].strip()))
                yield predictions


def predict_labels(binary, model_path, test_file, prediction_file=None, **flags):
    """Top label of each line of a trainMode 0 fastText-format `test_file`, via `-predictionFile` (K=1).

    Labels come back without the `__label__` prefix and with `_` for spaces, as
    `write_classification_file` wrote them; None for a line StarSpace drops (no known word or
    label). `prediction_file` keeps the raw file; flags are test flags such as thread=2.
    """
    vocabulary = _vocabulary(model_path)
    with open(test_file, encoding="utf-8", errors="replace") as f:
        tokens = [[t for t in line.split() if t in vocabulary] for line in f if line.strip()]
    kept = [
        any(t.startswith(LABEL) for t in ts) and any(not t.startswith(LABEL) for t in ts) for ts in tokens
    ]
    predictions = _test(binary, ["-model", model_path, "-K", "1"], test_file, prediction_file, flags)
    labels = [next(predictions)[0][2].removeprefix(LABEL) if keep else None for keep in kept]
    if next(predictions, None) is not None:
        raise ValueError(f"{test_file}: StarSpace predicted more examples than we expected")
    return labels


def rank_documents(binary, model_path, pairs_file, documents_file, prediction_file=None, **flags):
    """[Q] int array: 1-based rank of each query's document among all lines of `documents_file`.

    `pairs_file` holds `query<TAB>document` lines (`write_pairs_file`), `documents_file` the
    candidates (`write_documents_file`), usually including each query's own document. Tests the
    `.tsv` model with `-trainMode 4 -basedoc documents_file -K <all>`, so the prediction file
    holds every score (queries x candidates lines). Rank = 1 + candidates scoring strictly above
    the pair's own document (scores are printed to 6 digits: nearer ones tie). A query StarSpace
    drops (no known word on one side) ranks last.
    flags must match training where they matter at test time (similarity, p) plus thread; a
    model trained with ngrams > 1 cannot be ranked this way (its `.tsv` has no n-gram rows).
    """
    if int(flags.get("ngrams", 1)) > 1:
        raise ValueError("the .tsv model has no n-gram rows: rank_documents needs ngrams 1")
    with open(documents_file, encoding="utf-8", errors="replace") as f:
        candidates = sum(1 for _ in f)  # StarSpace keeps every line, empty ones as zero vectors
    vocabulary = _vocabulary(model_path)
    with open(pairs_file, encoding="utf-8", errors="replace") as f:
        fields = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    kept = [sum(any(t in vocabulary for t in part.split()) for part in parts) > 1 for parts in fields]
    command = ["-model", model_path + ".tsv", "-basedoc", documents_file, "-fileFormat", "labelDoc"]
    command += ["-trainMode", "4", "-K", str(candidates + 1)]
    predictions = _test(binary, command, pairs_file, prediction_file, flags)
    ranks = np.full(len(fields), candidates)
    for i in np.flatnonzero(kept):
        scored = next(predictions)
        own = next(score for is_own, score, _ in scored if is_own)
        ranks[i] = 1 + sum(score > own for is_own, score, _ in scored if not is_own)
    if next(predictions, None) is not None:
        raise ValueError(f"{pairs_file}: StarSpace ranked more queries than we expected")
    return ranks


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data", default=DEFAULT_DATA, help="AG News folder: train.csv, dev.csv, classes.txt"
    )
    parser.add_argument("--cache", default="~/.cache/dlsuite/starspace", help="where StarSpace is built")
    parser.add_argument("--thread", type=int, default=2, help="StarSpace -thread, for training and testing")
    args = parser.parse_args(argv)
    from components.text_example_gen import formats

    binary = build(args.cache)
    flags = {"dim": 100, "epoch": 5, "thread": args.thread}
    print(
        f"starspace {binary}, flags {' '.join(_command_line(flags))}, else StarSpace's defaults", flush=True
    )
    classes = formats.read_classes(args.data)
    with tempfile.TemporaryDirectory(prefix="starspace_peer_") as tmp:

        def path(name):
            return os.path.join(tmp, name)

        rows = {}
        for split in ("train", "dev"):
            records = formats.read_rows(os.path.join(args.data, f"{split}.csv"), "ag_news", classes)
            rows[split] = [(r.label, r.text) for r in records if r.problem is None]
            write_classification_file(rows[split], path(f"{split}.txt"))
        stats = train(binary, path("train.txt"), path("classes"), 0, **flags)
        started = time.perf_counter()
        predicted = predict_labels(binary, path("classes"), path("dev.txt"), thread=args.thread)
        test_seconds = time.perf_counter() - started
        accuracy = np.mean([p == label.replace(" ", "_") for p, (label, _) in zip(predicted, rows["dev"])])
        print(
            f"trainMode 0, AG News: dev accuracy {accuracy:.4f} ({len(predicted)} dev) | train "
            f"{stats['seconds']:.2f} s, {stats['examples_per_s']:.0f} examples/s ({stats['examples']} x "
            f"{flags['epoch']} epochs) | test {test_seconds:.2f} s",
            flush=True,
        )

        write_pairs_file(
            zip(*read_titles_descriptions(os.path.join(args.data, "train.csv"))), path("pairs.txt")
        )
        titles, descriptions = read_titles_descriptions(os.path.join(args.data, "dev.csv"))
        write_pairs_file(zip(titles, descriptions), path("dev_pairs.txt"))
        write_documents_file(descriptions, path("dev_documents.txt"))
        stats = train(binary, path("pairs.txt"), path("pairs"), 3, fileFormat="labelDoc", **flags)
        started = time.perf_counter()
        ranks = rank_documents(
            binary, path("pairs"), path("dev_pairs.txt"), path("dev_documents.txt"), thread=args.thread
        )
        test_seconds = time.perf_counter() - started
        hits1, hits10, mrr = np.mean(ranks == 1), np.mean(ranks <= 10), np.mean(1 / ranks)
        print(
            f"trainMode 3, AG News title -> description among {len(descriptions)} dev descriptions: "
            f"hits@1 {hits1:.4f}, hits@10 {hits10:.4f}, MRR {mrr:.4f} | train {stats['seconds']:.2f} s, "
            f"{stats['examples_per_s']:.0f} examples/s ({stats['examples']} pairs x {flags['epoch']} epochs)"
            f" | rank {test_seconds:.2f} s"
        )


if __name__ == "__main__":
    main()
