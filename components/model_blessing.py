"""Blessing rules and the ModelBlessing artifact, shared by the custom evaluators.

A custom evaluator judges its headline metric against a bar and against the latest blessed model's
value, then writes its ModelBlessing as TFX's Evaluator does: Pusher reads `blessed`, the
latest-blessed-model resolver `current_model_id`.
"""

import json
import os


def judge(name, value, bar, higher_is_better, baseline=None, max_regression=0.0):
    """(blessed, rules, failures): `value` against `bar`, and against `baseline`'s value when given."""
    sign, word = (1, "≥") if higher_is_better else (-1, "≤")
    rules, failures = [f"{name} {word} {bar:g}"], []
    if sign * (value - bar) < 0:
        failures.append(f"{name} {value:.5g} is not {word} {bar:g}")
    if baseline is not None:
        rules.append(f"{name} no more than {max_regression:g} worse than the latest blessed model's")
        if sign * (value - baseline) < -max_regression:
            failures.append(f"{name} {value:.5g} is worse than the latest blessed model's {baseline:.5g}")
    return not failures, rules, failures


def write(blessing, model, blessed, baseline_model=None):
    """BLESSED or NOT_BLESSED in the artifact's folder, and TFX Evaluator's custom properties."""
    open(os.path.join(blessing.uri, "BLESSED" if blessed else "NOT_BLESSED"), "w").close()
    blessing.set_int_custom_property("blessed", int(blessed))
    blessing.set_string_custom_property("current_model", model.uri)
    blessing.set_int_custom_property("current_model_id", model.id)
    if baseline_model is not None:
        blessing.set_string_custom_property("baseline_model", baseline_model.uri)
        blessing.set_int_custom_property("baseline_model_id", baseline_model.id)


def record(evaluation, blessing, model, *, metrics, rules, failures, plots, baseline_model=None, sample=None):
    """A custom evaluator's results: `metrics.json` (what runner.custom_evaluation reads: metrics, rules,
    failures, blessed, plots, and a `sample` of the model's output as text, which summary.json and
    report.html show) in the evaluation artifact, and the ModelBlessing (`write`)."""
    blessed = not failures
    result = {"metrics": metrics, "rules": rules, "failures": failures, "blessed": blessed, "plots": plots}
    if sample is not None:
        result["sample"] = sample
    with open(os.path.join(evaluation.uri, "metrics.json"), "w") as f:
        json.dump(result, f, indent=2)
    write(blessing, model, blessed, baseline_model)
    return blessed
