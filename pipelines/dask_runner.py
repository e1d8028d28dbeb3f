"""Beam 2.59's DaskRunner, with its two launch bugs fixed and its limits named when a pipeline hits them.

Beam 2.59 (the version TFX 1.16's stack pins) ships `apache_beam.runners.dask.dask_runner.DaskRunner`,
but it passes every pipeline option to `distributed.Client(...)` (so any real pipeline fails with
"Unexpected keyword arguments") and its result's `wait_until_finish` calls
`Client.wait_for_workers()` without its argument. This subclass passes only Dask's own options and
waits on the futures itself.

What it cannot fix: Beam 2.59 translates a ParDo to `bag.map(dofn.process)`, so DoFns run without
`setup`/`start_bundle`/`finish_bundle` and without side inputs. Every TFX component that writes files
through Beam's `WriteToTFRecord` (`iobase.WriteImpl`: ExampleGen) or combines with side inputs
(TFDV's StatisticsGen, TFT's analyzers, TFMA) needs those, so a run stops at its first Beam component
with `DaskRunnerLimitError` naming the DoFn that failed.
"""

from apache_beam.runners.dask import dask_runner
from apache_beam.runners.runner import PipelineResult, PipelineState

_CLIENT_OPTIONS = ("address", "timeout", "scheduler_file", "name", "connection_limit")


class DaskRunnerLimitError(RuntimeError):
    """The pipeline needs what Beam 2.59's DaskRunner does not do; the message names the transform."""


class _Finished(PipelineResult):
    """A pipeline that has run to the end (run_pipeline waits for it)."""

    def __init__(self):
        super().__init__(PipelineState.DONE)

    def wait_until_finish(self, duration=None):
        return self._state


class DaskRunner(dask_runner.DaskRunner):
    def run_pipeline(self, pipeline, options):
        import dask.distributed as ddist
        from apache_beam.runners.dask.overrides import dask_overrides

        given = options.view_as(dask_runner.DaskOptions).get_all_options(drop_default=True)
        pipeline.replace_all(dask_overrides())
        visitor = self.to_dask_bag_visitor()
        pipeline.visit(visitor)
        with ddist.Client(**{k: v for k, v in given.items() if k in _CLIENT_OPTIONS}) as client:
            futures = client.compute(list(visitor.bags.values()))
            ddist.wait(futures)
            failure = next((f.exception() for f in futures if f.status == "error"), None)
        if failure is not None:
            raise DaskRunnerLimitError(  # raised outside any except block: the innermost error of the run
                "Beam 2.59's DaskRunner cannot run this pipeline: a DoFn failed "
                f"({type(failure).__name__} on a Dask worker, {failure}). It runs DoFn.process only, without "
                "setup/start_bundle/finish_bundle or side inputs, which TFX's Beam components need. Use "
                "--beam-cluster local-processes:N, or Flink, Spark or Dataflow (README: Scaling out)."
            )
        return _Finished()
