"""Deterministic bAbI-style data sets: `generate` stories of a task, `write_dataset` the v1.2 file layout.

The twenty generators follow the task definitions of Weston et al. (2015), "Towards AI-Complete
Question Answering: A Set of Prerequisite Toy Tasks", in the style of the published files. The same
(seed, task) always gives the same stories: every draw comes from one NumPy generator seeded with it.

>>> stories = generate(1, num_questions=5, seed=0)
>>> sum(line.is_question for story in stories for line in story.lines)
5
"""

import os

import numpy as np

from keras_models.memory.babi import tasks_location, tasks_reasoning, tasks_spatial, tasks_statements
from keras_models.memory.babi.format import TASKS, Story, write

GENERATORS = {
    1: tasks_location.single_supporting_fact,
    2: tasks_location.two_supporting_facts,
    3: tasks_location.three_supporting_facts,
    4: tasks_spatial.two_arg_relations,
    5: tasks_location.three_arg_relations,
    6: tasks_location.yes_no_questions,
    7: tasks_location.counting,
    8: tasks_location.lists_sets,
    9: tasks_statements.simple_negation,
    10: tasks_statements.indefinite_knowledge,
    11: tasks_statements.basic_coreference,
    12: tasks_statements.conjunction,
    13: tasks_statements.compound_coreference,
    14: tasks_statements.time_reasoning,
    15: tasks_reasoning.basic_deduction,
    16: tasks_reasoning.basic_induction,
    17: tasks_spatial.positional_reasoning,
    18: tasks_reasoning.size_reasoning,
    19: tasks_spatial.path_finding,
    20: tasks_reasoning.agents_motivations,
}
IMPLEMENTED = tuple(sorted(GENERATORS))
# size -> (questions per training file, questions per test file), as bAbI v1.2 en/ and en-10k/
SIZES = {"1k": (1000, 1000), "10k": (10000, 1000)}


def _stories(task, num_questions, key):
    if task not in GENERATORS:
        raise ValueError(f"task {task!r} is not generated; expected one of {IMPLEMENTED}")
    if num_questions < 0:
        raise ValueError(f"num_questions must be >= 0, got {num_questions}")
    rng = np.random.default_rng(key)
    stories, total = [], 0
    while total < num_questions:
        builder = GENERATORS[task](rng, num_questions - total)
        if builder.num_questions == 0:
            continue
        last = max(i for i, line in enumerate(builder.lines) if line.is_question)
        stories.append(Story(tuple(builder.lines[: last + 1]), task))  # a story ends with a question
        total += builder.num_questions
    return stories


def generate(task: int, num_questions: int, seed: int = 0) -> list[Story]:
    """Stories of bAbI task `task` (see `IMPLEMENTED`) with exactly `num_questions` questions in all.

    Deterministic: the stories depend only on (`seed`, `task`).
    """
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    return _stories(task, num_questions, (seed, task))


def file_name(task: int, split: str) -> str:
    """The bAbI v1.2 file name of a task's split: ``qa1_single-supporting-fact_train.txt``."""
    return f"qa{task}_{TASKS[task]}_{split}.txt"


def write_dataset(output_dir, size: str = "1k", tasks=None, seed: int = 0) -> dict[str, int]:
    """Writes ``qa{N}_{name}_train.txt`` and ``_test.txt`` for each task into `output_dir`.

    `size` "1k" writes 1,000 questions per file (bAbI v1.2 en/), "10k" 10,000 training and 1,000 test
    questions (en-10k/). `tasks` defaults to all of `IMPLEMENTED`. The test stories come from their
    own random stream, (seed, task, 1). Returns {file name: number of questions}.
    """
    if size not in SIZES:
        raise ValueError(f"size {size!r} is not one of {sorted(SIZES)}")
    if seed < 0:
        raise ValueError(f"seed must be >= 0, got {seed}")
    os.makedirs(output_dir, exist_ok=True)
    counts = {}
    for task in IMPLEMENTED if tasks is None else tasks:
        for split, count, key in zip(("train", "test"), SIZES[size], ((seed, task), (seed, task, 1))):
            name = file_name(task, split)
            write(_stories(task, count, key), os.path.join(output_dir, name))
            counts[name] = count
    return counts
