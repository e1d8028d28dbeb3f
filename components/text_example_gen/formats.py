"""Text file layouts: detection, parsing, and the row problems TextExampleGen counts.

Four layouts, each a train file and an eval file in one folder:

- `ag_news`: CSV without a header, columns class index (1-based), title,
  description; `classes.txt` (one class name per line) names the indices. The
  text is the title and the description, tab-separated (StarSpace's labelDoc
  layout: a pair to its trainMode 3, plain whitespace to a tokenizer).
- `label_text`: CSV with a header naming `label` and `text` columns (others are
  ignored); fields may be quoted, span lines and exceed Python csv's default
  131,072-character field limit.
- `fasttext`: fastText's lines, `__label__X text ...`; the first label of a line
  is its label, further labels are ignored.
- `lines`: unlabelled lines, one record each (StarSpace's files for its
  trainModes 1, 3 and 5): items or words, tab-separated sentences kept apart;
  a `__label__` prefix is dropped from each token. Never auto-detected.

Everything here works on any file system Apache Beam knows and has no TFX dependency.
"""

import csv
import dataclasses
import io
import os
import sys

from apache_beam.io.filesystems import FileSystems

FORMATS = ("ag_news", "label_text", "fasttext", "lines")
LABEL_PREFIX = "__label__"
CLASSES_FILE = "classes.txt"
TRAIN_NAMES = ("train",)
EVAL_NAMES = ("dev", "valid", "validation", "eval", "test")  # first found wins
_EXTENSIONS = (".csv", ".txt", ".tsv", "")

MISSING_LABEL, EMPTY_TEXT, MALFORMED = "missing label", "empty text", "malformed row"
UNKNOWN_CLASS = "unknown class index"


class TextFormatError(ValueError):
    """A data folder or file is not in a layout we read; the message says what was expected."""


@dataclasses.dataclass(frozen=True)
class Row:
    """One record; `problem` is None for a good row, else why it is skipped."""

    line: int  # 1-based line where the record starts
    label: str = ""
    text: str = ""
    problem: str | None = None


def allow_large_fields():
    """Lifts Python csv's 131,072-character field limit (raw emails exceed it)."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def open_text(path):
    """A text stream over any Beam file system; bad UTF-8 bytes become U+FFFD."""
    return io.TextIOWrapper(FileSystems.open(path), encoding="utf-8", errors="replace", newline="")


def find_splits(folder):
    """{"train": path, "eval": path} of the train file and the first eval file found in `folder`."""
    names = set(os.listdir(folder)) if os.path.isdir(folder) else set()
    found = {}
    for split, stems in (("train", TRAIN_NAMES), ("eval", EVAL_NAMES)):
        for stem in stems:
            match = next((stem + ext for ext in _EXTENSIONS if stem + ext in names), None)
            if match:
                found[split] = os.path.join(folder, match)
                break
    missing = [s for s in ("train", "eval") if s not in found]
    if missing:
        raise TextFormatError(
            f"{folder}: no {' or '.join(missing)} file; expected train.csv (or train.txt) and one of "
            f"{', '.join(n + '.csv' for n in EVAL_NAMES)} (or .txt)"
        )
    return found


def read_classes(folder):
    """Class names from `classes.txt` (AG News layout), or None when there is none."""
    path = os.path.join(folder, CLASSES_FILE)
    if not FileSystems.exists(path):
        return None
    with open_text(path) as f:
        return [line.strip() for line in f if line.strip()]


def detect_format(path, sample=20):
    """Tells the layout of a train file from its first records (a few may be bad rows)."""
    allow_large_fields()
    with open_text(path) as f:
        lines = [line for line in (f.readline() for _ in range(sample)) if line.strip()]
        f.seek(0)
        if any(line.lstrip().startswith(LABEL_PREFIX) for line in lines):
            return "fasttext"
        try:
            reader = csv.reader(f)
            rows = [row for _, row in zip(range(sample), reader)]
        except csv.Error as e:
            raise TextFormatError(f"{path}: not CSV ({e}) and not fastText lines") from None
    header = [field.strip().lower() for field in rows[0]] if rows else []
    if "label" in header and "text" in header:
        return "label_text"
    if rows and all(len(row) == 3 for row in rows) and any(row[0].strip().isdigit() for row in rows):
        return "ag_news"
    shown = lines[0].strip()[:80] if lines else ""
    raise TextFormatError(
        f"{path}: cannot tell its layout from the first line {shown!r}; expected a `label,text` CSV header, "
        f'AG News rows ("class index","title","description") or fastText lines (__label__X text)'
    )


def _ag_news(f, classes):
    reader = csv.reader(f)
    line = 1
    for fields in reader:
        start, line = line, reader.line_num + 1
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != 3:
            yield Row(start, problem=MALFORMED)
            continue
        index, title, description = (field.strip() for field in fields)
        text = "\t".join(part for part in (title, description) if part)
        if not index:
            yield Row(start, text=text, problem=MISSING_LABEL)
            continue
        if classes is not None:
            if not index.isdigit() or not 1 <= int(index) <= len(classes):
                yield Row(start, text=text, problem=UNKNOWN_CLASS)
                continue
            index = classes[int(index) - 1]
        yield Row(start, index, text, None if text else EMPTY_TEXT)


def _label_text(f):
    reader = csv.reader(f)
    header = [field.strip().lower() for field in next(reader, [])]
    if "label" not in header or "text" not in header:
        raise TextFormatError(f"expected a header naming `label` and `text` columns, got {header[:5]}")
    label_at, text_at = header.index("label"), header.index("text")
    line = reader.line_num + 1
    for fields in reader:
        start, line = line, reader.line_num + 1
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            yield Row(start, problem=MALFORMED)
            continue
        label, text = fields[label_at].strip(), fields[text_at].strip()
        problem = MISSING_LABEL if not label else EMPTY_TEXT if not text else None
        yield Row(start, label, text, problem)


def _fasttext(f):
    for number, line in enumerate(f, start=1):
        head, _, rest = line.strip().partition(" ")
        if not head:
            continue
        if head.startswith(LABEL_PREFIX) and LABEL_PREFIX not in rest:  # the usual line, fast
            label, text = head[len(LABEL_PREFIX) :], " ".join(rest.split())
        else:
            tokens = line.split()
            label = next((t[len(LABEL_PREFIX) :] for t in tokens if t.startswith(LABEL_PREFIX)), "")
            text = " ".join(t for t in tokens if not t.startswith(LABEL_PREFIX))
        problem = MISSING_LABEL if not label else EMPTY_TEXT if not text else None
        yield Row(number, label, text, problem)


def _lines(f):
    for number, line in enumerate(f, start=1):
        sentences = (
            " ".join(t[len(LABEL_PREFIX) :] if t.startswith(LABEL_PREFIX) else t for t in sentence.split())
            for sentence in line.split("\t")
        )
        text = "\t".join(sentence for sentence in sentences if sentence)
        if text:
            yield Row(number, text=text)


def read_rows(path, data_format, classes=None):
    """Yields every record of `path` as a Row (bad ones included, with their problem)."""
    if data_format not in FORMATS:
        raise TextFormatError(f"unknown format {data_format!r}; expected one of {', '.join(FORMATS)}")
    allow_large_fields()
    with open_text(path) as f:
        try:
            if data_format == "ag_news":
                yield from _ag_news(f, classes)
            elif data_format == "label_text":
                yield from _label_text(f)
            elif data_format == "lines":
                yield from _lines(f)
            else:
                yield from _fasttext(f)
        except (csv.Error, TextFormatError) as e:
            raise TextFormatError(f"{path}: {e}") from None


def load(path, data_format, classes=None):
    """(labels, texts) of the good rows of a file, for notebooks and benchmarks."""
    rows = [r for r in read_rows(path, data_format, classes) if r.problem is None]
    return [r.label for r in rows], [r.text for r in rows]


def check_folder(folder, data_format="auto", labelled=False):
    """Raises TextFormatError unless `folder` holds a train and an eval file with usable records in
    `data_format` (`auto`: told from the train file), with labels when `labelled`."""
    try:
        splits = find_splits(folder)
        if data_format == "auto":
            data_format = detect_format(splits["train"])
        if labelled and data_format == "lines":
            raise TextFormatError("the task needs labels; `lines` has none")
        for split, path in splits.items():
            if next((row for row in read_rows(path, data_format) if row.problem is None), None) is None:
                raise TextFormatError(f"{path} holds no usable records; the {split} split needs some")
    except OSError as e:
        raise TextFormatError(str(e)) from None
