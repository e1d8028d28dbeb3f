"""The custom evaluators' blessing rules."""

import pytest

from components import model_blessing


@pytest.mark.parametrize(
    "value, higher, bar, baseline, blessed, failure",
    [
        (0.02, False, 0.03, None, True, None),
        (0.04, False, 0.03, None, False, "mse 0.04 is not ≤ 0.03"),
        (0.02, False, 0.03, 0.019, False, "worse than the latest blessed model's 0.019"),
        (0.02, False, 0.03, 0.021, True, None),
        (-250.0, True, -300.0, -260.0, True, None),
        (-250.0, True, -300.0, -240.0, False, "worse than the latest blessed model's -240"),
        (-350.0, True, -300.0, None, False, "elbo -350 is not ≥ -300"),
    ],
)
def test_judge(value, higher, bar, baseline, blessed, failure):
    name = "elbo" if higher else "mse"
    ok, rules, failures = model_blessing.judge(name, value, bar, higher, baseline, max_regression=1e-10)
    assert ok is blessed
    assert len(rules) == (1 if baseline is None else 2)
    assert (failure is None and not failures) or any(failure in f for f in failures)
