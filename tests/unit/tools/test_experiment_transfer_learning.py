"""`dlsuite experiment transfer_learning`: a quick run, the class split, the three starts, and the verdict."""

import numpy as np

from tests.experiment_checks import quick_run
from tools.experiments import data
from tools.experiments import transfer_learning as tl


def test_quick_run(tmp_path):
    text, results = quick_run("transfer_learning", tmp_path)
    assert "| task | target data | examples | from scratch | frozen features | fine-tuned |" in text
    groups = results["class_groups"]
    assert sorted(map(float, groups["results"])) == sorted(tl.QUICK.fractions)
    for accuracies in groups["results"].values():
        assert set(accuracies) == set(tl.METHODS) and all(0 <= a <= 1 for a in accuracies.values())
    assert "pushed_to_digits" not in results  # QUICK leaves the pushed model out
    assert [f["key"] for f in results["findings"]] == ["little data", "scratch catches up"]


def test_split_classes_keeps_and_relabels_one_group():
    y = np.array([0, 5, 9, 3, 7, 5])
    d = data.Data(np.arange(6)[:, None], y, np.arange(3)[:, None], np.array([9, 1, 6]), "")
    target = tl.split_classes(d, tl.TARGET)
    np.testing.assert_array_equal(target.y_train, [0, 4, 2, 0])
    np.testing.assert_array_equal(target.x_train[:, 0], [1, 2, 4, 5])
    np.testing.assert_array_equal(target.y_test, [4, 1])


def test_frozen_and_fine_tuned_start_from_the_source_and_scratch_does_not():
    source = tl.lenet(5, seed=0)
    for method, trainable in (("frozen", ["f6", "logits"]), ("fine_tuned", None)):
        model = tl.adapt(source, method, 5, seed=0, learning_rate=1e-3)
        for mine, theirs in zip(model.layers, source.layers):
            if mine.weights and mine.name != "logits":
                np.testing.assert_array_equal(mine.get_weights()[0], theirs.get_weights()[0])
        names = [layer.name for layer in model.layers if layer.trainable and layer.weights]
        assert names == trainable if trainable else len(names) > 1
    scratch = tl.adapt(source, "scratch", 5, seed=0, learning_rate=1e-3)
    first = next(i for i, layer in enumerate(source.layers) if layer.weights)
    assert not np.array_equal(scratch.layers[first].get_weights()[0], source.layers[first].get_weights()[0])


def test_verdict_follows_the_numbers():
    helped = {0.01: {"scratch": 0.60, "frozen": 0.80, "fine_tuned": 0.85},
              1.0: {"scratch": 0.95, "frozen": 0.90, "fine_tuned": 0.951}}  # fmt: skip
    assert [f.status for f in tl.judge(helped, 5000)] == ["reproduced", "reproduced"]
    no_help = {0.01: {"scratch": 0.80, "frozen": 0.79, "fine_tuned": 0.80},
               1.0: {"scratch": 0.90, "frozen": 0.85, "fine_tuned": 0.95}}  # fmt: skip
    assert [f.status for f in tl.judge(no_help, 5000)] == ["not reproduced", "not reproduced"]
