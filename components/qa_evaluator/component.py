"""QAEvaluator: the error rate per bAbI task on the eval split, through the candidate's own `answer`
signature; a blessing on the mean over tasks.

Every eval question is sent with its whole story, as a client would, so the figures are what the served
model answers. Beside the error: how often a hop's strongest attention falls on one of the question's
supporting facts (MemN2N, whose attention is over sentences), the tasks solved (error ≤ 5 %, bAbI's
bar), and the latest blessed model's errors on the same questions. Writes metrics.json, a bar chart of
the error per task and a heat map of one story's attention per hop; the ModelBlessing as TFX's
Evaluator does.
"""

import os

import numpy as np
from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils
from tfx.types.standard_artifacts import Examples, Model, ModelBlessing, ModelEvaluation

from components import model_blessing, plots
from components.babi_example_gen.executor import read_examples, story_matrix
from components.served_model import ServedModel
from keras_models.memory.text import answer_token

BATCH = 256  # questions answered at a time
SOLVED = 0.05  # bAbI's bar: a task is solved at 5 % error or less


def answer_all(served, qas):
    """(answers [N] str, probabilities [N], attentions: a list of [hops, S_i] arrays, story columns)."""
    answers, probabilities, attentions = [], [], []
    for start in range(0, len(qas), BATCH):
        batch = qas[start : start + BATCH]
        outputs = served(
            "answer",
            story=story_matrix(batch).astype(str),
            question=np.array([qa.question for qa in batch]),
        )
        answers += [a.decode("utf-8") for a in outputs["answer"]]
        probabilities.append(outputs["probability"])
        attentions += list(outputs["attention"])
    return np.array(answers, dtype=object), np.concatenate(probabilities), attentions


def task_errors(qas, answers):
    """{task: error rate} and the mean over tasks."""
    truth = np.array([answer_token(qa.answer) for qa in qas], dtype=object)
    tasks = np.array([qa.task for qa in qas])
    wrong = answers != truth
    errors = {int(t): float(wrong[tasks == t].mean()) for t in np.unique(tasks)}
    return errors, float(np.mean(list(errors.values())))


def supporting_fact_hits(qas, attentions):
    """Share of questions where some hop's strongest attention is on one of the supporting facts."""
    hits = [
        bool(set(np.argmax(weights, axis=-1).tolist()) & set(qa.supporting))
        for qa, weights in zip(qas, attentions)
        if qa.supporting
    ]
    return float(np.mean(hits)) if hits else float("nan")


def _plot_errors(series, max_error, path):
    plt = plots.pyplot()
    tasks = sorted(next(iter(series.values())))
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(tasks) + 2), 3.6))
    width = 0.8 / len(series)
    for i, (name, errors) in enumerate(series.items()):
        x = np.arange(len(tasks)) + (i - (len(series) - 1) / 2) * width
        ax.bar(x, [100 * errors[t] for t in tasks], width, label=name)
    ax.axhline(100 * SOLVED, color="gray", linestyle=":", linewidth=0.9, label="solved (5 %)")
    ax.axhline(100 * max_error, color="gray", linestyle="--", linewidth=0.9, label="bar (mean)")
    ax.set_xticks(np.arange(len(tasks)), [str(t) for t in tasks])
    ax.set_xlabel("bAbI task")
    ax.set_ylabel("eval error %")
    ax.legend(fontsize=8)
    plots.save(fig, path)


def _plot_attention(qa, answer, weights, path, shown=12):
    """The last `shown` sentences (rows) against the hops (columns); supporting facts starred."""
    plt = plots.pyplot()
    first = max(0, len(qa.story) - shown)
    weights = weights[:, first : len(qa.story)].T
    labels = [("* " if first + i in qa.supporting else "") + s for i, s in enumerate(qa.story[first:])]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1.4))
    ax.imshow(weights, cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_xticks(range(weights.shape[1]), [f"hop {h + 1}" for h in range(weights.shape[1])], fontsize=8)
    ax.set_title(f"{qa.question} -> {answer}\n(true: {qa.answer}; * supporting fact)", fontsize=9)
    plots.save(fig, path)


def _sample(qas, answers, attentions, over_sentences):
    """The question with the most supporting facts: (index, one line naming what each hop read)."""
    index = max(range(len(qas)), key=lambda i: (len(qas[i].supporting), -i))
    qa, line = qas[index], f"{qas[index].question} -> {answers[index]} (true: {qas[index].answer})"
    if over_sentences:
        read = [qa.story[j] for j in np.argmax(attentions[index], axis=-1)]
        line += "; hops read: " + " | ".join(read)
    return index, line


@component
def QAEvaluator(  # noqa: N802 (TFX naming)
    examples: InputArtifact[Examples],
    model: InputArtifact[Model],
    evaluation: OutputArtifact[ModelEvaluation],
    blessing: OutputArtifact[ModelBlessing],
    baseline_model: InputArtifact[Model] = None,
    max_error: Parameter[float] = 0.25,
    max_regression: Parameter[float] = 0.01,
) -> None:
    """Answers the eval split with the candidate (and the baseline); blesses the candidate when its mean
    error over tasks is <= max_error and no more than max_regression above the baseline's."""
    qas = read_examples(os.path.join(artifact_utils.get_split_uri([examples], "eval"), "*"))
    served = ServedModel.of(model)
    answers, probabilities, attentions = answer_all(served, qas)
    errors, mean_error = task_errors(qas, answers)
    over_sentences = served.output_shape("answer", "attention")[-1] is None  # EntNet's: memory slots
    metrics = {
        "mean_error": mean_error,
        **{f"error/task={task}": error for task, error in errors.items()},  # as TFMA's per-slice metrics
        "tasks_solved": sum(error <= SOLVED for error in errors.values()),
        "tasks": len(errors),
        "questions": len(qas),
        "mean_probability": float(probabilities.mean()),
    }
    if over_sentences:
        metrics["supporting_fact_hits"] = supporting_fact_hits(qas, attentions)
    series = {"candidate": errors}
    if baseline_model is not None:
        series["latest blessed"], metrics["baseline_mean_error"] = task_errors(
            qas, answer_all(ServedModel.of(baseline_model), qas)[0]
        )

    _, rules, failures = model_blessing.judge(
        "mean_error", mean_error, max_error, False, metrics.get("baseline_mean_error"), max_regression
    )
    _plot_errors(series, max_error, os.path.join(evaluation.uri, "error_by_task.png"))
    index, sample = _sample(qas, answers, attentions, over_sentences)
    figures = ["error_by_task.png"]
    if over_sentences:
        _plot_attention(
            qas[index], answers[index], attentions[index], os.path.join(evaluation.uri, "attention.png")
        )
        figures.append("attention.png")
    line = (
        f"QAEvaluator: mean error {100 * mean_error:.1f} % over {len(errors)} task(s), "
        f"{metrics['tasks_solved']} solved (≤ 5 %), {len(qas):,} questions; sample {sample}"
    )
    logging.info(line)  # the run log
    print(f"  {line}", flush=True)  # the console
    model_blessing.record(
        evaluation, blessing, model, metrics=metrics, rules=rules, failures=failures,
        plots=figures, baseline_model=baseline_model, sample=sample,
    )  # fmt: skip
