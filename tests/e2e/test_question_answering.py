"""The question-answering pipeline end to end on two small generated bAbI tasks (1 and 4): MemN2N trained on
both jointly, judged per task, pushed, and asked over REST and gRPC for an answer and the attention of
each hop. Marked slow: MemN2N on the 20 generated 1k tasks at the default bar."""

import json
import pathlib

import numpy as np
import pytest
import requests

from keras_models.memory import babi
from serving.grpc_client import GrpcClient
from tests.cli_runner import run_cli
from tests.mlmd_checks import assert_all_executed, latest_nodes
from tests.serving_helpers import ServerProcess

pytestmark = pytest.mark.e2e

TASKS = {1: (500, 200), 4: (500, 200)}  # task: (train, test) questions
COMPONENTS = {
    "BabiExampleGen",
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
STORY = ["Mary moved to the bathroom.", "John went to the hallway.", "Mary travelled to the office."]


def _write_tasks(folder):
    folder.mkdir()
    for task, counts in TASKS.items():
        for split, count, seed in zip(("train", "test"), counts, (0, 1)):
            babi.write(babi.generate(task, count, seed), folder / f"qa{task}_{babi.TASKS[task]}_{split}.txt")
    return folder


@pytest.fixture(scope="module")
def qa_run(tmp_path_factory):
    data = _write_tasks(tmp_path_factory.mktemp("babi") / "tasks")
    output_dir = tmp_path_factory.mktemp("memn2n")
    result = run_cli(
        "run", "question_answering", "--data", data, "--embedding-dim", 20, "--epochs", 25,
        "--max-error", 0.2, "--output-dir", output_dir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return output_dir, result, json.loads((output_dir / "summary.json").read_text())


def test_memn2n_is_judged_per_task_and_pushed(qa_run):
    output_dir, result, summary = qa_run
    assert_all_executed(output_dir, "question_answering", COMPONENTS)
    assert summary["model"] == "memn2n" and summary["blessed"] is True
    metrics = summary["metrics"]
    # Chance: 5/6 wrong (six places) on both tasks.
    assert metrics["error/task=1"] < 0.2 and metrics["error/task=4"] < 0.2, metrics
    assert metrics["mean_error"] == pytest.approx((metrics["error/task=1"] + metrics["error/task=4"]) / 2)
    assert metrics["questions"] == 400 and metrics["supporting_fact_hits"] > 0.5, metrics
    evaluation = pathlib.Path(
        latest_nodes(output_dir, "question_answering")["Evaluator"][1]["evaluation"][0].uri
    )
    for plot in ("error_by_task.png", "attention.png"):
        assert (evaluation / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    pushed = pathlib.Path(summary["pushed_model"])
    assert pushed.parent == output_dir / "serving" / "memn2n" and (pushed / "saved_model.pb").exists()
    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .startswith("question_answering: memn2n on tasks -- mean_error ")
    )


def test_answer_with_attention_over_rest_and_grpc(qa_run, tmp_path):
    pushed = pathlib.Path(qa_run[2]["pushed_model"])
    server = ServerProcess(
        "--model-name", "qa", "--model-base-path", pushed.parent, log_path=tmp_path / "s.log"
    )
    try:
        url = f"{server.rest_url}/v1/models/qa:predict"

        def rest(inputs):
            return requests.post(url, json={"signature_name": "answer", "inputs": inputs}, timeout=60)

        outputs = rest({"story": [STORY], "question": ["Where is Mary?"]}).json()["outputs"]
        assert outputs["answer"] == ["office"], outputs
        attention = np.asarray(outputs["attention"])
        assert attention.shape == (1, 3, 3) and np.allclose(attention.sum(-1), 1.0, atol=1e-4)
        assert attention[0, :, 2].max() > 0.5  # some hop reads "Mary travelled to the office."
        grpc = GrpcClient(server.grpc_target)
        _, answered = grpc.predict_arrays(
            "qa",
            {
                "story": np.array([STORY, STORY[:2] + [""]], dtype=object),
                "question": np.array(["Where is Mary?"] * 2, dtype=object),
            },
            signature_name="answer",
        )
        assert [a.decode() for a in answered["answer"]] == ["office", "bathroom"]
        assert answered["attention"][1, :, 2].max() == 0.0  # "" is no sentence
        grpc.close()
        bad = rest({"story": ["not a list of sentences per question"], "question": ["Where is Mary?"]})
        assert bad.status_code == 400 and "error" in bad.json()
        assert rest({"story": [STORY], "question": ["Where is John?"]}).status_code == 200  # still serving
    finally:
        server.stop()


def test_a_malformed_file_stops_the_run_naming_the_line(tmp_path):
    data = _write_tasks(tmp_path / "tasks")
    path = data / f"qa1_{babi.TASKS[1]}_test.txt"
    lines = path.read_text().splitlines()
    lines[2] = "three Mary went to the kitchen."  # no line id
    path.write_text("\n".join(lines) + "\n")
    result = run_cli("run", "question_answering", "--data", data, "--output-dir", tmp_path / "run")
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert f"{path.name}:3" in last, last
    assert not (tmp_path / "run" / "serving").exists()


@pytest.mark.slow
def test_memn2n_on_the_twenty_generated_1k_tasks(tmp_path):
    data = tmp_path / "babi"
    babi.write_dataset(data, size="1k")
    output_dir = tmp_path / "run"
    result = run_cli("run", "question_answering", "--data", data, "--output-dir", output_dir)
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((output_dir / "summary.json").read_text())
    assert summary["blessed"] is True and summary["metrics"]["tasks"] == len(babi.IMPLEMENTED)
