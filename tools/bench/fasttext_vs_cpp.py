"""fastText C++ (fasttext-wheel) and keras_models.text.FastText, side by side on the same files.

python -m tools.bench.fasttext_vs_cpp [--data ../shared/data/ag_news] [--repeats 3] [--replicate 20] [--quick]

Writes AG News' train and dev splits once as fastText files (`__label__X text`,
text normalized as fastText's classification scripts do, which is also what
FastText's preprocessor does in the graph, so both systems see the same tokens),
then trains each system in its own child process, one at a time, with the same
settings: dim 10, lr 0.25, 2M buckets, softmax; unigrams for 5 epochs and
bigrams for 20. A throughput run trains on the train split replicated 20x.

Training seconds run from reading the train file to a trained model (fastText
builds its dictionary, we build ours and cache the hashed ids), after the
imports and, for ours, TensorFlow's runtime start (one eager op on a dummy
string; nothing of the model). Tokens are the words of the train file plus one end-of-line token per
line, times epochs; both systems process the same tokens. Accuracy is on dev,
averaged over the repeats (fastText C++ uses `--threads` Hogwild threads, so its
runs differ too); seconds are medians.
"""

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data", "ag_news")
DEFAULT_SPAM = os.path.join(os.path.dirname(ROOT), "shared", "data", "spamassassin")
# (row_gradient, lr_scale) recipes --calibrate compares; ("mean", 3.5) is FastText's default.
RECIPES = [("mean", 2.0), ("mean", 3.5), ("mean", 5.0), ("sum", 1.0), ("sum", 3.5)]
SETTINGS = {"dim": 10, "lr": 0.25, "bucket": 2_000_000}
DEFAULT_BATCH = 256  # FastText.fit's default
ACCURACY_CONFIGS = [("unigram", 1, 5), ("bigram", 2, 20)]  # name, wordNgrams, epochs
THROUGHPUT_CONFIGS = [("unigram", 1, 5), ("bigram", 2, 5)]


def write_fasttext_files(data, out_dir, replicate):
    """train.txt, dev.txt and train_x{replicate}.txt in fastText's format; returns their paths."""
    from components.text_example_gen import formats
    from keras_models.text import normalize

    classes = formats.read_classes(data)
    splits = formats.find_splits(data)
    os.makedirs(out_dir, exist_ok=True)
    paths = {}
    for split, name in (("train", "train.txt"), ("eval", "dev.txt")):
        labels, texts = formats.load(splits[split], formats.detect_format(splits[split]), classes)
        lines = [
            f"__label__{label.replace(' ', '_')} {normalize(text)}\n" for label, text in zip(labels, texts)
        ]
        paths[split] = os.path.join(out_dir, name)
        with open(paths[split], "w", encoding="utf-8") as f:
            f.writelines(lines)
        if split == "train":
            paths["replicated"] = os.path.join(out_dir, f"train_x{replicate}.txt")
            with open(paths["replicated"], "w", encoding="utf-8") as f:
                for _ in range(replicate):
                    f.writelines(lines)
    return paths


def count_tokens(path):
    """Words (labels excluded) plus one end-of-line token per line."""
    total = 0
    with open(path, encoding="utf-8") as f:
        for line in f:
            total += sum(1 for t in line.split() if not t.startswith("__label__")) + 1
    return total


# --- workers: each runs in a child process and prints one JSON line -------------------------


def worker_cpp(args):
    import fasttext

    started = time.perf_counter()
    model = fasttext.train_supervised(
        input=args.train,
        dim=SETTINGS["dim"],
        lr=SETTINGS["lr"],
        bucket=SETTINGS["bucket"],
        epoch=args.epochs,
        wordNgrams=args.ngrams,
        minCount=1,
        loss="softmax",
        thread=args.threads,
        seed=args.seed,
        verbose=0,
    )
    seconds = time.perf_counter() - started
    _, precision, _ = model.test(args.dev)  # one label per line: precision@1 is accuracy
    return {"accuracy": precision, "seconds": seconds}


def worker_ours(args):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np
    import tensorflow as tf

    from components.text_example_gen import formats
    from keras_models.text import FastText
    from keras_models.text.fasttext_preprocessor import tokenize

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    keras.utils.set_random_seed(args.seed)
    tokenize(["start-up"])  # TensorFlow's runtime starts lazily, on its first op: part of start-up
    started = time.perf_counter()
    labels, texts = formats.load(args.train, "fasttext")
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels])
    model = FastText.from_texts(
        texts,
        y,
        dim=SETTINGS["dim"],
        lr=SETTINGS["lr"],
        buckets=SETTINGS["bucket"],
        epochs=args.epochs,
        word_ngrams=args.ngrams,
        loss="softmax",
        row_gradient=args.row_gradient,
    )
    model.compile(lr_scale=args.lr_scale)
    model.fit(texts, y, verbose=0)
    seconds = time.perf_counter() - started
    dev_labels, dev_texts = formats.load(args.dev, "fasttext")
    predicted = model.predict(dev_texts, verbose=0).argmax(-1)
    accuracy = float(np.mean([classes[p] == label for p, label in zip(predicted, dev_labels)]))
    # Same tokens as fastText sees: our tokenizer on the (already normalized) file.
    tokens = int(tf.size(model.preprocessor.tokenize(texts).flat_values))
    return {"accuracy": accuracy, "seconds": seconds, "tokens_seen": tokens}


def run_worker(system, train, dev, ngrams, epochs, seed, threads, recipe=None):
    command = [sys.executable, "-m", "tools.bench.fasttext_vs_cpp", "--worker", system]
    command += ["--train", train, "--dev", dev, "--ngrams", str(ngrams), "--epochs", str(epochs)]
    command += ["--seed", str(seed), "--threads", str(threads)]
    if recipe:
        command += ["--row-gradient", recipe[0], "--lr-scale", str(recipe[1])]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise RuntimeError(f"{system} worker failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def measure(system, train, dev, ngrams, epochs, repeats, threads, tokens, recipe=None):
    runs = [run_worker(system, train, dev, ngrams, epochs, seed, threads, recipe) for seed in range(repeats)]
    for run in runs:
        if "tokens_seen" in run and run["tokens_seen"] != tokens:
            raise RuntimeError(
                f"token mismatch: our tokenizer saw {run['tokens_seen']}, the file has {tokens}"
            )
    seconds = statistics.median(r["seconds"] for r in runs)
    accuracies = [r["accuracy"] for r in runs]
    return {
        "accuracy": statistics.mean(accuracies),
        "accuracy_min": min(accuracies),
        "accuracy_max": max(accuracies),
        "seconds": seconds,
        "tokens_per_second": tokens * epochs / seconds,
    }


def _row(label, name, epochs, cpp, ours):
    acc = lambda r: f"{r['accuracy']:.4f} ({r['accuracy_min']:.4f}–{r['accuracy_max']:.4f})"  # noqa: E731
    return (
        f"| {label} | {name}, {epochs} ep | {acc(cpp)} | {acc(ours)} | "
        f"{100 * (ours['accuracy'] - cpp['accuracy']):+.2f} | {cpp['seconds']:.2f} | {ours['seconds']:.2f} | "
        f"{cpp['tokens_per_second'] / 1e6:.2f} M | {ours['tokens_per_second'] / 1e6:.2f} M | "
        f"{ours['tokens_per_second'] / cpp['tokens_per_second']:.2f} |"
    )


def calibrate(args):
    """Dev accuracy of each recipe next to fastText C++'s, on AG News and (when present) SpamAssassin."""
    plan = [("AG News", args.data, "unigram", 1, 5), ("AG News", args.data, "bigram", 2, 20)]
    if os.path.isdir(args.spam_data):
        plan.append(("SpamAssassin", args.spam_data, "bigram", 2, 5))
    names = [f"{rg} ×{scale:g}" for rg, scale in RECIPES]
    rows = []
    with tempfile.TemporaryDirectory(prefix="fasttext_calibrate_") as tmp:
        for data_name, data, name, ngrams, epochs in plan:
            paths = write_fasttext_files(data, os.path.join(tmp, data_name.replace(" ", "_")), 1)
            tokens = count_tokens(paths["train"])
            print(f"# {data_name}, {name}, {epochs} epochs ...", file=sys.stderr, flush=True)
            run = functools.partial(
                measure, train=paths["train"], dev=paths["eval"], ngrams=ngrams, epochs=epochs,
                repeats=args.repeats, threads=args.threads, tokens=tokens,
            )  # fmt: skip
            measured = [run("cpp")] + [run("ours", recipe=recipe) for recipe in RECIPES]
            cells = " | ".join(f"{m['accuracy']:.4f}" for m in measured)
            rows.append(f"| {data_name} | {name}, {epochs} ep | {cells} |")
            print(rows[-1], file=sys.stderr, flush=True)
    print(
        f"dev accuracy, mean of {args.repeats} run(s); batch {DEFAULT_BATCH}; SGD learning rate = "
        "lr × batch × scale; row gradient: mean or sum over the batch's examples that use the row"
    )
    print(f"| data | config | fastText C++ | {' | '.join(names)} |\n|---|---|---|{'---|' * len(names)}")
    print("\n".join(rows))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", default=DEFAULT_DATA, help="AG News folder (train.csv, dev.csv, classes.txt)"
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per system and config (seeds 0..)")
    parser.add_argument("--replicate", type=int, default=20, help="copies of train in the throughput run")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="fastText threads, TF threads")
    parser.add_argument("--quick", action="store_true", help="1 repeat, 2x replication: a smoke run")
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--worker", choices=["cpp", "ours"], help=argparse.SUPPRESS)
    for name in ("--train", "--dev"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--ngrams", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--row-gradient", default="mean", help=argparse.SUPPRESS)
    parser.add_argument("--lr-scale", type=float, help=argparse.SUPPRESS)
    parser.add_argument(
        "--calibrate",
        action="store_true",
        help="instead: dev accuracy of our SGD recipes (row gradient, lr scale) on AG News and SpamAssassin",
    )
    parser.add_argument("--spam-data", default=DEFAULT_SPAM, help="SpamAssassin folder, for --calibrate")
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps((worker_cpp if args.worker == "cpp" else worker_ours)(args)), flush=True)
        return 0
    if args.quick:
        args.repeats, args.replicate = 1, 2
    if not os.path.isdir(args.data):
        print(f"fasttext_vs_cpp: no AG News folder at {args.data}; pass --data", file=sys.stderr)
        return 2
    if args.calibrate:
        return calibrate(args)

    header = (
        "| run | config | fastText C++ dev acc | ours dev acc | Δ acc (points) | C++ train s | ours train s "
        "| C++ tokens/s | ours tokens/s | ours / C++ tokens/s |\n|---|---|---|---|---|---|---|---|---|---|"
    )
    results, rows = [], []
    with tempfile.TemporaryDirectory(prefix="fasttext_bench_") as tmp:
        paths = write_fasttext_files(args.data, tmp, args.replicate)
        plan = [("AG train", paths["train"], args.repeats, c) for c in ACCURACY_CONFIGS]
        plan += [(f"AG train ×{args.replicate}", paths["replicated"], 1, c) for c in THROUGHPUT_CONFIGS]
        for label, train, repeats, (name, ngrams, epochs) in plan:
            tokens = count_tokens(train)
            print(
                f"# {label}, {name}, {epochs} epochs ({tokens:,} tokens/epoch) ...",
                file=sys.stderr,
                flush=True,
            )
            cpp = measure("cpp", train, paths["eval"], ngrams, epochs, repeats, args.threads, tokens)
            ours = measure("ours", train, paths["eval"], ngrams, epochs, repeats, args.threads, tokens)
            results.append({"run": label, "config": name, "epochs": epochs, "tokens_per_epoch": tokens,
                            "repeats": repeats, "cpp": cpp, "ours": ours})  # fmt: skip
            rows.append(_row(label, name, epochs, cpp, ours))
            print(rows[-1], file=sys.stderr, flush=True)
    print(
        f"dim {SETTINGS['dim']}, lr {SETTINGS['lr']}, bucket {SETTINGS['bucket']:,}, softmax, "
        f"{args.threads} threads; accuracy: mean (min–max) of {args.repeats} run(s); seconds: median"
    )
    print(header)
    print("\n".join(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"settings": SETTINGS, "threads": args.threads, "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
