"""The word_embeddings pipeline end to end on the small fixtures: GloVe on a plain-text corpus (its
co-occurrence counts aggregated in Beam) and doc2vec on labelled AG News rows, each judged, pushed and
served over REST and gRPC. Marked slow: word2vec, GloVe and doc2vec on the full shared corpora at the
default blessing bars."""

import json
import pathlib

import numpy as np
import pytest
import requests

from serving.grpc_client import GrpcClient
from tests.cli_runner import run_cli
from tests.conftest import FIXTURES, SHARED_DATA
from tests.mlmd_checks import assert_all_executed, latest_nodes
from tests.serving_helpers import ServerProcess

pytestmark = pytest.mark.e2e

MOBY_SMALL = FIXTURES / "moby_dick_small"
AG_SMALL = FIXTURES / "ag_news_small"
PNG = b"\x89PNG\r\n\x1a\n"


def _run(output_dir, data, *flags):
    result = run_cli("run", "word_embeddings", "--data", data, "--output-dir", output_dir, *flags)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, json.loads((output_dir / "summary.json").read_text())


def _evaluation(output_dir):
    return pathlib.Path(latest_nodes(output_dir, "word_embeddings")["Evaluator"][1]["evaluation"][0].uri)


@pytest.fixture(scope="module")
def glove_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("glove")
    # 27k train characters hold 6 of WordSim353's pairs: the flow is what is tested here.
    flags = "--model glove --min-count 1 --dim 20 --epochs 10 --min-rho -1 --min-pairs 5".split()
    return (output_dir, *_run(output_dir, MOBY_SMALL, *flags))


@pytest.fixture(scope="module")
def doc2vec_run(tmp_path_factory):
    output_dir = tmp_path_factory.mktemp("doc2vec")
    flags = ("--model", "doc2vec", "--min-count", 1, "--dim", 32, "--epochs", 20, "--dbow-words")
    return (output_dir, *_run(output_dir, AG_SMALL, *flags, "--min-pairs", 1, "--min-document-mrr", 0.1))


def test_glove_trains_on_cooccurrences_counted_in_beam_and_is_pushed(glove_run):
    output_dir, result, summary = glove_run
    components = {
        "CorpusExampleGen",
        "StatisticsGen",
        "ImportSchemaGen",
        "ExampleValidator",
        "ValidationGate",
    }
    components |= {"Transform", "CooccurrenceGen", "Trainer", "Evaluator", "ServingInfraValidator", "Pusher"}
    assert_all_executed(output_dir, "word_embeddings", components | {"latest_blessed_model_resolver"})
    assert summary["model"] == "glove" and summary["blessed"] is True
    assert pathlib.Path(summary["pushed_model"]).parent == output_dir / "serving" / "glove"
    metrics = summary["metrics"]
    assert metrics["vocabulary_size"] > 1500 and metrics["wordsim353_pairs"] >= 5, metrics
    history = json.loads(pathlib.Path(summary["artifacts"]["history"]).read_text())["history"]
    assert len(history["loss"]) == 10 and history["loss"][-1] < history["loss"][0]
    assert (_evaluation(output_dir) / "tsne_words.png").read_bytes()[:8] == PNG
    assert (
        "word_embeddings: glove on moby_dick_small -- wordsim353_rho "
        in result.stdout.strip().splitlines()[-1]
    )


def test_doc2vec_finds_each_documents_second_half_from_its_first(doc2vec_run):
    output_dir, _, summary = doc2vec_run
    metrics = summary["metrics"]
    # 120 eval documents: chance MRR ~0.045 (random vectors); 400 short train documents give ~0.14.
    assert summary["blessed"] is True and metrics["document_queries"] == 120
    assert metrics["document_mrr"] >= 0.1, metrics
    assert (_evaluation(output_dir) / "tsne_documents.png").read_bytes()[:8] == PNG


def test_nearest_embed_and_embed_document_over_rest_and_grpc(glove_run, doc2vec_run, tmp_path):
    for (_, _, summary), name in ((glove_run, "glove"), (doc2vec_run, "doc2vec")):
        pushed = pathlib.Path(summary["pushed_model"])
        server = ServerProcess(
            "--model-name", name, "--model-base-path", pushed.parent, log_path=tmp_path / "s.log"
        )
        try:
            url = f"{server.rest_url}/v1/models/{name}:predict"
            rest = lambda signature, inputs, url=url: requests.post(  # noqa: E731
                url, json={"signature_name": signature, "inputs": inputs}, timeout=60
            )
            nearest = rest("nearest", {"words": ["the", "no-such-word"]}).json()["outputs"]
            assert len(nearest["neighbours"][0]) == 10 and "the" not in nearest["neighbours"][0]
            assert nearest["neighbours"][1] == [""] * 10 and nearest["similarities"][1] == [0.0] * 10
            grpc = GrpcClient(server.grpc_target)
            _, embedded = grpc.predict_arrays(
                name, {"words": np.array(["the", "no-such-word"], dtype=object)}, signature_name="embed"
            )
            assert embedded["known"].tolist() == [True, False] and not embedded["vectors"][1].any()
            grpc.close()
            if name == "doc2vec":
                texts = ["Stocks fall as oil prices climb", "Striker scores twice in cup final"]
                vectors = rest("embed_document", {"text": texts}).json()["outputs"]  # one output: no name
                assert np.asarray(vectors).shape == (2, 32)
            bad = rest("nearest", {"words": [[1, 2]]})
            assert bad.status_code == 400 and "error" in bad.json()
            assert rest("nearest", {"words": ["the"]}).status_code == 200  # still serving
        finally:
            server.stop()


def _corpus(folder):
    """The three shared corpora as one plain-text folder (the benchmark's corpus, as files)."""
    folder.mkdir()
    (folder / "moby_dick.txt").write_bytes((SHARED_DATA / "moby_dick" / "moby_dick.txt").read_bytes())
    for name in ("ag_news", "spamassassin"):
        for split in ("train", "dev"):
            (folder / f"{name}_{split}.txt").write_bytes((SHARED_DATA / name / f"{split}.csv").read_bytes())
    return folder


# model, flags: each blessed at the default bars on the full corpus (BENCHMARKS.md has the figures).
FULL_RUNS = {"word2vec": (), "glove": (), "doc2vec": ("--dbow-words",)}


@pytest.mark.slow
@pytest.mark.parametrize("model", FULL_RUNS)
def test_full_corpus(model, tmp_path):
    if not (SHARED_DATA / "moby_dick").is_dir():
        pytest.skip(f"no shared data at {SHARED_DATA}")
    output_dir = tmp_path / "run"
    _, summary = _run(output_dir, _corpus(tmp_path / "corpus"), "--model", model, *FULL_RUNS[model])
    assert summary["blessed"] is True, summary["metrics"]
    assert summary["metrics"]["wordsim353_coverage"] > 0.5, summary["metrics"]
