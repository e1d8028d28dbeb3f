"""Which files of a bAbI-format folder are read, and into which split.

bAbI v1.2 names its files `qa{N}_{task-name}_{train|test}.txt` (its `en/` and `en-10k/` folders, and
`dlsuite data generate babi DIR`); the train files make the train split, the test files the eval split.
Pure Python (no TFX): the pipeline's entry checks --data with it before anything starts.
"""

import os
import re

FILE_NAME = re.compile(r"^qa(\d+)_[\w-]+_(train|test)\.txt$")
SPLITS = {"train": "train", "test": "eval"}  # file suffix -> split


class LayoutError(ValueError):
    """The folder is not a bAbI-format data set (or lacks a requested task); the message says what to do."""


def list_files(input_base, tasks=()):
    """{split: [(path, task), ...]} of the folder's bAbI files, both splits non-empty, sorted by task.

    `tasks`: task numbers to keep (all when empty). Every kept task needs both its train and its test file.
    """
    if not os.path.isdir(input_base):
        raise LayoutError(f"{input_base} is not a folder (give the folder that holds qa1_..._train.txt).")
    found = {}
    for name in sorted(os.listdir(input_base)):
        match = FILE_NAME.match(name)
        if match:
            task, suffix = int(match.group(1)), match.group(2)
            found.setdefault(task, {})[suffix] = os.path.join(input_base, name)
    if not found:
        raise LayoutError(
            f"{input_base} has no bAbI files (qa{{N}}_{{task}}_train.txt and _test.txt): give bAbI v1.2's "
            "en/ or en-10k/ folder, or write generated tasks with `dlsuite data generate babi DIR`."
        )
    missing = sorted(set(tasks) - set(found))
    if missing:
        raise LayoutError(
            f"--tasks {','.join(map(str, missing))}: {input_base} has no such task "
            f"(it has {', '.join(map(str, sorted(found)))})."
        )
    files = {split: [] for split in SPLITS.values()}
    for task in sorted(tasks or found):
        for suffix, split in SPLITS.items():
            if suffix not in found[task]:
                raise LayoutError(
                    f"{input_base}: task {task} has no {suffix} file (qa{task}_..._{suffix}.txt); every task "
                    "needs a train and a test file, or leave it out with --tasks."
                )
            files[split].append((found[task][suffix], task))
    return files
