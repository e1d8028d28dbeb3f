"""`dlsuite experiment`: the registry, the command line, a quick gradients run, and its measurements."""

import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from keras_models.sequence import OrthogonalRNNCell
from tools import cli
from tools.experiments import EXPERIMENTS, gradients, report


def test_list_names_every_experiment_with_its_claim(capsys):
    assert cli.main(["experiment", "--list"]) == 0
    out = capsys.readouterr().out
    for name in EXPERIMENTS:
        assert name in out
    assert "clipping tames the explosion" in out


@pytest.mark.parametrize("argv", [["experiment", "no_such_thing"], ["experiment"]], ids=["unknown", "none"])
def test_unknown_or_missing_name_is_one_line_exit_2(capsys, tmp_path, argv):
    assert cli.main([*argv, "--output-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"choose one of: {', '.join(sorted(EXPERIMENTS))}" in err[0]
    assert not any(tmp_path.iterdir())  # nothing written


def test_quick_gradients_run_writes_report_results_and_plots(capsys, tmp_path):
    assert cli.main(["experiment", "gradients", "--quick", "--output-dir", str(tmp_path), "--seed", "3"]) == 0
    (folder,) = (tmp_path / "gradients").iterdir()
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("gradients: ") and str(folder / "report.md") in summary

    text = (folder / "report.md").read_text()
    assert f"**Claim.** {gradients.CLAIM}" in text
    assert "| T | model | final eval MSE |" in text and "| 20 | LSTM | " in text
    (verdict,) = [line for line in text.splitlines() if line.startswith("Verdict: ")]
    results = json.loads((folder / "results.json").read_text())
    assert verdict == f"Verdict: {results['verdict']['status']} — {results['verdict']['why']}"
    assert results["verdict"]["status"] in report.VERDICTS and len(results["findings"]) == 4

    config = gradients.QUICK
    runs = {(r["model"], r["length"]): r for r in results["runs"]}
    assert set(runs) == {(kind, t) for kind in gradients.MODELS for t in config.lengths}
    for (_, length), r in runs.items():
        assert len(r["grad_norm"]) == config.steps and all(n > 0 for n in r["grad_norm"])
        assert len(r["eval_mse"]) == config.steps // config.eval_every + 1
        assert r["final_mse"] == r["eval_mse"][-1] < 1.0
        assert len(r["state_grad_init"]) == len(r["state_grad_trained"]) == length
    # rnn and rnn_clipped start from the same weights and see the same first batch.
    assert runs["rnn", 10]["grad_norm"][0] == runs["rnn_clipped", 10]["grad_norm"][0]

    for _, file_name in results["plots"].items():
        assert f"]({file_name})" in text
        image = tf.io.decode_png(tf.io.read_file(str(folder / file_name)))
        assert image.shape[0] > 100 and image.shape[1] > 100


def test_adding_problem_is_seeded_and_has_the_known_baseline():
    x, y = gradients.adding_problem(np.random.default_rng(0), 20_000, 30)
    again, _ = gradients.adding_problem(np.random.default_rng(0), 20_000, 30)
    np.testing.assert_array_equal(x, again)
    markers = x[..., 1]
    assert (markers.sum(axis=1) == 2).all()
    assert (markers[:, :15].sum(axis=1) == 1).all()  # one marker in each half
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(axis=1))
    assert abs(np.mean((y - 1) ** 2) - gradients.BASELINE_MSE) < 0.005


@pytest.mark.parametrize("kind", list(gradients.MODELS))
def test_unrolled_cell_computes_what_the_layer_computes(kind):
    model = gradients.build_model(kind, units=8, length=12, seed=0)
    x, _ = gradients.adding_problem(np.random.default_rng(1), 4, 12)
    prediction, states = gradients.unroll(model, tf.constant(x))
    np.testing.assert_allclose(prediction, model(x), atol=1e-5)
    assert len(states) == 12


def _linear_model(cell, length):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.RNN(cell), keras.layers.Dense(1)])
    model.build((None, length, 2))
    return model


@pytest.mark.parametrize("scale", [0.5, 1.5], ids=["vanishing", "exploding"])
def test_state_gradients_scale_as_the_recurrent_matrix_power(scale):
    """Linear RNN with W = scale * Q (Q orthogonal): ‖∂L/∂s_k‖ = scale^(T-k) ‖∂L/∂s_T‖ exactly."""
    length = 20
    model = _linear_model(keras.layers.SimpleRNNCell(8, activation="linear"), length)
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(8, 8)))
    model.layers[0].cell.recurrent_kernel.assign(scale * q)
    x, y = gradients.adding_problem(np.random.default_rng(2), 16, length)
    norms = gradients.state_gradient_norms(model, x, y)
    expected = scale ** np.arange(length - 1, -1, -1)
    np.testing.assert_allclose(norms / norms[-1], expected, rtol=1e-4)


def test_orthogonal_cell_passes_the_gradient_back_unchanged():
    length = 30
    model = _linear_model(OrthogonalRNNCell(8, activation="linear", skew_stddev=0.5), length)
    x, y = gradients.adding_problem(np.random.default_rng(2), 16, length)
    norms = gradients.state_gradient_norms(model, x, y)
    np.testing.assert_allclose(norms / norms[-1], np.ones(length), rtol=1e-4)


def _runs(lengths, **by_kind):
    """Fake summaries: by_kind[kind] = (final MSE per length, spike, worst later MSE, reach at init)."""
    runs = {}
    for kind, (mses, spike, worst, reach) in by_kind.items():
        for t, mse in zip(lengths, mses):
            runs[kind, t] = {
                "final_mse": mse,
                "spike": spike,
                "worst_later_mse": worst,
                "reach_init": reach,
                "reach_trained": reach,
            }
    return runs


def test_verdict_follows_the_numbers():
    lengths = (10, 100)
    as_claimed = _runs(
        lengths,
        rnn=((0.001, 0.16), 50.0, 0.9, 1e-5),
        rnn_clipped=((0.001, 0.16), 50.0, 0.2, 1e-5),
        orthogonal=((0.001, 0.002), 3.0, 0.2, 0.5),
        lstm=((0.001, 0.003), 3.0, 0.2, 0.1),
    )
    findings = gradients.judge(as_claimed, lengths)
    assert [f.status for f in findings] == ["reproduced"] * 4
    assert report.overall(findings)[0] == "reproduced"

    contrary = _runs(
        lengths,
        rnn=((0.001, 0.002), 2.0, 0.2, 0.5),
        rnn_clipped=((0.001, 0.002), 2.0, 0.2, 0.5),
        orthogonal=((0.16, 0.16), 2.0, 0.2, 0.5),
        lstm=((0.16, 0.16), 2.0, 0.2, 0.5),
    )
    findings = gradients.judge(contrary, lengths)
    statuses = {f.key: f.status for f in findings}
    assert statuses["vanishing"] == statuses["explosion"] == statuses["LSTM and orthogonal RNN"]
    assert statuses["vanishing"] == "not reproduced"
    status, why = report.overall(findings)
    assert status == "not reproduced" and "vanishing" in why
