"""Word-vector benchmarks: WordSim353 and SimLex-999 Spearman rho, and word2vec's analogy accuracy.

The rules are gensim's `evaluate_word_pairs` and `evaluate_word_analogies` (and so the C word2vec's
`compute-accuracy`): words are compared case-insensitively, a pair or question with a word the vectors
lack is skipped and counted against the coverage, and an analogy a : b :: c : ? is answered by 3CosAdd
over unit vectors among the `restrict_vocab` most frequent words, the three question words excluded.
The sets ship with the package (`word_benchmarks/`, from the gensim wheel).
"""

import os

import numpy as np
from scipy import stats

BENCHMARK_DIR = os.path.join(os.path.dirname(__file__), "word_benchmarks")
PAIR_SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt"}
ANALOGIES = "questions-words.txt"


def benchmark_path(name):
    """Path of a bundled set: `wordsim353`, `simlex999` or `analogies`."""
    return os.path.join(BENCHMARK_DIR, ANALOGIES if name == "analogies" else PAIR_SETS[name])


def read_pairs(path):
    """[(word, word, score)] of a tab-separated pair file; `#` lines are comments."""
    pairs = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.rstrip("\n").split("\t")
            if len(fields) != 3:
                raise ValueError(
                    f"{path}:{number}: expected 'word<TAB>word<TAB>score', got {line.strip()!r}."
                )
            pairs.append((fields[0], fields[1], float(fields[2])))
    return pairs


def read_analogies(path):
    """{section: [(a, b, c, d)]} of word2vec's question file (`: section` lines start a section)."""
    sections, current = {}, None
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if line.startswith(": "):
                current = sections.setdefault(line[2:].strip(), [])
            elif line.strip():
                words = line.split()
                if current is None or len(words) != 4:
                    raise ValueError(f"{path}:{number}: expected a ': section' line or four words.")
                current.append(tuple(words))
    return sections


def _case_insensitive_index(vocabulary, restrict_vocab):
    """upper-cased word -> row; the first (most frequent) spelling wins, as in gensim."""
    index = {}
    for row, word in enumerate(vocabulary[:restrict_vocab]):
        index.setdefault(word.upper(), row)
    return index


def _unit(vectors):
    vectors = np.asarray(vectors, np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def pair_correlation(unit_vectors, index, pairs):
    """(Spearman rho, coverage) of the cosines against the human scores of the known pairs."""
    known = [
        (index[a.upper()], index[b.upper()], s)
        for a, b, s in pairs
        if a.upper() in index and b.upper() in index
    ]
    coverage = len(known) / len(pairs) if pairs else 0.0
    if len(known) < 3:
        return float("nan"), coverage
    rows_a, rows_b, gold = (np.array(column) for column in zip(*known))
    cosines = np.sum(unit_vectors[rows_a] * unit_vectors[rows_b], axis=1)
    return float(stats.spearmanr(gold, cosines).correlation), coverage


def analogy_accuracy(unit_vectors, index, sections, restrict_vocab=300_000, batch_size=1024):
    """(accuracy, coverage, {section: accuracy}) of 3CosAdd on the questions whose words are all known."""
    questions, names = [], []
    for name, rows in sections.items():
        for words in rows:
            ids = [index.get(word.upper()) for word in words]
            if None not in ids:
                questions.append(ids)
                names.append(name)
    total = sum(len(rows) for rows in sections.values())
    if not questions:
        return float("nan"), 0.0, {}
    questions = np.array(questions)
    candidates = unit_vectors[:restrict_vocab]
    correct = np.zeros(len(questions), bool)
    for start in range(0, len(questions), batch_size):
        a, b, c, d = questions[start : start + batch_size].T
        query = _unit(candidates[b] - candidates[a] + candidates[c])
        scores = query @ candidates.T
        rows = np.arange(len(a))
        for excluded in (a, b, c):
            scores[rows, excluded] = -np.inf
        correct[start : start + batch_size] = scores.argmax(axis=1) == d
    names = np.array(names)
    per_section = {name: float(correct[names == name].mean()) for name in sections if np.any(names == name)}
    return float(correct.mean()), len(questions) / total, per_section


def evaluate_vectors(vectors, vocabulary, restrict_vocab=300_000):
    """The three benchmarks for word vectors [V, d] whose row i is `vocabulary[i]` (most frequent first).

    Returns a flat dict: `wordsim353_rho`, `wordsim353_coverage`, `simlex999_rho`,
    `simlex999_coverage`, `analogy_accuracy`, `analogy_coverage` (coverage: the share of pairs or
    questions whose words are all known), and `wordsim353_pairs`, `simlex999_pairs`: the known pairs.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or len(vectors) != len(vocabulary):
        raise ValueError(f"vectors {vectors.shape} do not match a vocabulary of {len(vocabulary)} words.")
    unit_vectors = _unit(vectors)
    index = _case_insensitive_index(list(vocabulary), restrict_vocab)
    results = {}
    for name in PAIR_SETS:
        pairs = read_pairs(benchmark_path(name))
        rho, coverage = pair_correlation(unit_vectors, index, pairs)
        results[f"{name}_rho"], results[f"{name}_coverage"] = rho, coverage
        results[f"{name}_pairs"] = round(coverage * len(pairs))
    accuracy, coverage, _ = analogy_accuracy(
        unit_vectors, index, read_analogies(benchmark_path("analogies")), restrict_vocab
    )
    results["analogy_accuracy"], results["analogy_coverage"] = accuracy, coverage
    return results
