"""`dlsuite data`: public data sets, fetched through TFDS, written in the layouts the pipelines read.

dlsuite data list
dlsuite data fetch fashion_mnist DIR   # IDX files: dlsuite run image_classification --data DIR
dlsuite data fetch ag_news DIR         # AG News CSV + classes.txt: dlsuite run text_classification --data DIR
dlsuite data generate interactions DIR  # synthetic user-item lines (tools/interactions.py), offline
dlsuite data generate babi DIR [--size 10k]  # bAbI-format tasks (keras_models/memory/babi), offline

TFDS downloads at run time, so this needs network access to each data set's host
and `pip install -e .[data]` (tensorflow-datasets). Offline, the tests drive the same
code with `tfds.testing.mock_data`.
"""

import csv
import dataclasses
import os
import sys

import numpy as np


@dataclasses.dataclass(frozen=True)
class DataSet:
    tfds_name: str
    layout: str  # idx | ag_news | label_text | text
    pipeline: str | None  # the dlsuite pipeline that reads it
    splits: tuple  # ((tfds split, file stem), ...)
    description: str


_IDX_SPLITS = (("train", "train"), ("test", "t10k"))
DATASETS = {
    "mnist": DataSet("mnist", "idx", "image_classification", _IDX_SPLITS, "handwritten digits, 28x28"),
    "fashion_mnist": DataSet(
        "fashion_mnist", "idx", "image_classification", _IDX_SPLITS, "Zalando clothing, 28x28"
    ),
    "kmnist": DataSet("kmnist", "idx", "image_classification", _IDX_SPLITS, "Kuzushiji characters, 28x28"),
    "cifar10": DataSet(
        "cifar10", "idx", None, _IDX_SPLITS, "10 classes, 32x32x3 (the 28x28 pipeline cannot take it)"
    ),
    "ag_news": DataSet(
        "ag_news_subset",
        "ag_news",
        "text_classification",
        (("train", "train"), ("test", "test")),
        "news titles and descriptions, 4 classes",
    ),  # fmt: skip
    "imdb_reviews": DataSet(
        "imdb_reviews",
        "label_text",
        "text_classification",
        (("train", "train"), ("test", "test")),
        "movie reviews, pos/neg",
    ),  # fmt: skip
    "tiny_shakespeare": DataSet(
        "tiny_shakespeare",
        "text",
        "language_model",
        (("train", "train"), ("validation", "validation"), ("test", "test")),
        "1 MB of Shakespeare, for character language models",
    ),  # fmt: skip
}


class FetchError(RuntimeError):
    """The data set cannot be fetched here; the message says what to do."""


def _tfds():
    try:
        import tensorflow_datasets as tfds
    except ImportError:
        raise FetchError(
            "tensorflow-datasets is not installed: pip install --ignore-requires-python -c constraints.txt "
            "-e '.[data]'"
        ) from None
    return tfds


def _label_names(info, key="label"):
    return list(info.features[key].names)


def _write_idx(dataset, split, stem, output_dir, tfds):
    from components.idx_example_gen import idx

    batches = list(
        tfds.as_numpy(tfds.load(dataset.tfds_name, split=split, batch_size=4096, as_supervised=True))
    )
    images, labels = (np.concatenate([batch[i] for batch in batches]) for i in (0, 1))
    if images.shape[-1] == 1:
        images = images[..., 0]  # MNIST layout: N x 28 x 28
    idx.write(os.path.join(output_dir, f"{stem}-images-idx3-ubyte.gz"), images.astype(np.uint8))
    idx.write(os.path.join(output_dir, f"{stem}-labels-idx1-ubyte.gz"), labels.astype(np.uint8))
    return len(labels)


def _write_csv(dataset, split, stem, output_dir, tfds):
    data, info = tfds.load(dataset.tfds_name, split=split, with_info=True)
    names = _label_names(info)
    count = 0
    with open(os.path.join(output_dir, f"{stem}.csv"), "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, quoting=csv.QUOTE_ALL)
        if dataset.layout == "label_text":
            writer.writerow(["label", "text"])
        for example in tfds.as_numpy(data):
            label = int(example["label"])
            if dataset.layout == "ag_news":  # class index from 1, title, description
                row = [label + 1, example["title"].decode(), example["description"].decode()]
            else:
                row = [names[label], example["text"].decode()]
            writer.writerow(row)
            count += 1
    if dataset.layout == "ag_news":
        with open(os.path.join(output_dir, "classes.txt"), "w") as f:
            f.write("\n".join(names) + "\n")
    return count


def _write_text(dataset, split, stem, output_dir, tfds):
    texts = [example["text"].decode() for example in tfds.as_numpy(tfds.load(dataset.tfds_name, split=split))]
    with open(os.path.join(output_dir, f"{stem}.txt"), "w", encoding="utf-8") as f:
        f.write("".join(texts))
    return sum(len(t) for t in texts)


_WRITERS = {"idx": _write_idx, "ag_news": _write_csv, "label_text": _write_csv, "text": _write_text}


def fetch(name, output_dir):
    """Downloads `name` through TFDS and writes it into `output_dir`; returns {file stem: count}."""
    if name not in DATASETS:
        raise FetchError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    dataset = DATASETS[name]
    tfds = _tfds()
    os.makedirs(output_dir, exist_ok=True)
    write = _WRITERS[dataset.layout]
    return {stem: write(dataset, split, stem, output_dir, tfds) for split, stem in dataset.splits}


def add_commands(subparsers):
    data = subparsers.add_parser("data", help="fetch public data sets (TFDS) in the pipelines' layouts")
    actions = data.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="the data sets `fetch` knows").set_defaults(func=cmd_list)
    fetch_parser = actions.add_parser("fetch", help="download a data set and write it into DIR")
    fetch_parser.add_argument("name", choices=sorted(DATASETS), metavar="NAME")
    fetch_parser.add_argument("output_dir", metavar="DIR")
    fetch_parser.set_defaults(func=cmd_fetch)
    generate_parser = actions.add_parser("generate", help="write a synthetic data set into DIR (offline)")
    generate_parser.add_argument(
        "name", choices=["interactions", "babi"], metavar="NAME", help="interactions or babi"
    )
    generate_parser.add_argument("output_dir", metavar="DIR")
    for flag in ("users", "items", "clusters"):
        generate_parser.add_argument(f"--{flag}", type=int, help="interactions: see tools/interactions.py")
    generate_parser.add_argument("--seed", type=int, help="default 0")
    generate_parser.add_argument(
        "--size", choices=["1k", "10k"], default="1k", help="babi: training questions per task (default 1k)"
    )
    generate_parser.add_argument("--tasks", help="babi: comma-separated task numbers (default: all)")
    generate_parser.set_defaults(func=cmd_generate)


def cmd_list(args):
    for name, dataset in DATASETS.items():
        print(f"{name:18s} {dataset.layout:10s} {dataset.pipeline or '':22s} {dataset.description}")
    return 0


def cmd_fetch(args):
    dataset = DATASETS[args.name]
    print(f"dlsuite data: fetching {args.name} through TFDS ({dataset.tfds_name}) ...", flush=True)
    try:
        counts = fetch(args.name, args.output_dir)
    except FetchError as e:
        print(f"dlsuite data: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001 -- TFDS download errors come in many types
        print(
            f"dlsuite data: cannot fetch {args.name}: {type(e).__name__}: {str(e).splitlines()[0][:300]} "
            "(TFDS downloads from the data set's own host: is the network reachable?)",
            file=sys.stderr,
        )
        return 1
    unit = "characters" if dataset.layout == "text" else "records"
    sizes = ", ".join(f"{stem} {count:,}" for stem, count in counts.items())
    print(f"dlsuite data: wrote {args.name} to {args.output_dir} ({sizes} {unit})")
    if dataset.pipeline:
        print(f"  next: dlsuite run {dataset.pipeline} --data {args.output_dir}")
    return 0


def cmd_generate(args):
    if args.name == "babi":
        return _generate_babi(args)
    from tools import interactions

    flags = ("users", "items", "clusters", "seed")
    options = {flag: getattr(args, flag) for flag in flags if getattr(args, flag) is not None}
    try:
        summary = interactions.generate(args.output_dir, **options)
    except ValueError as e:
        print(f"dlsuite data: {e}", file=sys.stderr)
        return 2
    sizes = ", ".join(f"{key} {value}" for key, value in summary.items())
    print(f"dlsuite data: wrote {args.name} to {args.output_dir} ({sizes})")
    print(f"  next: dlsuite run embeddings --train-mode 1 --data {args.output_dir}")
    return 0


def _generate_babi(args):
    from keras_models.memory import babi

    try:
        tasks = [int(task) for task in args.tasks.split(",")] if args.tasks else None
        if tasks and not set(tasks) <= set(babi.IMPLEMENTED):
            raise ValueError(f"--tasks: the generator does tasks {', '.join(map(str, babi.IMPLEMENTED))}")
    except ValueError as e:
        print(f"dlsuite data: {e}", file=sys.stderr)
        return 2
    counts = babi.write_dataset(args.output_dir, size=args.size, tasks=tasks, seed=args.seed or 0)
    print(
        f"dlsuite data: wrote {len(counts)} bAbI-format files ({sum(counts.values()):,} questions; "
        f"tasks {', '.join(map(str, tasks or babi.IMPLEMENTED))}, {args.size}) to {args.output_dir}"
    )
    print(f"  next: dlsuite run question_answering --data {args.output_dir}")
    return 0
