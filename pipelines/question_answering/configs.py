"""Configuration of the question-answering pipeline, in one place."""

import dataclasses

PIPELINE_NAME = "question_answering"
DATASET_NAME = "babi"  # --data is required: a folder of bAbI-format files (bAbI v1.2 en/, or generated)
MODELS = ("memn2n", "entnet")  # keras_models.memory.MemN2N, EntNet

# Transform's vocabularies.
WORD_VOCABULARY = "words"  # story and question words and the answers, most frequent first
ANSWER_VOCABULARY = "answers"  # the train split's answers: what the model may answer
ANSWER_XF_KEY = "answer_xf"  # the answer, normalised as one token


@dataclasses.dataclass(frozen=True)
class DataConfig:
    tasks: tuple = ()  # task numbers to read (all the folder has when empty)


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """What Trainer's run_fn needs; travels as Trainer's custom_config. keras_models.memory's names.

    MemN2N: Sukhbaatar et al. 2015's model (position encoding, temporal encoding, linear start, random
    noise, adjacent weight tying) and its SGD schedule; EntNet: Henaff et al. 2017 (Adam).
    """

    model: str = "memn2n"
    memory_size: int = 50  # the story's last sentences the model reads
    embedding_dim: int = 50
    hops: int = 3  # memn2n
    weight_tying: str = "adjacent"  # memn2n: adjacent | layerwise
    random_noise: float = 0.1  # memn2n: share of empty memories added in training (RN)
    linear_start: bool = True  # memn2n: train without the softmax until the validation loss stalls (LS)
    slots: int = 20  # entnet: memory blocks
    epochs: int = 100
    batch_size: int = 32
    learning_rate: float = 0.01  # halved every `anneal_every` epochs; half of it during linear start
    anneal_every: int = 25
    clip_norm: float = 40.0
    validation_fraction: float = 0.1  # of the train split, held out for linear start and the curves
    mixed_precision: str = "auto"
    seed: int = 42


@dataclasses.dataclass(frozen=True)
class EvalConfig:
    """Blessing rules: the mean over tasks of the eval split's error rate under a bar, and no worse than
    the latest blessed model's."""

    max_error: float = 0.25
    max_regression: float = 0.01
    compare_with_baseline: bool = True  # False: --no-baseline
