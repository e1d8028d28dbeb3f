"""TextExampleGen: a file-based ExampleGen for labelled text, with a bad-row limit."""

from google.protobuf import any_pb2, struct_pb2
from tfx.components.example_gen.component import FileBasedExampleGen
from tfx.dsl.components.base import executor_spec
from tfx.proto import example_gen_pb2

from components.text_example_gen import executor, formats


class TextExampleGen(FileBasedExampleGen):
    """Reads a train file and an eval file of text into `text` and `label` (both bytes).

    Layouts (`components.text_example_gen.formats`): `ag_news` (CSV: class index,
    title, description; no header; names from `classes.txt`), `label_text` (CSV
    with a `label,text` header; quoted multi-line fields of any size),
    `fasttext` (`__label__X text` lines); `auto` tells them apart from the train
    file's first record. `lines` (unlabelled, one record per line; no `label`
    feature) is taken only when asked for.

    Rows with a missing label, an empty text or the wrong number of fields are
    skipped and counted per split: the counts land in `bad_rows/<split>.json`
    next to the examples, in the artifact's custom properties
    (`train_bad_rows`, `train_rows`, ...), and in the log. When a split's bad
    fraction exceeds `max_bad_fraction`, the component fails, naming the counts.

    Example:

    ```python
    example_gen = TextExampleGen(input_base="data/ag_news", train_pattern="train.csv", eval_pattern="dev.csv")
    ```
    """

    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(
        self,
        input_base,
        train_pattern="train.*",
        eval_pattern="dev.*",
        data_format="auto",
        max_bad_fraction=0.01,
        **kwargs,
    ):
        if data_format not in ("auto", *formats.FORMATS):
            raise ValueError(f"data_format must be auto or one of {formats.FORMATS}, got {data_format!r}.")
        if not 0.0 <= max_bad_fraction <= 1.0:
            raise ValueError(f"max_bad_fraction must be in [0, 1], got {max_bad_fraction}.")
        input_config = example_gen_pb2.Input(
            splits=[
                example_gen_pb2.Input.Split(name="train", pattern=train_pattern),
                example_gen_pb2.Input.Split(name="eval", pattern=eval_pattern),
            ]
        )
        options = struct_pb2.Struct()
        options.update({"data_format": data_format, "max_bad_fraction": float(max_bad_fraction)})
        packed = any_pb2.Any()
        packed.Pack(options)
        super().__init__(
            input_base=input_base,
            input_config=input_config,
            custom_config=example_gen_pb2.CustomConfig(custom_config=packed),
            **kwargs,
        )
