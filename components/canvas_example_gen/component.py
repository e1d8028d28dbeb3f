"""CanvasExampleGen: IDX items (Fashion-MNIST) composed onto canvases, with per-pixel class masks."""

import os

from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import channel, component_spec, standard_artifacts

from components.canvas_example_gen import executor

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "schema.pbtxt")  # the curated schema of its examples


class CanvasExampleGenSpec(component_spec.ComponentSpec):
    PARAMETERS = {
        "input_base": component_spec.ExecutionParameter(type=str),
        "seed": component_spec.ExecutionParameter(type=int),
        "train_canvases": component_spec.ExecutionParameter(type=int),
        "eval_canvases": component_spec.ExecutionParameter(type=int),
        "canvas_size": component_spec.ExecutionParameter(type=int),
    }
    INPUTS = {}
    OUTPUTS = {"examples": component_spec.ChannelParameter(type=standard_artifacts.Examples)}


class CanvasExampleGen(base_beam_component.BaseBeamComponent):
    """Composes `train_canvases` canvases from the `train-*` IDX pair and `eval_canvases` from `t10k-*`.

    Each tf.Example is one canvas: `image` (canvas_size x canvas_size raw uint8 pixels), `mask` (as
    many raw uint8 class ids: 0 background, Fashion-MNIST class + 1), `item_count` (2 to 4 items
    placed) and `index` (the canvas's number in its split). How a canvas is composed (positions,
    overlaps, the opacity threshold) is in `canvas.py`; canvas i of a split depends only on
    (seed, split, i), so every runner and worker count gives the same canvases. Missing, malformed or
    truncated IDX files stop the component with a message naming the file. The artifact gets
    `train_canvases` and `eval_canvases` custom properties.

    Example:

    ```python
    example_gen = CanvasExampleGen(input_base="/usr/share/datasets/fashion-mnist", seed=7)
    ```
    """

    SPEC_CLASS = CanvasExampleGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, input_base, seed=0, train_canvases=20_000, eval_canvases=2_000, canvas_size=64):
        for name, value in (("train_canvases", train_canvases), ("eval_canvases", eval_canvases)):
            if int(value) < 1:
                raise ValueError(f"{name} must be at least 1, got {value}.")
        if int(canvas_size) < 28:
            raise ValueError(f"canvas_size must be at least 28 (one Fashion-MNIST item), got {canvas_size}.")
        super().__init__(
            spec=CanvasExampleGenSpec(
                input_base=input_base,
                seed=int(seed),
                train_canvases=int(train_canvases),
                eval_canvases=int(eval_canvases),
                canvas_size=int(canvas_size),
                examples=channel.Channel(type=standard_artifacts.Examples),
            )
        )


def size_check(canvas_size):
    """TFDV custom validation: every canvas and mask has exactly canvas_size ** 2 bytes."""
    from google.protobuf import text_format
    from tensorflow_data_validation.anomalies.proto import custom_validation_config_pb2

    size = canvas_size * canvas_size
    checks = "".join(
        f"""
        feature_validations {{
          feature_path {{ step: "{key}" }}
          validations {{
            sql_expression:
              "feature.bytes_stats.min_num_bytes = {size} AND feature.bytes_stats.max_num_bytes = {size}"
            severity: ERROR
            description: "{key} must be {canvas_size}x{canvas_size} ({size} bytes)"
          }}
        }}"""
        for key in (executor.IMAGE_KEY, executor.MASK_KEY)
    )
    return text_format.Parse(checks, custom_validation_config_pb2.CustomValidationConfig())
