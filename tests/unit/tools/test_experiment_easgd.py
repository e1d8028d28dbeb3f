"""`dlsuite experiment easgd`: a quick run's files and numbers, and the verdict's logic."""

import pytest

from tests.experiment_checks import quick_run
from tools.experiments import easgd


def test_quick_run(tmp_path):
    text, results = quick_run("easgd", tmp_path)
    assert "| method | p | η | δ (Nesterov) | α (β = pα) | τ | samples per worker | final test acc. |" in text
    assert len(results["findings"]) == 2

    config = easgd.QUICK
    steps = config.train_size // config.batch * config.epochs
    assert set(results["runs"]) == set(easgd.METHODS)
    for kind, r in results["runs"].items():
        p = config.workers if easgd.METHODS[kind].elastic else 1
        assert r["workers"] == p and len(r["worker_accuracy"]) == len(r["final_worker_accuracy"]) == p
        assert r["samples_per_worker"][0] == 0 and r["samples_per_worker"][-1] == steps * config.batch
        assert len(r["accuracy"]) == len(r["loss"]) == config.epochs * config.evals_per_epoch + 1
        assert all(0 <= a <= 1 for a in r["accuracy"]) and r["final_accuracy"] == r["accuracy"][-1]
        assert r["moving_rate"] == pytest.approx(config.beta / p if p > 1 else 0.0)
    # Every method starts from the same weights, so from the same test accuracy.
    assert len({r["accuracy"][0] for r in results["runs"].values()}) == 1

    assert list(results["plots"].values()) == ["accuracy_curves.png"]


def _runs(sgd, msgd, easgd_centre, easgd_workers, eamsgd_centre, eamsgd_workers):
    def r(kind, final, workers=None):
        workers = workers or [final]
        return {
            "method": kind,
            "workers": len(workers),
            "final_accuracy": final,
            "final_worker_accuracy": workers,
        }

    return {
        "sgd": r("sgd", sgd),
        "msgd": r("msgd", msgd),
        "easgd": r("easgd", easgd_centre, easgd_workers),
        "eamsgd": r("eamsgd", eamsgd_centre, eamsgd_workers),
    }


@pytest.mark.parametrize(
    ("runs", "statuses"),
    [
        (_runs(0.87, 0.875, 0.868, [0.86] * 4, 0.88, [0.87] * 4), ("reproduced", "reproduced")),
        (
            _runs(0.87, 0.875, 0.85, [0.866, 0.85, 0.85, 0.85], 0.90, [0.87] * 4),
            ("partly reproduced", "reproduced"),
        ),
        (_runs(0.87, 0.875, 0.85, [0.84] * 4, 0.86, [0.85] * 4), ("not reproduced", "not reproduced")),
    ],
    ids=["same", "only-a-worker", "behind"],
)
def test_verdict_follows_the_numbers(runs, statuses):
    findings = easgd.judge(runs, n_test=10_000)  # margin: 2 standard errors ≈ 0.95 point
    assert tuple(f.status for f in findings) == statuses
    assert "centre" in findings[0].why and "SGD 0.870" in findings[0].why


def test_baselines_are_one_worker_without_elastic_force():
    config = easgd.QUICK
    sgd, eamsgd = easgd.strategy("sgd", config, 0), easgd.strategy("eamsgd", config, 0)
    assert (sgd.p, sgd.moving_rate, sgd.momentum) == (1, 0.0, 0.0)
    assert (eamsgd.p, eamsgd.moving_rate, eamsgd.momentum) == (4, pytest.approx(0.225), config.momentum)
    for a, b in zip(sgd.center.get_weights(), eamsgd.workers[3].get_weights()):
        assert (a == b).all()
