"""`python -m serving serve ...`: `dlsuite serve` without loading the pipelines' command lines.

The same flags and behaviour as `dlsuite serve` / `dlsuite predict` (serving/cli.py); it starts
faster because only the serving package is imported before the command line is checked.
"""

import argparse
import sys

from serving import cli


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m serving", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    cli.add_commands(commands)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
