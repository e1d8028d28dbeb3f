"""`dlsuite run word_embeddings`' flags, per-model defaults and data checks, and the pipeline's shape
per model (no pipeline runs here)."""

import argparse

import pytest

from pipelines.word_embeddings import configs, entry, pipeline
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES

AG_SMALL = FIXTURES / "ag_news_small"
MOBY_SMALL = FIXTURES / "moby_dick_small"


def _parse(*argv):
    parser = argparse.ArgumentParser()
    entry.add_arguments(parser)
    return parser.parse_args([str(a) for a in argv])


def test_defaults_are_gensims_and_glove_takes_its_papers_window_and_epochs():
    config = entry.train_config(_parse())
    assert config == configs.TrainConfig()
    assert (config.dim, config.window, config.negative, config.sample, config.min_count) == (
        100,
        5,
        5,
        1e-3,
        5,
    )
    glove = entry.train_config(_parse("--model", "glove", "--x-max", 50))
    assert (glove.window, glove.epochs, glove.x_max) == (10, 25, 50.0)
    assert entry.train_config(_parse("--model", "glove", "--window", 4)).window == 4


def test_a_file_or_a_plain_folder_is_a_text_corpus_and_train_dev_files_a_text_example_layout(tmp_path):
    assert entry.data_format(_parse("--data", MOBY_SMALL)) == "text"
    assert entry.data_format(_parse("--data", MOBY_SMALL / "moby_dick_30k.txt")) == "text"
    assert entry.data_format(_parse("--data", AG_SMALL)) == "auto"
    assert entry.data_format(_parse("--data", AG_SMALL, "--format", "ag_news")) == "ag_news"
    entry.check_args(_parse("--data", MOBY_SMALL))
    entry.check_args(_parse("--data", AG_SMALL))


def test_flags_of_another_model_and_unreadable_data_are_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="--x-max applies to --model glove, not word2vec"):
        entry.check_args(_parse("--x-max", 10))
    with pytest.raises(ValueError, match="--negative applies to --model word2vec and doc2vec, not glove"):
        entry.check_args(_parse("--model", "glove", "--negative", 3))
    with pytest.raises(ValueError, match="--loss ns needs --negative"):
        entry.check_args(_parse("--loss", "ns", "--negative", 0))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(entry.DataError, match="the file is empty"):
        entry.check_args(_parse("--data", empty))
    (tmp_path / "train.csv").write_text("1,a,b\n")
    (tmp_path / "dev.csv").write_text("\n")
    with pytest.raises(entry.DataError, match="holds no usable records"):
        entry.check_args(_parse("--data", tmp_path, "--format", "ag_news"))


def test_usage_errors_are_one_line_and_exit_2(tmp_path):
    result = run_cli("run", "word_embeddings", "--data", tmp_path / "missing.txt")
    assert result.returncode == 2 and "no such file or folder" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    with pytest.raises(entry.DataError, match="word_embeddings needs --data"):
        entry.check_data(None)


@pytest.mark.parametrize("model", configs.MODELS)
def test_glove_alone_counts_cooccurrences_in_beam_and_trains_on_them(tmp_path, model):
    built = pipeline.create_pipeline(
        pipeline_root=str(tmp_path / "root"),
        data_root=str(MOBY_SMALL),
        serving_model_dir=str(tmp_path / "serving"),
        metadata_path=str(tmp_path / "metadata.db"),
        data_config=configs.DataConfig(data_format="text"),
        train_config=configs.train_config(model),
    )
    ids = [component.id for component in built.components]
    assert ids[0] == "CorpusExampleGen" and ids[-3:] == ["Evaluator", "ServingInfraValidator", "Pusher"]
    assert ("CooccurrenceGen" in ids) == (model == "glove")
    trainer = next(component for component in built.components if component.id == "Trainer")
    examples = trainer.inputs["examples"].producer_component_id
    assert examples == ("CooccurrenceGen" if model == "glove" else "CorpusExampleGen")
