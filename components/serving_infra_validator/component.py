"""ServingInfraValidator: the candidate model must load and answer requests in the model server.

TFX's InfraValidator starts TF Serving in Docker, which these machines lack. This component does
the same check with `dlsuite serve`'s server (TF Serving's REST and gRPC APIs): the candidate is
loaded (and warmed up) as a served version, then answers canned requests built from real
examples over both protocols. A candidate that fails stops the run before Pusher, with the reason.
"""

from tfx import types
from tfx.dsl.components.base import base_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from components.serving_infra_validator import executor


class ServingInfraValidatorSpec(ComponentSpec):
    PARAMETERS = {
        "num_examples": ExecutionParameter(type=int),
        "split": ExecutionParameter(type=str),
        "timeout_seconds": ExecutionParameter(type=float),
    }
    INPUTS = {
        "model": ChannelParameter(type=standard_artifacts.Model),
        "examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
    }
    OUTPUTS = {"blessing": ChannelParameter(type=standard_artifacts.InfraBlessing)}


class ServingInfraValidator(base_component.BaseComponent):
    """Blesses a model only if the model server loads it and it answers canned requests.

    Args:
        model: the Trainer's model.
        examples: Examples whose `split` supplies the canned requests (serialized tf.Examples for
            `serving_default` and any classify signature); without it, loading and warmup only.
        num_examples: examples per canned request.
        timeout_seconds: time limit of the canned requests, after the model has loaded.

    Example:

    ```python
    infra_validator = ServingInfraValidator(
        model=trainer.outputs["model"], examples=example_gen.outputs["examples"]
    )
    pusher = tfx.components.Pusher(..., infra_blessing=infra_validator.outputs["blessing"])
    ```
    """

    SPEC_CLASS = ServingInfraValidatorSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(executor.Executor)

    def __init__(self, model, examples=None, num_examples=8, split="eval", timeout_seconds=120.0):
        super().__init__(
            spec=ServingInfraValidatorSpec(
                model=model,
                examples=examples,
                num_examples=num_examples,
                split=split,
                timeout_seconds=float(timeout_seconds),
                blessing=types.Channel(type=standard_artifacts.InfraBlessing),
            )
        )
