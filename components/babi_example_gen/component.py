"""BabiExampleGen: a folder of bAbI-format files -> tf.Examples of questions, train and eval splits."""

import os

from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, component_spec, standard_artifacts

from components.babi_example_gen import executor

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "schema.pbtxt")  # the curated schema of its examples


class BabiExampleGenSpec(component_spec.ComponentSpec):
    PARAMETERS = {
        "input_base": component_spec.ExecutionParameter(type=str),
        "tasks": component_spec.ExecutionParameter(type=str),
    }
    INPUTS = {}
    OUTPUTS = {"examples": component_spec.ChannelParameter(type=standard_artifacts.Examples)}


class BabiExampleGen(base_beam_component.BaseBeamComponent):
    """Reads bAbI v1.2-format files (`qa{N}_{task}_{train|test}.txt`) through Beam, one file per work item.

    Each tf.Example is one question with the statements before it: `story` (bytes list), `question`,
    `answer`, `task` (from the file name) and `supporting` (0-based indices into `story`). The train
    files make the `train` split, the test files the `eval` split. A malformed line stops the component
    with `keras_models.memory.babi.BabiFormatError`, which names the file and the line.

    Example:

    ```python
    example_gen = BabiExampleGen(input_base="data/babi/en", tasks=[1, 2, 3])
    ```
    """

    SPEC_CLASS = BabiExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, input_base, tasks=()):
        super().__init__(
            spec=BabiExampleGenSpec(
                input_base=input_base,
                tasks=",".join(str(int(task)) for task in tasks),
                examples=channel.Channel(type=standard_artifacts.Examples),
            )
        )
