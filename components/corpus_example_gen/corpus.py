"""Plain-text corpora: which files, are they text, and where the train/eval boundary falls.

A corpus is one text file, several (comma-separated), or a folder (its regular, non-hidden files,
recursively, in sorted order). The files are read as one text in that order; the eval split is the
last `eval_fraction` of its characters, so a model is evaluated on text that comes after everything
it was trained on. Each file is cut into windows of `window + 1` characters (the inputs and, shifted
by one, the targets) that never span two files; consecutive windows share one character, and the
last window of a part is aligned to the part's end so that no character is left out.
"""

import os

_SNIFF_BYTES = 1 << 16  # how much of a file the binary check reads


class CorpusError(ValueError):
    """The corpus cannot be used; the message names the file and what to do."""


def list_files(data):
    """The corpus files of `data` (a file, a folder, or comma-separated paths of either), in order."""
    files = []
    for path in (p.strip() for p in str(data).split(",")):
        if os.path.isdir(path):
            found = []
            for root, dirs, names in os.walk(path):
                dirs[:] = [d for d in dirs if not d.startswith(".")]  # no .git, .ipynb_checkpoints, ...
                found.extend(os.path.join(root, name) for name in names if not name.startswith("."))
            found.sort()
            if not found:
                raise CorpusError(f"{path}: the folder holds no files; put .txt files in it")
            files.extend(found)
        elif os.path.isfile(path):
            files.append(path)
        else:
            raise CorpusError(f"{path}: no such file or folder")
    return files


def read_text(path):
    """A file's text; CorpusError when it is empty or binary (NUL bytes, or not UTF-8)."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.strip():
        raise CorpusError(f"{path}: the file is empty; a language model needs text to learn from")
    if b"\0" in data[:_SNIFF_BYTES]:
        raise CorpusError(f"{path}: a binary file (it holds NUL bytes), not plain text; leave it out")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CorpusError(
            f"{path}: not UTF-8 text (byte {e.start} is 0x{data[e.start]:02x}); convert it with "
            f"`iconv -t UTF-8` or leave it out"
        ) from None


def split_point(lengths, eval_fraction):
    """The character offset, in the files' concatenation, where the eval split starts."""
    total = sum(lengths)
    return total - int(round(total * eval_fraction))


def parts(lengths, eval_fraction):
    """[(file index, split, start, end)]: each file's train and eval characters."""
    boundary, offset, result = split_point(lengths, eval_fraction), 0, []
    for index, length in enumerate(lengths):
        start, end = offset, offset + length
        if start < boundary:
            result.append((index, "train", 0, min(end, boundary) - start))
        if end > boundary:
            result.append((index, "eval", max(start, boundary) - start, length))
        offset = end
    return result


def window_starts(start, end, window):
    """Starts of the windows of `window + 1` characters covering [start, end) with stride `window`."""
    if end - start < window + 1:
        return []
    starts = list(range(start, end - window, window))
    if starts[-1] + window + 1 < end:
        starts.append(end - window - 1)  # aligned to the end: no character left out
    return starts


def split_sizes(lengths, eval_fraction, window):
    """{split: (characters, windows)} of the files of these lengths."""
    sizes = {"train": [0, 0], "eval": [0, 0]}
    for _, split, start, end in parts(lengths, eval_fraction):
        sizes[split][0] += end - start
        sizes[split][1] += len(window_starts(start, end, window))
    return {split: tuple(size) for split, size in sizes.items()}


def check(data, window, eval_fraction):
    """(files, their lengths in characters); CorpusError unless both splits hold at least one window."""
    files = list_files(data)
    lengths = [len(read_text(path)) for path in files]
    sizes = split_sizes(lengths, eval_fraction, window)
    for split, share in (("train", 1 - eval_fraction), ("eval", eval_fraction)):
        if not sizes[split][1]:
            raise CorpusError(
                f"{data}: the {split} split ({100 * share:g} % of {sum(lengths):,} characters) holds no "
                f"window of {window + 1} characters within one file; use a longer corpus or a smaller "
                "--window"
            )
    return files, lengths
