"""CooccurrenceGen: the Beam aggregation equals the direct count exactly; the executor end to end."""

import json
import os

import apache_beam as beam
import numpy as np
import pytest
import tensorflow as tf
from apache_beam.options.pipeline_options import PipelineOptions
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils, channel, standard_artifacts

from components.cooccurrence_gen import beam as cooccurrence_beam
from components.cooccurrence_gen import executor
from components.cooccurrence_gen.component import CooccurrenceGen
from keras_models.text import cooccurrence
from keras_models.text.word_vectors import corpus_tokens

BEAM_ARGS = ["--direct_running_mode=in_memory", "--direct_num_workers=1"]
VOCABULARY = ["the", "whale", "ship", "sea", ",", ".", "ahab", "white"]
TEXTS = [
    "The white whale, the WHITE whale!",  # `!` is not in the vocabulary: dropped, no position
    "Ahab zzz sailed the sea . zzz zzz ship",  # OOV words between: the distances shrink
    "ship sea the whale ship sea the whale ship sea the whale ship",  # longer than any window
    "whale",  # one word: no pair
    "",  # no word
    "unknown words only here",
    "sea sea sea",  # a word with itself
] * 2


def naive_counts(token_lists, vocabulary, window, symmetric):
    """The definition, one pair at a time: {(row, col): float count}."""
    index = {word: i for i, word in enumerate(vocabulary)}
    counts = {}
    for tokens in token_lists:
        ids = [index[t] for t in tokens if t in index]
        for at, right in enumerate(ids):
            for left_at in range(max(0, at - window), at):
                left, weight = ids[left_at], 1.0 / (at - left_at)
                counts[left, right] = counts.get((left, right), 0.0) + weight
                if symmetric:
                    counts[right, left] = counts.get((right, left), 0.0) + weight
    return counts


def direct(texts, window, symmetric, vocabulary=VOCABULARY):
    rows, cols, counts = cooccurrence.cooccurrence_counts(corpus_tokens(texts), vocabulary, window, symmetric)
    return {(r, c): x for r, c, x in zip(rows.tolist(), cols.tolist(), counts.tolist())}


def beam_counts(tmp_path, texts, window, symmetric, vocabulary=VOCABULARY, max_batch=3):
    """{(row, col): float count} of the Beam transform on the DirectRunner."""
    out = str(tmp_path / "pairs")
    with beam.Pipeline(options=PipelineOptions(BEAM_ARGS)) as pipeline:
        _ = (
            pipeline
            | beam.Create([t.encode("utf-8") for t in texts])
            | cooccurrence_beam.Cooccurrences(vocabulary, window, symmetric, max_batch=max_batch)
            | beam.Map(json.dumps)
            | beam.io.WriteToText(out, shard_name_template="")
        )
    with open(out) as lines:
        got = [json.loads(line) for line in lines]
    assert len({key for key, _ in got}) == len(got)  # one record per key
    size = len(vocabulary)
    return {divmod(key, size): float(cooccurrence.weights([numerator], window)[0]) for key, numerator in got}


def test_a_hand_counted_example():
    tokens = [["a", "x", "b", "c", "a"]]  # x is dropped: a b c a
    rows, cols, counts = cooccurrence.cooccurrence_counts(tokens, ["a", "b", "c"], window=2, symmetric=False)
    got = dict(zip(zip(rows.tolist(), cols.tolist()), counts.tolist()))
    # a-b 1, a-c 1/2, b-c 1, b-a 1/2, c-a 1; distance 3 (a..a) is past the window.
    assert got == {(0, 1): 1.0, (0, 2): 0.5, (1, 2): 1.0, (1, 0): 0.5, (2, 0): 1.0}
    rows, _, counts = cooccurrence.cooccurrence_counts(tokens, ["a", "b", "c"], window=3, symmetric=False)
    assert dict(zip(zip(rows.tolist(), _.tolist()), counts.tolist()))[0, 0] == pytest.approx(1 / 3)


@pytest.mark.parametrize("window", [1, 2, 5, 45])  # 45: numerators past int64, Python ints
@pytest.mark.parametrize("symmetric", [True, False])
def test_the_direct_count_follows_the_definition(window, symmetric):
    tokens = corpus_tokens(TEXTS)
    got = direct(TEXTS, window, symmetric)
    want = naive_counts(tokens, VOCABULARY, window, symmetric)
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=1e-12)
    rows, cols, _ = cooccurrence.cooccurrence_counts(tokens, VOCABULARY, window, symmetric)
    assert np.all(np.diff(rows * len(VOCABULARY) + cols) > 0)  # sorted by (row, col), unique


def test_chunked_direct_count_equals_one_pass():
    tokens = corpus_tokens(TEXTS * 5)
    one = cooccurrence.cooccurrence_counts(tokens, VOCABULARY, 4, True)
    chunked = cooccurrence.cooccurrence_counts(tokens, VOCABULARY, 4, True, chunk_tokens=7)
    for a, b in zip(one, chunked):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(("window", "symmetric"), [(2, True), (2, False), (7, True), (10, False)])
def test_the_beam_aggregation_equals_the_direct_count_exactly(tmp_path, window, symmetric):
    want = direct(TEXTS, window, symmetric)
    got = beam_counts(tmp_path, TEXTS, window, symmetric)
    assert got.keys() == want.keys()
    assert got == want  # bit-identical floats, whatever the batches
    # The window's edge: `ship ... ship` at distance 4 counts only when window >= 4.
    ship, sea, ahab, the = (VOCABULARY.index(w) for w in ("ship", "sea", "ahab", "the"))
    assert ((ship, ship) in got) == (window >= 4)
    assert ((sea, ahab) in got) == symmetric  # sea never precedes ahab
    # OOV dropping: in "Ahab zzz sailed the sea", ahab and the are adjacent once zzz, sailed are gone.
    assert got[ahab, the] == 2.0  # distance 1, in both copies of the text


def _write_examples(uri, split, texts, key="text"):
    path = os.path.join(uri, f"Split-{split}")
    os.makedirs(path)
    options = tf.io.TFRecordOptions(compression_type="GZIP")
    with tf.io.TFRecordWriter(os.path.join(path, "data_tfrecord-00000-of-00001.gz"), options) as w:
        for text in texts:
            feature = tf.train.Feature(bytes_list=tf.train.BytesList(value=[text.encode("utf-8")]))
            w.write(tf.train.Example(features=tf.train.Features(feature={key: feature})).SerializeToString())


def _artifacts(tmp_path, vocabulary_lines):
    examples = standard_artifacts.Examples()
    examples.uri = str(tmp_path / "examples")
    examples.split_names = artifact_utils.encode_split_names(["train", "eval"])
    _write_examples(examples.uri, "train", TEXTS)
    _write_examples(examples.uri, "eval", ["the whale"])
    transform_graph = standard_artifacts.TransformGraph()
    transform_graph.uri = str(tmp_path / "transform")
    assets = tmp_path / "transform" / "transform_fn" / "assets"
    assets.mkdir(parents=True)
    (assets / "words").write_text("".join(line + "\n" for line in vocabulary_lines))
    output = standard_artifacts.Examples()
    output.uri = str(tmp_path / "cooccurrence")
    return examples, transform_graph, output


def _run(tmp_path, vocabulary_lines, **kwargs):
    examples, transform_graph, output = _artifacts(tmp_path, vocabulary_lines)
    component = CooccurrenceGen(
        examples=channel.Channel(type=standard_artifacts.Examples),
        transform_graph=channel.Channel(type=standard_artifacts.TransformGraph),
        **kwargs,
    )
    context = base_beam_executor.BaseBeamExecutor.Context(beam_pipeline_args=BEAM_ARGS)
    executor.Executor(context).Do(
        {"examples": [examples], "transform_graph": [transform_graph]},
        {"cooccurrence": [output]},
        dict(component.exec_properties),
    )
    return output


def test_the_executor_writes_examples_a_trainer_reads(tmp_path):
    # Transform's `store_frequency=True` layout, most frequent first; `white` and `,` fall below min_count.
    counts = {"the": 9, "whale": 8, "ship": 8, "sea": 7, ".": 2, "ahab": 2, "white": 1, ",": 1}
    output = _run(tmp_path, [f"{n} {w}" for w, n in counts.items()], window=3, min_count=2)
    kept = ["the", "whale", "ship", "sea", ".", "ahab"]
    assert executor.read_vocabulary_file(output.uri) == kept
    assert artifact_utils.decode_split_names(output.split_names) == ["train"]
    rows, cols, got = executor.read_cooccurrence(output.uri)
    want_rows, want_cols, want = cooccurrence.cooccurrence_counts(corpus_tokens(TEXTS), kept, 3, True)
    np.testing.assert_array_equal(rows, want_rows)
    np.testing.assert_array_equal(cols, want_cols)
    np.testing.assert_array_equal(got, want.astype(np.float32))  # the eval split is not read
    stats = json.loads((tmp_path / "cooccurrence" / "cooccurrence.json").read_text())
    assert stats["vocabulary_size"] == 6 and stats["nonzeros"] == len(want)
    assert stats["total_weight"] == pytest.approx(want.sum(), rel=1e-12)
    assert output.get_int_custom_property("nonzeros") == len(want)
    assert stats["window"] == 3 and stats["symmetric"] is True


def test_the_executor_reads_a_plain_vocabulary_and_several_splits(tmp_path):
    output = _run(tmp_path, VOCABULARY, window=2, symmetric=False, splits=["train", "eval"])
    rows, cols, got = executor.read_cooccurrence(output.uri)
    want = direct([*TEXTS, "the whale"], 2, False)
    assert dict(zip(zip(rows.tolist(), cols.tolist()), got.tolist())) == {
        k: float(np.float32(v)) for k, v in want.items()
    }


def test_vocabulary_layouts_and_bad_options():
    assert executor.parse_vocabulary([b"5 the", b"3 whale", b"1 ship"], min_count=3) == ["the", "whale"]
    assert executor.parse_vocabulary([b"-1 <pad>", b"2.5 the", b"0.5 whale"], min_count=2) == ["the"]
    assert executor.parse_vocabulary([b"the", b"12", b"whale"]) == ["the", "12", "whale"]
    with pytest.raises(ValueError, match="needs word counts"):
        executor.parse_vocabulary([b"the", b"whale"], min_count=2)
    inputs = {
        "examples": channel.Channel(type=standard_artifacts.Examples),
        "transform_graph": channel.Channel(type=standard_artifacts.TransformGraph),
    }
    with pytest.raises(ValueError, match="window must be at least 1"):
        CooccurrenceGen(**inputs, window=0)


def test_missing_text_feature_and_split_are_named(tmp_path):
    with pytest.raises(ValueError, match="no split 'test'"):
        _run(tmp_path / "a", VOCABULARY, splits=["test"])
    with pytest.raises(Exception, match="no feature 'body'"):
        _run(tmp_path / "b", VOCABULARY, text_key="body")
