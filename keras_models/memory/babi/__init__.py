"""bAbI question answering data: read and write the file format, and generate the twenty tasks.

>>> from keras_models.memory import babi
>>> story = babi.generate(1, num_questions=5, seed=0)[0]
>>> [qa.question.startswith("Where is") for qa in babi.questions(story)]
[True, True, True, True, True]

`read` / `parse` / `write` handle the v1.2 files (``qa1_single-supporting-fact_train.txt``);
`questions` turns a story into (statements, question, answer) examples for a memory network;
`generate` / `write_dataset` make deterministic stand-ins for the published 1k and 10k sets.
"""

from keras_models.memory.babi.dataset import IMPLEMENTED, SIZES, file_name, generate, write_dataset
from keras_models.memory.babi.format import (
    QA,
    TASKS,
    BabiFormatError,
    Line,
    Story,
    format_story,
    parse,
    questions,
    read,
    task_from_path,
    write,
)

__all__ = [
    "IMPLEMENTED",
    "QA",
    "SIZES",
    "TASKS",
    "BabiFormatError",
    "Line",
    "Story",
    "file_name",
    "format_story",
    "generate",
    "parse",
    "questions",
    "read",
    "task_from_path",
    "write",
    "write_dataset",
]
