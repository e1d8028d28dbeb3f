"""LanguageModelEvaluator: bits per character of the candidate on the end of the corpus, and a blessing.

The eval split's windows are put back together into the text they came from (the last part of the
corpus) and scored through the candidate's own `score` signature in long segments, each from its
first character, so the figure is what a client of the served model gets. Beside it: the latest
blessed model on the same text, a character n-gram model with Kneser-Ney smoothing fitted on the
train split (the classic baseline to beat) and the unigram entropy. Writes metrics.json, a plot of
bits per character along the eval text and a sample generated from a prompt; the ModelBlessing as
TFX's Evaluator does.
"""

import collections
import os

import numpy as np
from absl import logging
from tfx.dsl.component.experimental.annotations import InputArtifact, OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component
from tfx.types.standard_artifacts import Examples, Model, ModelBlessing, ModelEvaluation

from components import model_blessing, model_info, plots
from components.language_model_evaluator.corpus_text import load_documents, segments
from components.language_model_evaluator.ngram import CharNGram
from components.served_model import ServedModel

SEGMENT = 4096  # characters a model reads in one piece (the first of each has no context)
NGRAM_ORDER = 5
SAMPLE_TEMPERATURE = 0.7


def _bits(model, pieces, batch=64):
    """Per-piece (bits, characters) of the `score` signature."""
    bits, counted = [], []
    for i in range(0, len(pieces), batch):
        scored = model("score", texts=np.array(pieces[i : i + batch], dtype=object))
        bits.append(scored["bits"])
        counted.append(scored["characters"])
    return np.concatenate(bits), np.concatenate(counted)


def _bpc(bits, counted):
    return float(bits.sum() / counted.sum())


def _ngram_bits(train_text, pieces):
    ngram = CharNGram(NGRAM_ORDER).fit(train_text)
    scored = [ngram.bits(piece) for piece in pieces]
    return np.array([s[0] for s in scored]), np.array([s[1] for s in scored])


def _unigram_bpc(train_text, eval_text):
    counts = collections.Counter(train_text)
    total = len(train_text) + len(counts) + 1  # add-one: an unseen character costs something finite
    return float(np.mean([-np.log2((counts.get(c, 0) + 1) / total) for c in eval_text]))


def _plot(series, path):
    """Bits per character along the eval text, piece by piece."""
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for name, (bits, counted) in series.items():
        per_piece = bits / np.maximum(counted, 1)
        starts = np.cumsum(counted) - counted
        ax.step(starts, per_piece, where="post", label=f"{name}: {_bpc(bits, counted):.3f}")
    ax.set_xlabel(f"character of the eval text (pieces of {SEGMENT})")
    ax.set_ylabel("bits per character")
    ax.set_title("Bits per character along the end of the corpus (lower is better)")
    ax.legend(fontsize=8)
    plots.save(fig, path)


@component
def LanguageModelEvaluator(  # noqa: N802 (TFX naming)
    examples: InputArtifact[Examples],
    model: InputArtifact[Model],
    evaluation: OutputArtifact[ModelEvaluation],
    blessing: OutputArtifact[ModelBlessing],
    baseline_model: InputArtifact[Model] = None,
    max_bpc: Parameter[float] = 2.1,
    max_regression: Parameter[float] = 1e-10,
    sample_prompt: Parameter[str] = "The ",
    sample_length: Parameter[int] = 300,
) -> None:
    """Measures the candidate (and the baseline, and the n-gram) on the eval text; blesses the candidate
    when its bits per character are <= max_bpc and no worse than the baseline's."""
    eval_documents = load_documents(examples, "eval")
    pieces = segments(eval_documents, SEGMENT)
    candidate = ServedModel.of(model)
    train_text = "\n".join(load_documents(examples, "train").values())
    candidate_bits, ngram_bits = _bits(candidate, pieces), _ngram_bits(train_text, pieces)
    series = {"candidate": candidate_bits, f"{NGRAM_ORDER}-gram (Kneser-Ney)": ngram_bits}
    metrics = {
        "bpc": _bpc(*candidate_bits),
        "ngram_bpc": _bpc(*ngram_bits),
        "unigram_bpc": _unigram_bpc(train_text, "".join(pieces)),
        "eval_characters": int(candidate_bits[1].sum()),
        "parameters": model_info.read(model.uri)["parameters"],
    }
    if baseline_model is not None:
        series["latest blessed"] = baseline_bits = _bits(ServedModel.of(baseline_model), pieces)
        metrics["baseline_bpc"] = _bpc(*baseline_bits)

    blessed, rules, failures = model_blessing.judge(
        "bpc", metrics["bpc"], max_bpc, False, metrics.get("baseline_bpc"), max_regression
    )
    _plot(series, os.path.join(evaluation.uri, "bits_per_character.png"))
    sample = sample_prompt + candidate(
        "generate",
        prompt=np.array([sample_prompt], dtype=object),
        length=np.int32(sample_length),
        temperature=np.float32(SAMPLE_TEMPERATURE),
        seed=np.int64(0),
    )["text"][0].decode("utf-8")
    line = f"LanguageModelEvaluator: sample (temperature {SAMPLE_TEMPERATURE}, seed 0): {sample!r}"
    logging.info(line)  # the run log
    print(f"  {line}", flush=True)  # the console

    model_blessing.record(
        evaluation, blessing, model, metrics=metrics, rules=rules, failures=failures,
        plots=["bits_per_character.png"], baseline_model=baseline_model, sample=sample,
    )  # fmt: skip
    logging.info("LanguageModelEvaluator: %s; %s", metrics, "blessed" if blessed else "; ".join(failures))
