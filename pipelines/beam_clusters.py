"""`--beam-cluster`: a local Beam engine started for one run, handed to every Beam-powered component.

- `local-processes[:N]`: Beam's DirectRunner with N worker processes (`multi_processing` mode).
- `local-dask[:N]`: Beam's DaskRunner on a dask.distributed LocalCluster of N worker processes, the
  same scheduler a Kubernetes, YARN or HPC Dask cluster runs (there, pass `--beam-args
  "--runner=pipelines.dask_runner.DaskRunner --dask_client_address=HOST:8786"` instead).

This module imports neither Beam nor Dask until a cluster is started.
"""

import argparse
import contextlib
import logging
import os

KINDS = ("local-processes", "local-dask")


def parse(text):
    """'local-dask:3' -> ('local-dask', 3); argparse type of --beam-cluster."""
    kind, _, count = text.partition(":")
    if kind not in KINDS:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(k + '[:N]' for k in KINDS)}, got {text!r}"
        )
    if count and not (count.isdigit() and int(count) >= 1):
        raise argparse.ArgumentTypeError(f"N must be a whole number of workers >= 1, got {count!r}")
    return kind, int(count or 2)


@contextlib.contextmanager
def started(spec):
    """Yields the Beam args that reach `spec`'s engine (None: no cluster asked for); stops it after."""
    if spec is None:
        yield None
        return
    kind, workers = spec
    if kind == "local-processes":
        yield ["--direct_running_mode=multi_processing", f"--direct_num_workers={workers}"]
        return
    # Dask's own INFO lines, in this process and (through the environment) in its workers, stay out of
    # the progress lines; a failing task still surfaces as the run's error.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "critical")
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    try:
        from dask.distributed import LocalCluster
    except ImportError:
        raise SystemExit("dlsuite: --beam-cluster local-dask needs Dask: pip install -e '.[dask]'") from None
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster:
        yield [
            "--runner=pipelines.dask_runner.DaskRunner",
            f"--dask_client_address={cluster.scheduler_address}",
        ]
