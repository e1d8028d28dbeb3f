"""IdxExampleGen: a file-based ExampleGen for MNIST-layout IDX files."""

from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec
from tfx.proto import example_gen_pb2

from components.idx_example_gen import executor


class IdxExampleGen(FileBasedExampleGen):
    """Reads `<prefix>-images-idx3-ubyte[.gz]` / `<prefix>-labels-idx1-ubyte[.gz]` pairs.

    Emits tf.Examples with `image` (raw uint8 bytes) and `label` (int64). By
    default the `train-*` pair is the train split and the `t10k-*` pair (the
    data set's own test files) the eval split, as MNIST and Fashion-MNIST ship.

    Example:

    ```python
    example_gen = IdxExampleGen(input_base="/usr/share/datasets/fashion-mnist")
    ```
    """

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, input_base, train_prefix="train", eval_prefix="t10k", **kwargs):
        input_config = example_gen_pb2.Input(
            splits=[
                example_gen_pb2.Input.Split(name="train", pattern=f"{train_prefix}-*"),
                example_gen_pb2.Input.Split(name="eval", pattern=f"{eval_prefix}-*"),
            ]
        )
        super().__init__(input_base=input_base, input_config=input_config, **kwargs)
