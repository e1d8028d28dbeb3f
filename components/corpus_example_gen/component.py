"""CorpusExampleGen: plain-text files -> tf.Examples of character windows; eval = the end of the text."""

import os

from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, component_spec, standard_artifacts

from components.corpus_example_gen import executor

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "schema.pbtxt")  # the curated schema of its examples


class CorpusExampleGenSpec(component_spec.ComponentSpec):
    PARAMETERS = {
        "input_base": component_spec.ExecutionParameter(type=str),
        "window": component_spec.ExecutionParameter(type=int),
        "eval_fraction": component_spec.ExecutionParameter(type=float),
    }
    INPUTS = {}
    OUTPUTS = {"examples": component_spec.ChannelParameter(type=standard_artifacts.Examples)}


class CorpusExampleGen(base_beam_component.BaseBeamComponent):
    """Reads a text corpus (a file, a folder, or comma-separated paths) into `train` and `eval` splits.

    Each tf.Example is one window: `text` (window + 1 characters, UTF-8), `document` (the file's
    path relative to the corpus) and `position` (the window's first character in that file). The eval
    split is the last `eval_fraction` of the text, not windows drawn from the middle, so the evaluation
    measures text the model has not seen any of. Windows never span two files. An empty or binary file,
    or a corpus too short for one window per split, stops the component with a message saying what to
    do. The artifact gets `train_characters`, `eval_characters` (and `_windows`) custom properties.

    Example:

    ```python
    example_gen = CorpusExampleGen(input_base="data/moby_dick.txt", window=128)
    ```
    """

    SPEC_CLASS = CorpusExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, input_base, window=128, eval_fraction=0.1):
        if int(window) < 1:
            raise ValueError(f"window must be a positive number of characters, got {window}.")
        if not 0.0 < eval_fraction < 1.0:
            raise ValueError(f"eval_fraction must be between 0 and 1, got {eval_fraction}.")
        super().__init__(
            spec=CorpusExampleGenSpec(
                input_base=input_base,
                window=int(window),
                eval_fraction=float(eval_fraction),
                examples=channel.Channel(type=standard_artifacts.Examples),
            )
        )
