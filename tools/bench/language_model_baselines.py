"""The floors a character language model must beat, on the language-model pipeline's own split.

    .venv/bin/python -m tools.bench.language_model_baselines ../shared/data/moby_dick/moby_dick.txt

Bits per character of the last 10 % of a text (the pipeline's eval split) given the first 90 %:
character n-gram models with interpolated Kneser-Ney smoothing fitted on the first 90 % (the
evaluator's baseline), and general-purpose compressors (compressed size of the whole text minus that
of the first 90 %, in bits, over the characters of the last 10 %). Prints a Markdown table.
"""

import argparse
import bz2
import gzip
import lzma
import time

from components.corpus_example_gen import corpus
from components.language_model_evaluator.ngram import CharNGram

COMPRESSORS = {
    "gzip -9": lambda data: gzip.compress(data, compresslevel=9),
    "bzip2 -9": lambda data: bz2.compress(data, compresslevel=9),
    "xz -9e": lambda data: lzma.compress(data, preset=9 | lzma.PRESET_EXTREME),
}


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("text", help="a UTF-8 text file")
    parser.add_argument("--eval-fraction", type=float, default=0.1)
    parser.add_argument("--orders", default="3,5,7", help="n-gram orders (default 3,5,7)")
    args = parser.parse_args(argv)
    text = corpus.read_text(args.text)
    boundary = corpus.split_point([len(text)], args.eval_fraction)
    train, held_out = text[:boundary], text[boundary:]

    print(f"{len(text):,} characters; eval: the last {len(held_out):,}\n")
    print("| model | bits per character | seconds |\n|---|---:|---:|")
    for order in map(int, args.orders.split(",")):
        started = time.perf_counter()
        bits, counted = CharNGram(order).fit(train).bits(held_out)
        print(f"| {order}-gram, Kneser-Ney | {bits / counted:.3f} | {time.perf_counter() - started:.1f} |")
    for name, compress in COMPRESSORS.items():
        started = time.perf_counter()
        extra = len(compress(text.encode("utf-8"))) - len(compress(train.encode("utf-8")))
        print(f"| {name} | {8 * extra / len(held_out):.3f} | {time.perf_counter() - started:.1f} |")


if __name__ == "__main__":
    main()
