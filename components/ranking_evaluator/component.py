"""RankingEvaluator: hits@1, hits@10, mean rank and MRR of a retrieval model on the eval split; a blessing.

Each eval query is ranked against all the eval split's candidates
(`keras_models.text.starspace_data.ranking_protocol`: texts against labels,
a user's items against the split's items, first sentences against last
sentences, contexts against words), through the candidate SavedModel's own
`score` signature, so the figures are what a client of the served model gets.
Beside them: the latest blessed model on the same queries, and the classic
ranking the trainMode must beat (`references`). Writes metrics.json, a plot of
hits@k against k and a sample query with its best candidates; the
ModelBlessing as TFX's Evaluator does.
"""

import os

import numpy as np
import tensorflow as tf
from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils
from tfx.types.standard_artifacts import Examples, Model, ModelBlessing, ModelEvaluation

from components import model_blessing, plots
from components.ranking_evaluator import references
from components.served_model import ServedModel
from components.text_example_gen.executor import LABEL_KEY, TEXT_KEY
from keras_models.text import ranking
from keras_models.text.fasttext_preprocessor import normalize
from keras_models.text.starspace_data import ranking_protocol

BATCH = 256  # queries scored at a time
MAX_K = 100  # the hits@k plot's range


def read_split(examples, split):
    """(texts, labels or None) of a split's raw tf.Examples."""
    files = tf.io.gfile.glob(os.path.join(artifact_utils.get_split_uri([examples], split), "*"))
    texts, labels = [], []
    for record in tf.data.TFRecordDataset(sorted(files), compression_type="GZIP"):
        feature = tf.train.Example.FromString(record.numpy()).features.feature
        texts.append(feature[TEXT_KEY].bytes_list.value[0].decode("utf-8"))
        if LABEL_KEY in feature:
            labels.append(feature[LABEL_KEY].bytes_list.value[0].decode("utf-8"))
    return texts, (labels if len(labels) == len(texts) else None)


def _model_ranks(model, queries, candidates, truth, exclude):
    """Ranks under the served model's own `score` signature, BATCH queries at a time."""
    candidates = np.array(candidates, dtype=object)

    def score_rows(start, end):
        return model("score", query=np.array(queries[start:end], dtype=object), candidate=candidates)[
            "scores"
        ]

    return ranking.ranks_in_blocks(score_rows, truth, exclude, BATCH)


def _plot(series, path):
    """hits@k against k for each ranking."""
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ks = np.arange(1, MAX_K + 1)
    for name, rank in series.items():
        ax.plot(ks, [(rank <= k).mean() for k in ks], label=f"{name}: MRR {np.mean(1.0 / rank):.3f}")
    ax.set_xscale("log")
    ax.set_xlabel("k")
    ax.set_ylabel("hits@k (the true candidate among the k best)")
    ax.set_title("Eval ranking against all the split's candidates")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    plots.save(fig, path)


def _sample(model, query, candidates, excluded, k=3):
    """`query -> best candidates (scores)` as one line, from the served model."""
    scored = model(
        "score", query=np.array([query], dtype=object), candidate=np.array(candidates, dtype=object)
    )
    scores = scored["scores"][0]
    scores[excluded] = -np.inf
    best = np.argsort(-scores, kind="stable")[:k]
    shown = ", ".join(f"{candidates[i][:60]!r} ({scores[i]:.2f})" for i in best)
    return f"{query[:80]!r} -> {shown}"


@component
def RankingEvaluator(  # noqa: N802 (TFX naming)
    examples: InputArtifact[Examples],
    model: InputArtifact[Model],
    evaluation: OutputArtifact[ModelEvaluation],
    blessing: OutputArtifact[ModelBlessing],
    baseline_model: InputArtifact[Model] = None,
    train_mode: Parameter[int] = 0,
    ws: Parameter[int] = 5,
    min_mrr: Parameter[float] = 0.5,
    max_regression: Parameter[float] = 1e-10,
) -> None:
    """Ranks the eval split with the candidate (the baseline, the reference); blesses the candidate when
    its MRR is >= min_mrr and no worse than the baseline's."""
    texts, labels = read_split(examples, "eval")
    queries, candidates, truth, exclude = ranking_protocol(texts, labels, train_mode, ws)
    served = ServedModel.of(model)
    candidate_ranks = _model_ranks(served, queries, candidates, truth, exclude)
    metrics = {**ranking.metrics(candidate_ranks), "candidates": len(candidates)}

    train_texts, train_labels = read_split(examples, "train")
    reference = references.scores(train_mode, queries, candidates, train_texts, train_labels, normalize)
    reference_name = references.NAMES[train_mode]
    reference_ranks = ranking.ranks_in_blocks(lambda start, end: reference[start:end], truth, exclude, BATCH)
    reference_metrics = ranking.metrics(reference_ranks)
    metrics.update(
        {f"reference_{key}": reference_metrics[key] for key in ("hits@1", "hits@10", "mean_rank", "mrr")}
    )
    series = {"candidate": candidate_ranks, reference_name: reference_ranks}
    if baseline_model is not None:
        baseline = ServedModel.of(baseline_model)
        series["latest blessed"] = baseline_ranks = _model_ranks(
            baseline, queries, candidates, truth, exclude
        )
        metrics["baseline_mrr"] = float(np.mean(1.0 / baseline_ranks))

    _, rules, failures = model_blessing.judge(
        "mrr", metrics["mrr"], min_mrr, True, metrics.get("baseline_mrr"), max_regression
    )
    _plot(series, os.path.join(evaluation.uri, "hits_at_k.png"))
    sample = _sample(served, queries[0], candidates, [] if exclude is None else exclude[0])
    line = (
        f"RankingEvaluator: MRR {metrics['mrr']:.3f}, hits@1 {metrics['hits@1']:.3f}, "
        f"hits@10 {metrics['hits@10']:.3f} over {len(candidates):,} candidates "
        f"({reference_name}: MRR {metrics['reference_mrr']:.3f}); sample {sample}"
    )
    logging.info(line)  # the run log
    print(f"  {line}", flush=True)  # the console
    model_blessing.record(
        evaluation, blessing, model, metrics=metrics, rules=rules, failures=failures,
        plots=["hits_at_k.png"], baseline_model=baseline_model, sample=sample,
    )  # fmt: skip
