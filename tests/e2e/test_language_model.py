"""The language-model pipeline end to end on 30,000 characters of Moby-Dick: a small LSTM trained on
the first 90 %, judged in bits per character on the last 10 % beside a 5-gram model, pushed, re-run
against its own baseline, and served over REST and gRPC."""

import json
import pathlib
import shutil

import numpy as np
import pytest
import requests

from serving.grpc_client import GrpcClient
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES
from tests.mlmd_checks import assert_all_executed, latest_nodes
from tests.serving_helpers import ServerProcess

pytestmark = pytest.mark.e2e

CORPUS = FIXTURES / "moby_dick_small" / "moby_dick_30k.txt"
COMPONENTS = {
    "CorpusExampleGen",
    "ImportSchemaGen",
    "StatisticsGen",
    "ExampleValidator",
    "ValidationGate",
    "Transform",
    "Trainer",
    "latest_blessed_model_resolver",
    "Evaluator",
    "ServingInfraValidator",
    "Pusher",
}


def _run(output_dir, *extra):
    return run_cli(
        "run", "language_model", "--data", CORPUS, "--units", 64, "--epochs", 20, "--learning-rate", 0.01,
        "--max-bpc", 4.0, "--output-dir", output_dir, *extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def lstm_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("lstm")
    result = _run(output_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir, result, json.loads((output_dir / "summary.json").read_text())


def test_every_component_ran_and_the_model_was_pushed(lstm_run):
    output_dir, result, summary = lstm_run
    assert_all_executed(output_dir, "language_model", COMPONENTS)
    assert summary["model"] == "lstm" and summary["blessed"] is True
    pushed = pathlib.Path(summary["pushed_model"])
    assert pushed.parent == output_dir / "serving" / "lstm" and (pushed / "saved_model.pb").exists()
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("language_model: lstm on moby_dick_30k.txt -- bpc ") and "pushed" in last_line


def test_the_eval_split_is_the_end_of_the_text(lstm_run):
    output_dir, _, summary = lstm_run
    examples = latest_nodes(output_dir, "language_model")["CorpusExampleGen"][1]["examples"][0]
    text = CORPUS.read_text(encoding="utf-8")
    assert examples.custom_properties["eval_characters"].int_value == 3_000
    assert examples.custom_properties["train_characters"].int_value == len(text) - 3_000
    # Every eval character but the first of each scored piece is scored: one piece of 3,000.
    assert summary["metrics"]["eval_characters"] == 2_999


def test_the_model_beats_the_unigram_model_and_the_sample_is_text(lstm_run):
    output_dir, result, summary = lstm_run
    metrics = summary["metrics"]
    # A model that learned nothing scores log2(vocabulary) ~ 6.1 bits; character frequencies alone ~4.4.
    assert metrics["bpc"] < metrics["unigram_bpc"] - 0.3, metrics
    assert 1.0 < metrics["ngram_bpc"] < metrics["unigram_bpc"]
    assert summary["sample"].startswith("The ") and len(summary["sample"]) == 4 + 300
    line = f"LanguageModelEvaluator: sample (temperature 0.7, seed 0): {summary['sample']!r}"
    assert line in result.stdout and line in (output_dir / "pipeline.log").read_text(encoding="utf-8")


def test_a_second_run_is_judged_against_the_first(lstm_run, tmp_path):
    output_dir, _, first = lstm_run
    again = tmp_path / "again"
    shutil.copytree(output_dir, again, ignore=shutil.ignore_patterns(".lock*"))
    result = _run(again, "--epochs", "1")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((again / "summary.json").read_text())
    assert summary["metrics"]["baseline_bpc"] == pytest.approx(first["metrics"]["bpc"], rel=1e-4)
    worse = summary["metrics"]["bpc"] > first["metrics"]["bpc"]
    assert summary["blessed"] is not worse and (summary["pushed_model"] is None) is worse


def test_generate_and_score_over_rest_and_grpc(lstm_run, tmp_path):
    _, _, summary = lstm_run
    pushed = pathlib.Path(summary["pushed_model"])
    server = ServerProcess(
        "--model-name", "lm", "--model-base-path", pushed.parent, log_path=tmp_path / "s.log"
    )
    try:
        url = f"{server.rest_url}/v1/models/lm:predict"

        def rest(signature, inputs):
            response = requests.post(url, json={"signature_name": signature, "inputs": inputs}, timeout=60)
            assert response.status_code == 200, response.text
            return response.json()["outputs"]

        def generate(temperature, seed):
            inputs = {
                "prompt": ["Call me ", "The whale"],
                "length": 40,
                "temperature": temperature,
                "seed": seed,
            }
            return rest("generate", inputs)

        greedy = generate(0.0, 1)
        assert greedy == generate(0.0, 2) and all(len(text) == 40 for text in greedy)
        sampled = generate(1.0, 7)
        assert sampled == generate(1.0, 7) and sampled != generate(1.0, 8)

        grpc = GrpcClient(server.grpc_target)
        _, outputs = grpc.predict_arrays(
            "lm",
            {
                "prompt": np.array(["Call me ", "The whale"], dtype=object),
                "length": np.int32(40),
                "temperature": np.float32(0.0),
                "seed": np.int64(1),
            },
            signature_name="generate",
        )
        assert [t.decode("utf-8") for t in outputs["text"]] == greedy
        grpc.close()

        text = CORPUS.read_text(encoding="utf-8")[-3_000:]
        scored = rest("score", {"texts": [text, "x"]})
        assert scored["characters"] == [2_999, 0]
        assert scored["bits_per_character"][0] == pytest.approx(summary["metrics"]["bpc"], rel=1e-4)

        bad = requests.post(
            url, json={"signature_name": "generate", "inputs": {"prompt": ["a"], "length": -1,
                                                                 "temperature": 0.0, "seed": 0}}, timeout=60
        )  # fmt: skip
        assert bad.status_code == 400 and "length must be >= 0" in bad.json()["error"]
        assert rest("score", {"texts": ["still serving"]})["characters"] == [12]
    finally:
        server.stop()
