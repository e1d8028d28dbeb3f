"""What the e2e tests read back from a run's ML Metadata."""

import ml_metadata as mlmd

from pipelines import runner

COMPLETE = {mlmd.proto.Execution.COMPLETE, mlmd.proto.Execution.CACHED}


def latest_nodes(output_dir, pipeline_name):
    """{node id: (execution, outputs)} of the newest run in `output_dir`."""
    return runner.latest_run(str(output_dir / "metadata.sqlite"), pipeline_name)


def assert_all_executed(output_dir, pipeline_name, components):
    """Exactly `components` ran, each to completion; returns the nodes."""
    nodes = latest_nodes(output_dir, pipeline_name)
    assert set(nodes) == set(components)
    for node, (execution, _) in nodes.items():
        assert execution.last_known_state in COMPLETE, node
    return nodes
