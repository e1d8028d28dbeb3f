"""`dlsuite run embeddings`' flags, per-trainMode defaults and data checks (no pipeline runs here), and
RankingEvaluator's reference rankings."""

import argparse

import numpy as np
import pytest

from components.ranking_evaluator import references
from keras_models.text import ranking
from keras_models.text.fasttext_preprocessor import normalize
from keras_models.text.starspace_data import ranking_protocol
from pipelines.embeddings import configs, entry
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES

AG_SMALL = FIXTURES / "ag_news_small"


def _parse(*argv):
    parser = argparse.ArgumentParser()
    entry.add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def test_flags_not_given_take_starspaces_defaults_or_the_train_modes():
    args = _parse("--data", AG_SMALL)
    entry.check_args(args)
    # StarSpace's defaults, but a softmax over the labels for classification (measured better on AG News).
    assert (
        entry.train_config(args) == configs.TrainConfig(loss="softmax") and entry.data_format(args) == "auto"
    )
    assert (
        configs.TrainConfig().loss == "hinge"
        and entry.train_config(_parse("--loss", "hinge")).loss == "hinge"
    )
    config = entry.train_config(_parse("--train-mode", 1, "--epochs", 3))  # --epoch, as StarSpace's
    assert (config.train_mode, config.loss, config.similarity, config.epoch) == (1, "softmax", "dot", 3)
    assert entry.data_format(_parse("--train-mode", 3)) == "lines"
    assert entry.data_format(_parse("--train-mode", 3, "--format", "ag_news")) == "ag_news"


def test_a_train_mode_without_its_data_is_refused_before_any_work(tmp_path):
    with pytest.raises(entry.DataError, match="--train-mode 0 needs labels"):
        entry.check_args(_parse("--data", AG_SMALL, "--format", "lines"))
    (tmp_path / "train.txt").write_text("a b c\n")
    (tmp_path / "dev.txt").write_text("\n\n")
    with pytest.raises(entry.DataError, match="dev.txt holds no usable records"):
        entry.check_args(_parse("--data", tmp_path, "--train-mode", 1))
    with pytest.raises(ValueError, match="leave --ngrams at 1"):
        entry.check_args(_parse("--train-mode", 5, "--ngrams", 2))


def test_usage_errors_are_one_line_and_exit_2():
    result = run_cli("run", "embeddings", "--data", AG_SMALL, "--train-mode", 1, "--ngrams", 2)
    assert result.returncode == 2 and "leave --ngrams at 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    with pytest.raises(entry.DataError, match="embeddings needs --data DIR"):
        entry.check_data(None)


def test_references_rank_by_the_label_prior_popularity_and_tf_idf():
    train = ["u v w", "v w", "w"]
    queries, candidates, truth, exclude = ranking_protocol(["u w", "v u"], None, 1)
    scores = references.scores(1, queries, candidates, train, None, normalize)
    assert candidates == ["u", "v", "w"] and scores[0].tolist() == [1, 2, 3]  # train counts
    np.testing.assert_array_equal(ranking.ranks(scores, truth, exclude), [1, 2])  # u excluded in query 0
    prior = references.scores(
        0, ["t1", "t2"], ["__label__a", "__label__b"], ["x"] * 3, ["b", "a", "b"], normalize
    )
    assert prior.tolist() == [[1, 2], [1, 2]]
    lexical = references.scores(
        3, ["red apple", "blue sky"], ["a blue sky today", "red apple pie"], [], None, None
    )
    assert lexical.argmax(axis=1).tolist() == [1, 0] and np.all((lexical >= 0) & (lexical <= 1 + 1e-9))
