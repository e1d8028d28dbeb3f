"""`dlsuite experiment sgd_vs_batch`: a quick run, the class-grouped order, and the verdict's logic."""

import numpy as np

from tests.experiment_checks import quick_run
from tools.experiments import data, sgd_vs_batch


def test_quick_run(tmp_path):
    text, results = quick_run("sgd_vs_batch", tmp_path)
    assert "| training | passes | train loss after 1 pass |" in text
    config = sgd_vs_batch.QUICK
    runs = results["runs"]
    assert set(runs) == {"SGD, shuffled", "SGD, grouped by class"} | {
        f"batch GD, lr {lr}" for lr in config.batch_learning_rates
    }
    assert len(runs["SGD, shuffled"]["epoch"]) == config.sgd_epochs + 1
    assert len(runs[f"batch GD, lr {config.batch_learning_rates[0]}"]["epoch"]) == config.batch_epochs + 1
    # Every run starts from the same weights: the same loss before training.
    first = {round(r["train_loss"][0], 5) for r in runs.values()}
    assert len(first) == 1
    assert 0 <= runs["SGD, grouped by class"]["last_class_share"] <= 1


def test_class_sorted_groups_the_same_examples():
    d = data.Data(np.arange(6.0)[:, None], np.array([2, 0, 1, 0, 2, 1]), None, None, "")
    grouped = sgd_vs_batch.class_sorted(d)
    np.testing.assert_array_equal(grouped.y_train, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(grouped.x_train[:, 0], [1, 3, 2, 5, 0, 4])  # stable within a class


def _curves(losses, accuracy, **extra):
    return {"epoch": list(range(len(losses))), "train_loss": losses, "test_accuracy": accuracy, **extra}


def test_verdict_follows_the_numbers():
    sgd = _curves([2.3, 0.5, 0.4], [0.1, 0.8, 0.85])
    slow_batch = _curves([2.3, 2.0, 1.5, 1.0, 0.9, 0.8, 0.7], [0.1] * 7, learning_rate=0.3)
    grouped = _curves([2.3, 1.5, 1.4], [0.1, 0.3, 0.35], last_class_share=0.6)
    faster, shuffling = sgd_vs_batch.judge(sgd, slow_batch, grouped, n_test=10000)
    assert faster.status == shuffling.status == "reproduced"

    quick_batch = _curves([2.3, 0.45, 0.3], [0.1] * 3, learning_rate=1.0)  # batch there in one pass
    mixed = _curves([2.3, 0.5, 0.4], [0.1, 0.8, 0.849], last_class_share=0.1)
    faster, shuffling = sgd_vs_batch.judge(sgd, quick_batch, mixed, n_test=10000)
    assert faster.status == shuffling.status == "not reproduced"
    assert "after 1 passes" in faster.why
