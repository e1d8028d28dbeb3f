"""`dlsuite run text_classification`'s --data, --format and --model flags (no pipeline runs here)."""

import argparse

import pytest

from pipelines.text_classification import configs, entry
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tools import cli


def _parse(*argv):
    parser = argparse.ArgumentParser()
    entry.add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def test_fixture_layout_is_detected_and_defaults_are_fasttexts():
    args = _parse("--data", FIXTURES / "ag_news_small")
    entry.check_data(args.data)
    entry.check_args(args)
    config = entry.train_config(args)
    assert args.format == "auto" and args.model == "fasttext" and config == configs.TrainConfig()
    assert (config.dim, config.word_ngrams, config.lr, config.loss, config.epochs) == (
        10,
        2,
        0.25,
        "softmax",
        5,
    )
    assert (config.optimizer, config.batch_size) == ("sgd", 256)


def test_flags_not_given_take_the_lstms_defaults():
    args = _parse("--data", FIXTURES / "ag_news_small", "--model", "lstm")
    entry.check_args(args)
    config = entry.train_config(args)
    assert config.model == "lstm"
    assert (config.dim, config.epochs, config.batch_size, config.optimizer, config.lr) == (
        100,
        4,
        64,
        "adam",
        0.002,
    )
    assert (config.units, config.bidirectional, config.max_length, config.dropout) == (64, True, 64, 0.5)
    assert config.mixed_precision == "auto" and config.top_k == 3


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ("--epochs", 3, "--lr", 0.5, "--word-ngrams", 1),
            {"epochs": 3, "lr": 0.5, "word_ngrams": 1, "dim": 10},
        ),
        (
            (
                "--model",
                "lstm",
                "--epochs",
                2,
                "--dim",
                16,
                "--no-bidirectional",
                "--units",
                8,
                "--dropout",
                0,
            ),
            {"epochs": 2, "dim": 16, "bidirectional": False, "units": 8, "dropout": 0.0, "batch_size": 64},
        ),
        (
            ("--model", "lstm", "--optimizer", "sgd", "--max-length", 32),
            {"optimizer": "sgd", "max_length": 32},
        ),
    ],
    ids=["fasttext", "lstm", "lstm-sgd"],
)
def test_given_flags_win_over_the_models_defaults(argv, expected):
    args = _parse(*argv)
    entry.check_args(args)
    config = entry.train_config(args)
    assert {key: getattr(config, key) for key in expected} == expected


@pytest.mark.parametrize(
    "argv, expected",
    [
        (("--model", "lstm", "--word-ngrams", 2), "--word-ngrams applies to --model fasttext only"),
        (
            ("--model", "lstm", "--buckets", 9, "--loss", "hs"),
            "--buckets, --loss applies to --model fasttext",
        ),
        (
            (
                "--units",
                8,
            ),
            "--units applies to --model lstm only; leave it out with --model fasttext",
        ),
        (("--no-bidirectional",), "--bidirectional applies to --model lstm only"),
        (
            ("--mixed-precision", "float16"),
            "--mixed-precision applies to --model lstm, kimcnn or charcnn only; "
            "leave it out with --model fasttext",
        ),
        (("--model", "lstm", "--dropout", 1), "--dropout must be below 1"),
        (
            ("--model", "naive_bayes", "--epochs", 2, "--lr", 0.1, "--alpha", 0.5),
            "--epochs, --lr applies to --model fasttext, lstm, kimcnn or charcnn only; leave it out with "
            "--model naive_bayes",
        ),
        (
            ("--model", "charcnn", "--dim", 8, "--kim-variant", "static"),
            "--dim applies to --model fasttext, lstm or kimcnn only; "
            "--kim-variant applies to --model kimcnn only",
        ),
        (
            ("--model", "charcnn", "--max-length", 122),
            "--max-length must be at least 123 for --model charcnn",
        ),
        (("--model", "kimcnn", "--max-length", 4), "--max-length must be at least 5 for --model kimcnn"),
        (("--alpha", 0.5), "--alpha applies to --model naive_bayes only; leave it out with --model fasttext"),
        (("--model", "kimcnn", "--word-vectors", "v.txt"), "--kim-variant rand does not use"),
        (
            ("--model", "kimcnn", "--kim-variant", "static", "--word-vectors", "missing.txt"),
            "--word-vectors missing.txt: cannot read it",
        ),
    ],
)
def test_flags_of_the_other_model_are_usage_errors(argv, expected, capsys, tmp_path):
    with pytest.raises(ValueError, match=expected):
        entry.check_args(_parse(*argv))
    argv = ["run", "text_classification", "--data", str(FIXTURES / "ag_news_small"), *map(str, argv)]
    assert cli.main([*argv, "--output-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("dlsuite run text_classification: ")
    assert not (tmp_path / "out").exists()


def test_help_names_each_models_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "text_classification", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "--model {fasttext,lstm,kimcnn,charcnn,naive_bayes}" in out
    assert "default 5 (fasttext), 4 (lstm), 6 (kimcnn), 10 (charcnn)" in out
    assert "(--model lstm only; default 64)" in out and "(--model naive_bayes only; default 1.0)" in out
    assert "(--model lstm, kimcnn or charcnn only; default 64 (lstm), 64 (kimcnn), 1014 (charcnn))" in out
    assert "--kim-variant {rand,static,non-static,multichannel}" in out and "--char-size {small,large}" in out


@pytest.mark.parametrize(
    "argv, expected",
    [
        (
            ("--model", "kimcnn"),
            {"kim_variant": "rand", "dim": 300, "max_length": 64, "dropout": 0.5, "word_vectors": None},
        ),
        (
            ("--model", "charcnn"),
            {"char_size": "small", "max_length": 1014, "batch_size": 128, "optimizer": "adam", "epochs": 10},
        ),
        (
            ("--model", "charcnn", "--char-size", "large", "--max-length", 512),
            {"char_size": "large", "max_length": 512},
        ),
        (("--model", "naive_bayes"), {"alpha": 1.0, "epochs": 1}),
        (("--model", "naive_bayes", "--alpha", 0.1), {"alpha": 0.1}),
    ],
    ids=["kimcnn", "charcnn", "charcnn-large", "naive_bayes", "naive_bayes-alpha"],
)
def test_the_new_models_defaults_and_flags(argv, expected):
    args = _parse("--data", FIXTURES / "ag_news_small", *argv)
    entry.check_args(args)
    config = entry.train_config(args)
    assert config.model == args.model and {key: getattr(config, key) for key in expected} == expected


def test_word_vectors_flag_takes_a_word2vec_file_as_an_absolute_path(tmp_path, monkeypatch):
    (tmp_path / "vectors.txt").write_text("2 3\nthe 0.1 0.2 0.3\ncat 1 2 3\n")
    (tmp_path / "words.txt").write_text("the cat sat\non the mat\n")
    monkeypatch.chdir(tmp_path)
    args = _parse("--model", "kimcnn", "--kim-variant", "multichannel", "--word-vectors", "vectors.txt")
    entry.check_args(args)
    config = entry.train_config(args)
    assert config.kim_variant == "multichannel" and config.word_vectors == str(tmp_path / "vectors.txt")
    args = _parse("--model", "kimcnn", "--kim-variant", "static", "--word-vectors", "words.txt")
    with pytest.raises(ValueError, match="--word-vectors words.txt: expected a word2vec text file"):
        entry.check_args(args)


@pytest.mark.parametrize(
    "make_data, expected",
    [
        (lambda tmp: tmp / "does-not-exist", "no such folder"),
        (lambda tmp: tmp, "no train or eval file"),
        (
            lambda tmp: [(tmp / n).write_text("id,body\n1,hi\n") for n in ("train.csv", "dev.csv")] and tmp,
            "cannot tell its layout",
        ),
        (
            lambda tmp: (
                (tmp / "train.csv").write_text("label,text\nham,hello\nspam,win\n")
                and (tmp / "dev.csv").write_text("label,text\n")
                and tmp
            ),
            "dev.csv holds no records; the eval split needs some",
        ),
    ],
    ids=["missing", "empty", "unknown-layout", "empty-eval-split"],
)
def test_bad_data_is_a_data_error_that_says_what_to_do(tmp_path, make_data, expected):
    args = _parse("--data", make_data(tmp_path))
    with pytest.raises(entry.DataError, match=expected) as error:
        entry.check_data(args.data)
    assert "--format" in str(error.value) and "label,text header" in str(error.value)


def test_a_named_format_skips_detection(tmp_path):
    for name in ("train.csv", "dev.csv"):
        (tmp_path / name).write_text("id,body\n1,hi\n")
    args = _parse("--data", tmp_path, "--format", "fasttext")
    entry.check_data(args.data)  # the layout is the user's call; TextExampleGen reports bad rows
    args = _parse("--data", tmp_path, "--format", "label_text")
    with pytest.raises(entry.DataError, match="expected a header naming `label` and `text` columns"):
        entry.check_data(args.data)
    _parse("--data", tmp_path)  # and the next parse starts from auto again
    with pytest.raises(entry.DataError, match="cannot tell its layout"):
        entry.check_data(str(tmp_path))


def test_cli_bad_data_is_one_line_exit_2_no_traceback(tmp_path):
    result = run_cli("run", "text_classification", "--data", tmp_path, "--output-dir", tmp_path / "out")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlsuite: --data") and "no train or eval file" in lines[0]
    assert not (tmp_path / "out").exists()
