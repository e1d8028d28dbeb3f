"""GloVe word-vector quality on the benchmark corpus: WordSim353, SimLex-999, analogies.

.venv/bin/python -m tools.bench.glove_quality [--data ../shared/data] [--epochs 25] [--json PATH]

The corpus is Moby Dick (one text per paragraph: its lines are wrapped at 75
characters, so blank lines delimit the texts), AG News train + dev (title and
description) and SpamAssassin train + dev (the raw emails), tokenized by
`corpus_tokens` (fastText's tokenization, lowercased). GloVe's settings are the
paper's and the C code's defaults: words seen 5 times (`min_count`), dim 100,
window 10 (symmetric, 1/d weighting), x_max 100, alpha 0.75, AdaGrad from
learning rate 0.05. The co-occurrence counts are the direct (one machine) count,
`keras_models.text.cooccurrence`; the CooccurrenceGen component computes the
same counts with Beam. Prints a markdown table; `--json` writes the figures.
"""

import argparse
import json
import os
import time
from collections import Counter

import keras

from components.text_example_gen import formats
from keras_models.text.cooccurrence import cooccurrence_counts
from keras_models.text.glove import GloVe
from keras_models.text.word_similarity import evaluate_vectors
from keras_models.text.word_vectors import corpus_tokens

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
METRICS = (
    ("wordsim353_rho", "WordSim353 ρ"),
    ("wordsim353_coverage", "WordSim353 coverage"),
    ("simlex999_rho", "SimLex-999 ρ"),
    ("simlex999_coverage", "SimLex-999 coverage"),
    ("analogy_accuracy", "analogy accuracy"),
    ("analogy_coverage", "analogy coverage"),
)


def moby_dick_paragraphs(path):
    """The book's paragraphs (blank-line separated), each joined into one line."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    return [" ".join(p.split()) for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def benchmark_texts(data):
    """{corpus: texts} of the three benchmark corpora under `data` (those present)."""
    corpora = {}
    moby = os.path.join(data, "moby_dick", "moby_dick.txt")
    if os.path.exists(moby):
        corpora["moby_dick"] = moby_dick_paragraphs(moby)
    for name, layout in (("ag_news", "ag_news"), ("spamassassin", "label_text")):
        folder = os.path.join(data, name)
        if not os.path.isdir(folder):
            continue
        classes = formats.read_classes(folder) if layout == "ag_news" else None
        corpora[name] = [
            text
            for split in ("train.csv", "dev.csv")
            for text in formats.load(os.path.join(folder, split), layout, classes)[1]
        ]
    if not corpora:
        raise SystemExit(f"no benchmark corpus under {data} (expected moby_dick/, ag_news/, spamassassin/).")
    return corpora


def vocabulary_of(token_lists, min_count):
    """(words seen min_count times, most frequent first, ties by word; their counts)."""
    counts = Counter(token for tokens in token_lists for token in tokens)
    kept = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
    return kept, [counts[w] for w in kept]


def run(data=DEFAULT_DATA, epochs=25, min_count=5, dim=100, window=10, x_max=100.0, alpha=0.75,
        learning_rate=0.05, batch_size=None, seed=1, verbose=1):  # fmt: skip
    """Trains GloVe on the benchmark corpus; returns the figures (a flat dict)."""
    keras.utils.set_random_seed(seed)
    corpora = benchmark_texts(data)
    start = time.perf_counter()
    tokens = [t for texts in corpora.values() for t in corpus_tokens(texts)]
    tokenize_seconds = time.perf_counter() - start
    vocabulary, counts = vocabulary_of(tokens, min_count)
    start = time.perf_counter()
    rows, cols, weights = cooccurrence_counts(tokens, vocabulary, window=window, symmetric=True)
    cooccurrence_seconds = time.perf_counter() - start
    model = GloVe(vocabulary, counts, dim=dim, x_max=x_max, alpha=alpha, learning_rate=learning_rate,
                  epochs=epochs, seed=seed)  # fmt: skip
    start = time.perf_counter()
    costs = model.fit_cooccurrence(rows, cols, weights, batch_size=batch_size, verbose=verbose)
    train_seconds = time.perf_counter() - start
    results = {
        "corpora": {name: len(texts) for name, texts in corpora.items()},
        "tokens": int(sum(len(t) for t in tokens)),
        "vocabulary": len(vocabulary),
        "nonzeros": int(len(rows)),
        "epochs": epochs,
        "learning_rate": learning_rate,
        "batch_size": batch_size,
        "first_cost": costs[0],
        "final_cost": costs[-1],
        "tokenize_seconds": tokenize_seconds,
        "cooccurrence_seconds": cooccurrence_seconds,
        "train_seconds": train_seconds,
    }
    results.update(evaluate_vectors(model.vectors, vocabulary))
    return results


def table(results):
    """The figures as a markdown table."""
    lines = ["| measure | GloVe |", "|---|---|"]
    lines += [f"| {label} | {results[key]:.3f} |" for key, label in METRICS]
    lines += [
        f"| corpus | {results['tokens']:,} tokens, {results['vocabulary']:,} words, "
        f"{results['nonzeros']:,} nonzeros |",
        f"| co-occurrence (direct count) | {results['cooccurrence_seconds']:.1f} s |",
        f"| training ({results['epochs']} epochs) | {results['train_seconds']:.1f} s |",
        f"| cost, first → last epoch | {results['first_cost']:.4f} → {results['final_cost']:.4f} |",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", default=DEFAULT_DATA, help="folder holding moby_dick/, ag_news/, spamassassin/"
    )
    parser.add_argument("--epochs", type=int, default=25, help="passes over the nonzeros (GloVe's max_iter)")
    parser.add_argument("--learning-rate", type=float, default=0.05, help="AdaGrad's eta")
    parser.add_argument("--batch-size", type=int, default=None, help="nonzeros per step")
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this JSON file")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    results = run(args.data, epochs=args.epochs, min_count=args.min_count, learning_rate=args.learning_rate,
                  batch_size=args.batch_size, verbose=0 if args.quiet else 1)  # fmt: skip
    print(table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
