"""`dlsuite run image_classification`: --model and training flags, and `dlsuite models` (no runs)."""

import argparse

import pytest

from pipelines.image_classification import configs, entry
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tools import cli

SMALL = FIXTURES / "fashion_mnist_small"


def _parse(*argv):
    parser = argparse.ArgumentParser()
    entry.add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def test_lenet_keeps_its_defaults():
    config = entry.train_config(_parse("--data", SMALL))
    assert config == configs.TrainConfig()
    assert (config.model, config.optimizer, config.augment, config.epochs) == ("lenet5", "adam", False, 12)


def test_flags_not_given_take_the_models_defaults():
    config = entry.train_config(_parse("--model", "resnet56_v2", "--epochs", "3", "--no-augment"))
    assert (config.model, config.optimizer, config.learning_rate, config.weight_decay) == (
        "resnet56_v2",
        "sgd",
        0.1,
        5e-4,
    )
    assert (config.epochs, config.augment, config.warmup_epochs) == (3, False, 1.0)
    assert configs.model_defaults("plain20") is configs.model_defaults("resnet110")


@pytest.mark.parametrize(
    "argv, message",
    [
        (("--label-smoothing", "1"), "--label-smoothing must be below 1"),
        (("--optimizer", "adam", "--weight-decay", "0.01"), "use --optimizer adamw"),
        (("--model", "resnet20", "--optimizer", "adam"), "--optimizer adam takes no --weight-decay"),
        (("--distribute", "multi_worker", "--early-stopping", "2"), "--early-stopping needs Keras' fit"),
    ],
)
def test_flags_that_do_not_go_together(argv, message):
    with pytest.raises(ValueError, match=message):
        entry.check_args(_parse(*argv))


def test_a_bad_model_name_is_one_line_listing_the_valid_names(capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        cli.main(["run", "image_classification", "--data", str(SMALL), "--model", "resnet21"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.count("\n") == 1
    assert (
        "argument --model: invalid choice: 'resnet21' (choose from 'lenet5', 'lenet5_tanh', 'resnet20'" in err
    )


def test_a_flag_conflict_exits_2_before_any_work(tmp_path):
    result = run_cli(
        "run", "image_classification", "--data", SMALL, "--optimizer", "adam", "--weight-decay", "1e-4",
        "--output-dir", tmp_path / "out",
    )  # fmt: skip
    assert result.returncode == 2 and not (tmp_path / "out").exists()
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith("dlsuite run image_classification: --optimizer adam")
    )


@pytest.mark.slow  # builds every zoo model (≈ 35 s); the next test checks the listing on three of them
def test_models_lists_every_classifier_with_its_parameter_count(capsys):
    from keras_models.vision import zoo

    assert cli.main(["models", "--input-shape", "32x32x3"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert list(rows) == zoo.names()
    # He et al. 2015: ResNet-20 on CIFAR-10 (32x32x3, 10 classes) has 0.27 M parameters.
    assert "ResNet v1" in rows["resnet20"] and " 271,098 " in rows["resnet20"]
    assert "plain (ResNet without shortcuts)" in rows["plain56"]


def test_models_shows_each_classifiers_family_and_parameters(capsys, monkeypatch):
    from keras_models.vision import zoo

    monkeypatch.setattr(zoo, "MODELS", {k: zoo.MODELS[k] for k in ("lenet5", "resnet20", "plain20")})
    assert cli.main(["models", "--input-shape", "32x32x3"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert list(rows) == ["lenet5", "resnet20", "plain20"]
    # He et al. 2015: ResNet-20 on CIFAR-10 (32x32x3, 10 classes) has 0.27 M parameters.
    assert "ResNet v1" in rows["resnet20"] and " 271,098 " in rows["resnet20"]
    assert "plain (ResNet without shortcuts)" in rows["plain20"]
