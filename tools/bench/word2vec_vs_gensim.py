"""keras_models' Word2Vec / Doc2Vec and gensim 4, side by side in one process on the same tokens.

python -m tools.bench.word2vec_vs_gensim [--corpora moby_dick,ag_news,spamassassin] [--seeds 3]
    [--cbow] [--hs] [--batch-size N] [--doc2vec] [--json PATH]

Each corpus is tokenized once by `corpus_tokens` (fastText's tokenizer, lowercased) and the
token lists go to both systems, with the same settings: dim 100, window 5, negative 5 (or
hierarchical softmax), sample 1e-3, min_count 5, 5 epochs; gensim with workers=2. Skip-gram
with negative sampling always; `--cbow` adds CBOW-NS and `--hs` skip-gram-HS (and, as a
control, gensim given word2vec C's Huffman tree instead of its own). Quality is
`word_similarity.evaluate_vectors` on each system's vectors (WordSim353 and SimLex-999
Spearman rho, 3CosAdd analogy accuracy, each with its coverage); speed is corpus words
(before subsampling) times epochs per second of the training call (ours includes tracing
its graphs). Figures are medians over `--seeds`.

`--doc2vec` instead compares Doc2Vec (PV-DBOW and PV-DM, dm_mean=1) on AG News: both train
on the train+dev texts, a logistic regression learns the classes from the train documents'
trained vectors, and the dev accuracy is measured on dev vectors inferred afresh.
"""

import argparse
import csv
import json
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(os.path.dirname(ROOT), "shared", "data")
SETTINGS = {"dim": 100, "window": 5, "negative": 5, "sample": 1e-3, "min_count": 5, "epochs": 5}
CONFIGS = {"sg_ns": ("skipgram", "ns"), "cbow_ns": ("cbow", "ns"), "sg_hs": ("skipgram", "hs")}
METRICS = [
    ("wordsim353_rho", "WordSim353 rho"),
    ("simlex999_rho", "SimLex-999 rho"),
    ("analogy_accuracy", "analogy accuracy"),
    ("words_per_second", "words/s"),
]


def read_csv(path, columns):
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if rows and rows[0][0] == "label":
        rows = rows[1:]
    return [" ".join(row[c] for c in columns) for row in rows], [row[0] for row in rows]


def load_corpus(name):
    """Texts of a corpus: Moby Dick's paragraphs, AG News' title + description, SpamAssassin's emails."""
    if name == "moby_dick":
        with open(os.path.join(DATA, "moby_dick", "moby_dick.txt"), encoding="utf-8") as f:
            paragraphs = f.read().split("\n\n")
        return [" ".join(p.split()) for p in paragraphs if p.strip()]
    columns = [1, 2] if name == "ag_news" else [1]
    texts = []
    for split in ("train", "dev"):
        texts += read_csv(os.path.join(DATA, name, f"{split}.csv"), columns)[0]
    return texts


def ours_word2vec(tokens, architecture, loss, seed, batch_size):
    from keras_models.text.word2vec import Word2Vec

    s = SETTINGS
    model = Word2Vec.from_texts(
        tokens,
        min_count=s["min_count"],
        dim=s["dim"],
        window=s["window"],
        architecture=architecture,
        loss=loss,
        negative=s["negative"],
        sample=s["sample"],
        epochs=s["epochs"],
        seed=seed,
    )
    began = time.perf_counter()
    model.fit(tokens, batch_size=batch_size, verbose=0)
    return model.vectors, model.vocabulary, time.perf_counter() - began


def gensim_word2vec(tokens, architecture, loss, seed, word2vec_tree=False):
    """gensim's Word2Vec; `word2vec_tree` swaps in word2vec C's Huffman tree (the HS control)."""
    from gensim.models import Word2Vec

    s = SETTINGS
    model = Word2Vec(
        vector_size=s["dim"],
        window=s["window"],
        sg=int(architecture == "skipgram"),
        hs=int(loss == "hs"),
        negative=s["negative"] if loss == "ns" else 0,
        sample=s["sample"],
        min_count=s["min_count"],
        workers=2,
        seed=seed,
        epochs=s["epochs"],
    )
    model.build_vocab(tokens)
    if word2vec_tree:
        _use_word2vec_tree(model)
    began = time.perf_counter()
    model.train(tokens, total_examples=model.corpus_count, epochs=model.epochs)
    return model.wv.vectors, model.wv.index_to_key, time.perf_counter() - began


def _use_word2vec_tree(model):
    """Gives a gensim model word2vec C's (and fastText's) Huffman tree over its counts.

    Both are Huffman trees (same code lengths), but they break count ties differently, which groups
    rare words differently. Our Word2Vec builds gensim's tree (`tie_break="gensim"`); this control
    shows how far the tree alone moves gensim's own scores.
    """
    from keras_models.layers.hierarchical_softmax import huffman_tree

    tree = huffman_tree([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key], "word2vec")
    for word in range(len(model.wv)):
        path = tree.path(word)[::-1]  # gensim lists root first; code 0 is the sigmoid(z) child
        model.wv.set_vecattr(word, "code", np.array([0 if right else 1 for _, right in path], np.uint8))
        model.wv.set_vecattr(word, "point", np.array([node for node, _ in path], np.uint32))


def word2vec_rows(corpora, configs, seeds, batch_size):
    from keras_models.text.word_similarity import evaluate_vectors
    from keras_models.text.word_vectors import corpus_tokens

    rows = []
    for corpus in corpora:
        tokens = corpus_tokens(load_corpus(corpus))
        words = sum(map(len, tokens)) * SETTINGS["epochs"]
        for config in configs:
            architecture, loss = CONFIGS[config]
            runs = {"ours": [], "gensim": []}
            if loss == "hs":  # the tree control
                runs["gensim_word2vec_tree"] = []
            for seed in range(1, seeds + 1):
                for system in runs:
                    if system == "ours":
                        vectors, vocab, seconds = ours_word2vec(tokens, architecture, loss, seed, batch_size)
                    else:
                        vectors, vocab, seconds = gensim_word2vec(
                            tokens, architecture, loss, seed, word2vec_tree=system == "gensim_word2vec_tree"
                        )
                    result = evaluate_vectors(vectors, vocab)
                    result["words_per_second"] = words / seconds
                    runs[system].append(result)
                    print(f"  {corpus} {config} seed {seed} {system}: {_brief(result)}", file=sys.stderr)
            rows.append({"corpus": corpus, "config": config, **_medians(runs)})
    return rows


def _brief(result):
    return ", ".join(f"{k} {v:.4g}" for k, v in result.items() if not k.endswith("_pairs"))


def _medians(runs):
    out = {}
    for system, results in runs.items():
        out[system] = {k: statistics.median(r[k] for r in results) for k in results[0]}
        out[system]["runs"] = results
    return out


def doc2vec_rows(modes, seeds, batch_size):
    from gensim.models.doc2vec import Doc2Vec as GensimDoc2Vec
    from gensim.models.doc2vec import TaggedDocument

    from keras_models.text.doc2vec import Doc2Vec
    from keras_models.text.word_vectors import corpus_tokens

    train_texts, train_labels = read_csv(os.path.join(DATA, "ag_news", "train.csv"), [1, 2])
    dev_texts, dev_labels = read_csv(os.path.join(DATA, "ag_news", "dev.csv"), [1, 2])
    tokens = corpus_tokens(train_texts + dev_texts)
    train_tokens, dev_tokens = tokens[: len(train_texts)], tokens[len(train_texts) :]
    s, epochs = SETTINGS, 10  # gensim Doc2Vec's default epochs
    words = sum(map(len, tokens)) * epochs
    rows = []
    for mode in modes:
        runs = {"ours": [], "gensim": []}
        for seed in range(1, seeds + 1):
            common = dict(
                window=s["window"], negative=s["negative"], sample=s["sample"], epochs=epochs, seed=seed
            )
            model = GensimDoc2Vec(
                vector_size=s["dim"],
                dm=int(mode == "pv_dm"),
                dm_mean=1,
                min_count=s["min_count"],
                workers=2,
                **common,
            )
            documents = [TaggedDocument(t, [i]) for i, t in enumerate(tokens)]
            model.build_vocab(documents)
            began = time.perf_counter()
            model.train(documents, total_examples=len(documents), epochs=epochs)
            seconds = time.perf_counter() - began
            train_vectors = np.stack([model.dv[i] for i in range(len(train_tokens))])
            dev_vectors = np.stack([model.infer_vector(t) for t in dev_tokens])
            runs["gensim"].append(
                _classify(train_vectors, train_labels, dev_vectors, dev_labels, words / seconds)
            )

            ours = Doc2Vec.from_texts(tokens, min_count=s["min_count"], dim=s["dim"], mode=mode, **common)
            began = time.perf_counter()
            ours.fit(tokens, batch_size=batch_size, verbose=0)
            seconds = time.perf_counter() - began
            train_vectors = ours.document_vectors[: len(train_tokens)]
            dev_vectors = ours.infer_vectors(dev_tokens)
            runs["ours"].append(
                _classify(train_vectors, train_labels, dev_vectors, dev_labels, words / seconds)
            )
            for system in ("gensim", "ours"):
                print(f"  doc2vec {mode} seed {seed} {system}: {_brief(runs[system][-1])}", file=sys.stderr)
        rows.append({"corpus": "ag_news", "config": mode, **_medians(runs)})
    return rows


def _classify(train_vectors, train_labels, dev_vectors, dev_labels, words_per_second):
    from sklearn.linear_model import LogisticRegression

    classifier = LogisticRegression(max_iter=2000).fit(train_vectors, train_labels)
    accuracy = float(np.mean(classifier.predict(dev_vectors) == np.asarray(dev_labels)))
    return {"dev_accuracy": accuracy, "words_per_second": words_per_second}


def markdown(rows, metrics):
    """A row per (corpus, config, metric); `gensim, w2v tree` is the HS control (`_use_word2vec_tree`)."""
    lines = [
        "| corpus | config | metric | ours | gensim | ours - gensim | ours / gensim | gensim, w2v tree |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        for key, label in metrics:
            ours, peer = row["ours"][key], row["gensim"][key]
            control = row.get("gensim_word2vec_tree", {}).get(key)
            name = f"| {row['corpus']} | {row['config']} | {label}"
            if key == "words_per_second":
                extra = f"{control:,.0f}" if control is not None else ""
                lines.append(f"{name} | {ours:,.0f} | {peer:,.0f} | | {ours / peer:.2f}x | {extra} |")
                continue
            coverage = key.replace("_rho", "_coverage").replace("_accuracy", "_coverage")
            cov = f" (cov {row['ours'][coverage]:.2f})" if coverage in row["ours"] else ""
            extra = f"{control:.4f}" if control is not None else ""
            lines.append(f"{name}{cov} | {ours:.4f} | {peer:.4f} | {ours - peer:+.4f} | | {extra} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", default="moby_dick,ag_news,spamassassin")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--cbow", action="store_true", help="also CBOW with negative sampling")
    parser.add_argument("--hs", action="store_true", help="also skip-gram with hierarchical softmax")
    parser.add_argument("--only", help="comma-separated configs instead (sg_ns, cbow_ns, sg_hs)")
    parser.add_argument("--batch-size", type=int, default=None, help="our center words per step")
    parser.add_argument("--doc2vec", action="store_true", help="Doc2Vec on AG News instead")
    parser.add_argument("--modes", default="pv_dbow,pv_dm", help="Doc2Vec modes for --doc2vec")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--table-from", help="print the table of an earlier --json file and exit")
    args = parser.parse_args(argv)
    if args.table_from:
        with open(args.table_from) as f:
            rows = json.load(f)["rows"]
        doc2vec = "dev_accuracy" in rows[0]["ours"]
        print(markdown(rows, [("dev_accuracy", "dev accuracy"), METRICS[-1]] if doc2vec else METRICS))
        return
    if args.doc2vec:
        rows = doc2vec_rows(args.modes.split(","), args.seeds, args.batch_size)
        metrics = [("dev_accuracy", "dev accuracy"), ("words_per_second", "words/s")]
    else:
        configs = ["sg_ns"] + ["cbow_ns"] * args.cbow + ["sg_hs"] * args.hs
        configs = args.only.split(",") if args.only else configs
        rows = word2vec_rows(args.corpora.split(","), configs, args.seeds, args.batch_size)
        metrics = METRICS
    print(markdown(rows, metrics))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"settings": SETTINGS, "seeds": args.seeds, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
