"""CooccurrenceGen: raw text Examples + Transform's vocabulary -> GloVe's co-occurrence matrix as Examples."""

from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, component_spec, standard_artifacts

from components.cooccurrence_gen import executor


class CooccurrenceGenSpec(component_spec.ComponentSpec):
    PARAMETERS = {
        "text_key": component_spec.ExecutionParameter(type=str),
        "vocabulary_name": component_spec.ExecutionParameter(type=str),
        "window": component_spec.ExecutionParameter(type=int),
        "symmetric": component_spec.ExecutionParameter(type=int),
        "min_count": component_spec.ExecutionParameter(type=int),
        "lowercase": component_spec.ExecutionParameter(type=int),
        "splits": component_spec.ExecutionParameter(type=list[str]),
    }
    INPUTS = {
        executor.EXAMPLES_KEY: component_spec.ChannelParameter(type=standard_artifacts.Examples),
        executor.TRANSFORM_GRAPH_KEY: component_spec.ChannelParameter(type=standard_artifacts.TransformGraph),
    }
    OUTPUTS = {executor.OUTPUT_KEY: component_spec.ChannelParameter(type=standard_artifacts.Examples)}


class CooccurrenceGen(base_beam_component.BaseBeamComponent):
    """GloVe's weighted co-occurrence counts of raw texts, computed as a Beam aggregation.

    Each text (feature `text_key` of the `splits` of `examples`) is tokenized as
    `keras_models.text.word_vectors.corpus_tokens` does; words outside
    Transform's vocabulary `vocabulary_name` (those seen fewer than `min_count`
    times, when it stores frequencies) are dropped before windowing, as GloVe's
    `cooccur.c` drops them; each pair `d <= window` apart in one text adds `1 / d`
    to `X[left, right]` (and `X[right, left]` when `symmetric`). The sums are a
    `CombinePerKey` on `row * V + col`, so they shard across Beam workers; the
    pipeline's `--beam-args` choose the runner.

    Output `cooccurrence`: an Examples artifact whose `train` split holds one
    gzipped tf.Example per nonzero (int64 `row`, int64 `col`, float `count`), for
    the Trainer; `vocabulary.txt` (the words the ids index) and
    `cooccurrence.json` (`vocabulary_size`, `nonzeros`, `total_weight`, options)
    beside it (`executor.read_cooccurrence`, `read_vocabulary_file`, `read_stats`).

    Example:

    ```python
    cooccurrence_gen = CooccurrenceGen(
        examples=example_gen.outputs["examples"],
        transform_graph=transform.outputs["transform_graph"],
        vocabulary_name="words",
        window=10,
        min_count=5,
    )
    trainer = Trainer(examples=cooccurrence_gen.outputs["cooccurrence"], ...)
    ```
    """

    SPEC_CLASS = CooccurrenceGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        examples,
        transform_graph,
        text_key="text",
        vocabulary_name="words",
        window=10,
        symmetric=True,
        min_count=1,
        splits=("train",),
        lowercase=True,
    ):
        if int(window) < 1:
            raise ValueError(f"window must be at least 1, got {window}.")
        if int(min_count) < 1:
            raise ValueError(f"min_count must be at least 1, got {min_count}.")
        splits = [splits] if isinstance(splits, str) else [str(s) for s in splits]
        if not splits:
            raise ValueError("splits must name at least one split of the examples.")
        super().__init__(
            spec=CooccurrenceGenSpec(
                examples=examples,
                transform_graph=transform_graph,
                text_key=str(text_key),
                vocabulary_name=str(vocabulary_name),
                window=int(window),
                symmetric=int(bool(symmetric)),
                min_count=int(min_count),
                lowercase=int(bool(lowercase)),
                splits=splits,
                cooccurrence=channel.Channel(type=standard_artifacts.Examples),
            )
        )
