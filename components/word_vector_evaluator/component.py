"""WordVectorEvaluator: WordSim353 / SimLex-999 Spearman rho and analogy accuracy of the served word
vectors; for doc2vec also document retrieval on the eval split; a blessing.

Every word of the model's vocabulary (the SavedModel's `vocabulary.txt` asset) goes through the
candidate's own `embed` signature, so the figures are what a client of the served model gets; the
benchmarks are gensim's files with gensim's rules (`keras_models.text.word_similarity`: pairs and
questions with an unknown word are skipped, and the coverage says how many were). A doc2vec model
(it has `embed_document`) is judged on the eval split instead: each eval document's first half must
find its own second half among all the documents' second halves (MRR). Writes metrics.json, t-SNE
maps of a fixed word list and of the eval documents, and the ModelBlessing as TFX's Evaluator does.
"""

import os

import numpy as np
from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Examples, Model, ModelBlessing, ModelEvaluation

from components import model_blessing
from components.ranking_evaluator.component import read_split
from components.served_model import ServedModel
from components.word_vector_evaluator import maps
from keras_models.text import ranking, word_similarity
from serving.word_vectors_export import EMBED_DOCUMENT, VOCABULARY_ASSET

BATCH = 4096  # words or documents per signature call
MAX_DOCUMENTS = 1000  # eval documents the retrieval ranks


def vocabulary(model_artifact):
    """The words of a pushed-layout model, in the row order of its vectors."""
    path = os.path.join(model_artifact.uri, "Format-Serving", "assets", VOCABULARY_ASSET)
    with open(path, encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def _batched(served, signature, key, output, values):
    parts = [
        served(signature, **{key: np.array(values[i : i + BATCH], dtype=object)})[output]
        for i in range(0, len(values), BATCH)
    ]
    return np.concatenate(parts)


def word_metrics(served, words):
    """(metrics, vectors) of the served model's vectors for `words` on the three benchmarks."""
    vectors = _batched(served, "embed", "words", "vectors", words)
    return word_similarity.evaluate_vectors(vectors, words), vectors


def halves(texts, limit=MAX_DOCUMENTS):
    """(first halves, second halves) of the texts of at least 4 words (by whitespace), up to `limit`."""
    firsts, seconds = [], []
    for text in texts:
        words = text.split()
        if len(words) >= 4:
            firsts.append(" ".join(words[: len(words) // 2]))
            seconds.append(" ".join(words[len(words) // 2 :]))
        if len(firsts) == limit:
            break
    return firsts, seconds


def document_mrr(served, texts):
    """MRR of each document's second half, found from its first half among all second halves."""
    firsts, seconds = halves(texts)
    if len(firsts) < 2:
        raise ValueError("the eval split needs at least 2 documents of 4 or more words to rank.")
    queries, candidates = (
        _batched(served, EMBED_DOCUMENT, "text", "vector", part) for part in (firsts, seconds)
    )
    unit = lambda v: v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)  # noqa: E731
    rank = ranking.ranks(unit(queries) @ unit(candidates).T, np.arange(len(firsts)))
    return ranking.metrics(rank)["mrr"], len(firsts)


def _judge(metrics, headline, bar, min_pairs, baseline, max_regression):
    if headline == "wordsim353_rho" and metrics["wordsim353_pairs"] < min_pairs:
        rules = [f"at least {min_pairs} WordSim353 pairs in the vocabulary", f"{headline} ≥ {bar:g}"]
        return rules, [
            f"only {metrics['wordsim353_pairs']} WordSim353 pairs have both words in the vocabulary "
            f"(need {min_pairs}): train on a larger corpus or lower --min-count"
        ]
    _, rules, failures = model_blessing.judge(
        headline, metrics[headline], bar, True, baseline, max_regression
    )
    if not np.isfinite(metrics[headline]):  # NaN passes no comparison, so judge would not catch it
        failures.append(f"{headline} could not be measured (fewer than 3 known pairs)")
    return rules, failures


@component
def WordVectorEvaluator(  # noqa: N802 (TFX naming)
    examples: InputArtifact[Examples],
    model: InputArtifact[Model],
    evaluation: OutputArtifact[ModelEvaluation],
    blessing: OutputArtifact[ModelBlessing],
    baseline_model: InputArtifact[Model] = None,
    min_rho: Parameter[float] = 0.1,
    min_document_mrr: Parameter[float] = 0.2,
    min_pairs: Parameter[int] = 20,
    max_regression: Parameter[float] = 0.02,
) -> None:
    """Scores the candidate (and the baseline) on the word benchmarks, or doc2vec on document retrieval;
    blesses the candidate when its headline metric clears the bar and does not regress."""
    served, words = ServedModel.of(model), vocabulary(model)
    metrics, vectors = word_metrics(served, words)
    metrics["vocabulary_size"] = len(words)
    documents = EMBED_DOCUMENT in served.signatures
    plotted = (
        ["tsne_words.png"]
        if maps.word_map(vectors, words, os.path.join(evaluation.uri, "tsne_words.png"))
        else []
    )
    headline, bar = ("wordsim353_rho", min_rho)
    if documents:
        texts, labels = read_split(examples, "eval")
        metrics["document_mrr"], metrics["document_queries"] = document_mrr(served, texts)
        headline, bar = "document_mrr", min_document_mrr
        document_vectors = _batched(served, EMBED_DOCUMENT, "text", "vector", texts[:MAX_DOCUMENTS])
        if maps.document_map(document_vectors, labels, os.path.join(evaluation.uri, "tsne_documents.png")):
            plotted.append("tsne_documents.png")
    if baseline_model is not None:
        baseline = ServedModel.of(baseline_model)
        if documents and EMBED_DOCUMENT in baseline.signatures:
            metrics["baseline_document_mrr"] = document_mrr(baseline, texts)[0]
        elif not documents:
            metrics["baseline_wordsim353_rho"] = word_metrics(baseline, vocabulary(baseline_model))[0][
                "wordsim353_rho"
            ]

    rules, failures = _judge(
        metrics, headline, bar, min_pairs, metrics.get(f"baseline_{headline}"), max_regression
    )
    probes = [word for word, _ in maps.theme_words({w: i for i, w in enumerate(words)})][:3] or words[:3]
    found = served("nearest", words=np.array(probes, dtype=object))["neighbours"]
    sample = "; ".join(
        f"{probe} -> {', '.join(n.decode() for n in row[:5])}" for probe, row in zip(probes, found)
    )
    line = (
        f"WordVectorEvaluator: WordSim353 rho {metrics['wordsim353_rho']:.3f} "
        f"({metrics['wordsim353_pairs']} pairs), SimLex-999 rho {metrics['simlex999_rho']:.3f}, "
        f"analogies {metrics['analogy_accuracy']:.3f} ({metrics['analogy_coverage']:.0%} answerable)"
        + (f", document MRR {metrics['document_mrr']:.3f}" if documents else "")
        + f"; nearest: {sample}"
    )
    logging.info(line)  # the run log
    print(f"  {line}", flush=True)  # the console
    model_blessing.record(
        evaluation, blessing, model, metrics=metrics, rules=rules, failures=failures, plots=plotted,
        baseline_model=baseline_model, sample=sample,
    )  # fmt: skip
