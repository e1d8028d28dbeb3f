"""Reading and writing the bAbI file format (Weston et al., 2015, bAbI tasks v1.2).

A bAbI file is a sequence of stories. Every line is ``ID text``; ids count from 1 within a story and
a line with id 1 starts the next story. A question line carries two more tab-separated fields, the
answer and the ids of the statements that support it::

    1 Mary moved to the bathroom.
    2 John went to the hallway.
    3 Where is Mary? \tbathroom\t1

Answers that are lists or paths are comma-joined ("milk,football", "n,w"). This module is pure
Python (no TensorFlow, no NumPy), so a Beam ``DoFn`` can call `parse` on the lines of a file.

>>> story = parse(["1 Mary moved to the bathroom.", "2 Where is Mary?\\tbathroom\\t1"])[0]
>>> questions(story)[0].answer
'bathroom'
"""

import dataclasses
import os
import re
from collections.abc import Iterable

# bAbI v1.2 task names, as in the file names qa{N}_{name}_{train|test}.txt
TASKS = {
    1: "single-supporting-fact",
    2: "two-supporting-facts",
    3: "three-supporting-facts",
    4: "two-arg-relations",
    5: "three-arg-relations",
    6: "yes-no-questions",
    7: "counting",
    8: "lists-sets",
    9: "simple-negation",
    10: "indefinite-knowledge",
    11: "basic-coreference",
    12: "conjunction",
    13: "compound-coreference",
    14: "time-reasoning",
    15: "basic-deduction",
    16: "basic-induction",
    17: "positional-reasoning",
    18: "size-reasoning",
    19: "path-finding",
    20: "agents-motivations",
}

_FILE_NAME = re.compile(r"qa(\d+)_")
_LINE = re.compile(r"(\d+) (.*)")


class BabiFormatError(ValueError):
    """A malformed bAbI file; ``str(error)`` is one line:
    ``"PATH:LINENO: what is wrong (the line: '...')"``."""


@dataclasses.dataclass(frozen=True)
class Line:
    """One numbered line of a bAbI file: a statement, or a question with its answer and support."""

    text: str  # "Mary moved to the bathroom." or "Where is Mary?" (no id, no tabs)
    answer: str | None = None  # questions only; lists and paths comma-joined: "milk,football", "n,w"
    supporting: tuple[int, ...] = ()  # questions only: 1-based line ids of this story, as in the file

    @property
    def is_question(self):
        return self.answer is not None


@dataclasses.dataclass(frozen=True)
class Story:
    """The lines of one story (ids are their positions + 1) and its task (1..20, 0 when unknown)."""

    lines: tuple[Line, ...]
    task: int = 0


@dataclasses.dataclass(frozen=True)
class QA:
    """One question with the statements before it: what a memory network reads."""

    task: int
    story: tuple[str, ...]  # the statements (not questions) before the question, in order
    question: str
    answer: str
    supporting: tuple[int, ...]  # 0-based indices into `story`


def task_from_path(path):
    """The task number in a bAbI file name (``qa3_three-supporting-facts_test.txt`` -> 3), else 0."""
    match = _FILE_NAME.match(os.path.basename(str(path)))
    return int(match.group(1)) if match else 0


def _fail(source, number, problem, raw):
    shown = raw if len(raw) <= 80 else raw[:77] + "..."
    raise BabiFormatError(f"{source}:{number}: {problem} (the line: {shown!r})")


def _parse_question(fields, source, number, raw, statements):
    """The Line of a question ``text \\t answer \\t ids``; `statements` are this story's statement ids."""
    if len(fields) < 2:
        _fail(source, number, "a question without an answer; expected 'ID question?<TAB>answer<TAB>ids'", raw)
    if len(fields) > 3:
        _fail(source, number, f"{len(fields)} tab-separated fields; expected at most 3", raw)
    answer = fields[1].strip()
    if not answer:
        _fail(source, number, "an empty answer; expected a word such as 'kitchen' or 'nothing'", raw)
    supporting = []
    for token in (fields[2] if len(fields) == 3 else "").split():
        if not token.isdigit():
            _fail(source, number, f"supporting id {token!r} is not an integer; expected ids like '1 4'", raw)
        if int(token) not in statements:
            _fail(
                source,
                number,
                f"supporting id {token} is not an earlier statement of this story; "
                f"expected one of {sorted(statements)}",
                raw,
            )
        supporting.append(int(token))
    return Line(fields[0].strip(), answer, tuple(supporting))


def parse(lines: Iterable[str], source: str = "<string>", task: int = 0) -> list[Story]:
    """The stories in the text lines of a bAbI file; raises `BabiFormatError` naming the bad line.

    `source` names the input in error messages; `task` is stored in every story. Blank lines at the
    end (or anywhere between stories) are skipped.
    """
    stories, current, statements = [], [], set()
    for number, raw in enumerate(lines, start=1):
        raw = raw.rstrip("\r\n")
        if not raw.strip():
            continue
        match = _LINE.fullmatch(raw)
        if match is None:
            _fail(source, number, "no line id; expected 'ID text' with an integer ID and one space", raw)
        line_id, rest = int(match.group(1)), match.group(2)
        if line_id == 1:
            if current:
                stories.append(Story(tuple(current), task))
            current, statements = [], set()
        elif line_id != len(current) + 1:
            _fail(
                source,
                number,
                f"line id {line_id} does not follow id {len(current)}; expected {len(current) + 1} "
                "(or 1 to start a new story)",
                raw,
            )
        fields = rest.split("\t")
        if len(fields) == 1 and "?" not in rest:
            current.append(Line(rest.strip()))
            statements.add(line_id)
        else:
            current.append(_parse_question(fields, source, number, raw, statements))
    if current:
        stories.append(Story(tuple(current), task))
    if not stories:
        raise BabiFormatError(f"{source}:1: no stories; expected lines like '1 Mary moved to the bathroom.'")
    return stories


def read(path, task: int | None = None) -> list[Story]:
    """The stories of the bAbI file `path`; `task` defaults to the number in its name (qa{N}_...)."""
    task = task_from_path(path) if task is None else task
    with open(path, "rb") as file:
        data = file.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        number = data[: error.start].count(b"\n") + 1
        problem = f"not UTF-8 text ({error.reason}); expected a UTF-8 file"
        raise BabiFormatError(f"{path}:{number}: {problem}") from None
    return parse(text.split("\n"), source=str(path), task=task)


def format_story(story: Story) -> str:
    """`story` as bAbI text: ``ID text`` lines, questions ``ID text\\tanswer\\tids``, ids from 1."""
    out = []
    for line_id, line in enumerate(story.lines, start=1):
        if line.is_question:
            support = " ".join(str(i) for i in line.supporting)
            out.append(f"{line_id} {line.text}\t{line.answer}\t{support}\n")
        else:
            out.append(f"{line_id} {line.text}\n")
    return "".join(out)


def write(stories: Iterable[Story], path) -> None:
    """Writes `stories` to `path` in the bAbI format (UTF-8, ids restarting at 1 per story)."""
    with open(path, "w", encoding="utf-8", newline="\n") as file:
        for story in stories:
            file.write(format_story(story))


def questions(story: Story) -> list[QA]:
    """Every question of `story` with the statements before it; supporting ids become 0-based indices.

    Questions are not memories: a question's `story` holds only the statements above it, and a
    supporting line id ``k`` becomes the index of line ``k`` among those statements.
    """
    out, statements, index_of = [], [], {}
    for line_id, line in enumerate(story.lines, start=1):
        if line.is_question:
            supporting = tuple(index_of[i] for i in line.supporting)
            out.append(QA(story.task, tuple(statements), line.text, line.answer, supporting))
        else:
            index_of[line_id] = len(statements)
            statements.append(line.text)
    return out
