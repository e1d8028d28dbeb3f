"""Every numeric flag of `dlsuite run` is checked while parsing: one line, exit 2, before any work."""

import pytest

from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tools import cli

TEXT = ("run", "text_classification", "--data", str(FIXTURES / "ag_news_small"))
IMAGE = ("run", "image_classification", "--data", str(FIXTURES / "fashion_mnist_small"))
AUTOENCODER = ("run", "autoencoder", "--data", str(FIXTURES / "fashion_mnist_small"))
GAN = ("run", "gan", "--data", str(FIXTURES / "fashion_mnist_small"))


@pytest.mark.parametrize(
    "argv, expected",
    [
        (TEXT + ("--epochs", "0"), "argument --epochs: must be at least 1, got '0'"),
        (TEXT + ("--epochs", "-3"), "argument --epochs: must be at least 1, got '-3'"),
        (TEXT + ("--batch-size", "0"), "argument --batch-size: must be at least 1"),
        (TEXT + ("--dim", "0"), "argument --dim: must be at least 1"),
        (TEXT + ("--buckets", "0"), "argument --buckets: must be at least 1"),
        (TEXT + ("--word-ngrams", "0"), "argument --word-ngrams: must be at least 1"),
        (TEXT + ("--top-k", "0"), "argument --top-k: must be at least 1"),
        (TEXT + ("--lr", "0"), "argument --lr: must be a number above 0"),
        (TEXT + ("--lr", "nan"), "argument --lr: must be a number above 0"),
        (TEXT + ("--min-accuracy", "-1"), "argument --min-accuracy: must be between 0 and 1"),
        (TEXT + ("--max-bad-fraction", "1.5"), "argument --max-bad-fraction: must be between 0 and 1"),
        (TEXT + ("--epochs", "two"), "argument --epochs: expected an integer, got 'two'"),
        (IMAGE + ("--epochs", "0"), "argument --epochs: must be at least 1"),
        (IMAGE + ("--batch-size", "-1"), "argument --batch-size: must be at least 1"),
        (IMAGE + ("--min-accuracy", "1.01"), "argument --min-accuracy: must be between 0 and 1"),
        (
            AUTOENCODER + ("--model", "gan"),
            "argument --model: invalid choice: 'gan' (choose from 'ae', 'conv_ae', 'dae', 'psd', "
            "'sparse_ae', 'swwae', 'vae')",
        ),
        (AUTOENCODER + ("--latent-dim", "0"), "argument --latent-dim: must be at least 1"),
        (AUTOENCODER + ("--max-mse", "0"), "argument --max-mse: must be a number above 0"),
        (AUTOENCODER + ("--min-elbo", "nan"), "argument --min-elbo: must be a finite number"),
        (AUTOENCODER + ("--normal-classes", "5,x"), "argument --normal-classes: expected comma-separated"),
        (AUTOENCODER + ("--normal-classes", "5,5"), "argument --normal-classes: expected distinct class ids"),
        (AUTOENCODER + ("--normal-classes", "10"), "argument --normal-classes: expected distinct class ids"),
        (
            GAN + ("--model", "vae"),
            "argument --model: invalid choice: 'vae' (choose from 'cyclegan', 'dcgan', ",
        ),
        (GAN + ("--domains", "7"), "argument --domains: expected two class ids such as 7,9, got '7'"),
        (GAN + ("--domains", "7,7"), "argument --domains: expected two distinct class ids from 0 to 9"),
        (GAN + ("--max-fid", "-1"), "argument --max-fid: must be a number above 0"),
        (GAN + ("--min-target-fraction", "2"), "argument --min-target-fraction: must be between 0 and 1"),
        (GAN + ("--num-samples", "0"), "argument --num-samples: must be at least 1"),
    ],
)
def test_bad_numbers_are_usage_errors(argv, expected, capsys, tmp_path):
    with pytest.raises(SystemExit) as stop:
        cli.main([*argv, "--output-dir", str(tmp_path / "out")])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and f"dlsuite {argv[0]} {argv[1]}:" in err
    assert not (tmp_path / "out").exists()


def test_good_numbers_parse():
    args = cli.build_parser().parse_args([*TEXT, "--epochs", "3", "--lr", "0.5", "--min-accuracy", "0"])
    assert (args.epochs, args.lr, args.min_accuracy, args.no_baseline) == (3, 0.5, 0.0, False)


def test_autoencoder_flags_parse():
    args = cli.build_parser().parse_args([*AUTOENCODER, "--model", "vae", "--normal-classes", "5,7,9"])
    assert (args.model, args.normal_classes, args.min_elbo, args.latent_dim) == (
        "vae",
        (5, 7, 9),
        -300.0,
        None,
    )


def test_flags_wrong_together_are_one_line_and_exit_2(capsys, tmp_path):
    argv = [*AUTOENCODER, "--model", "swwae", "--latent-dim", "8", "--output-dir", str(tmp_path / "out")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert (
        err.count("\n") == 1
        and "dlsuite run autoencoder: --latent-dim does not apply to --model swwae" in err
    )
    assert not (tmp_path / "out").exists()


def test_through_the_cli_a_bad_flag_is_one_line_and_exit_2(tmp_path):
    result = run_cli(*TEXT, "--epochs", "0", "--output-dir", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "dlsuite run text_classification: argument --epochs: must be at least 1, got '0' "
        "(see dlsuite run text_classification --help)"
    ]
