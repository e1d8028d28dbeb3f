"""Configuration of the language-model pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "language_model"
DATASET_NAME = "corpus"  # --data is required: a text file, several (comma-separated) or a folder
CELLS = ("lstm", "gru", "simple_rnn", "orthogonal_rnn")

# Transform's outputs and vocabulary.
IDS_XF_KEY = "ids"  # the window's characters as vocabulary ids (unknown characters: one id)
CHARACTER_VOCABULARY = "characters"


@dataclasses.dataclass(frozen=True)
class DataConfig:
    """How CorpusExampleGen cuts --data."""

    window: int = 64  # characters per training window (each example holds window + 1)
    eval_fraction: float = 0.1  # the eval split is this last part of the text


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config. keras_models.sequence's names."""

    model: str = "lstm"  # the recurrent cell (CELLS); named `model` as in every pipeline's config
    units: int = 256
    num_layers: int = 2
    embedding_dim: int = 64
    dropout: float = 0.0
    epochs: int = 12
    batch_size: int = 32
    learning_rate: float = 4e-3  # peak of a per-step cosine decay
    clip_norm: float = 1.0  # clipping by global norm
    mixed_precision: str = "auto"  # auto: mixed_float16 on a GPU, float32 on CPU
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: bits per character on the eval split under a bar, and no worse than the last
    blessed model's."""

    max_bpc: float = 2.1
    max_regression: float = 1e-10
    compare_with_baseline: bool = True  # False: --no-baseline
    sample_prompt: str = "The "  # the generated sample in the log and summary.json starts with this
    sample_length: int = 300
