"""ValidationGate: stops a pipeline before training when ExampleValidator found anomalies.

Stock ExampleValidator records anomalies but lets downstream components run.
Placing this gate upstream of Transform turns any anomaly into a failed run
whose error names every anomaly, so no model is trained or pushed on bad data.
"""

import os

import tensorflow as tf
from tensorflow_metadata.proto.v0 import anomalies_pb2
from tfx.dsl.component.experimental.annotations import InputArtifact
from tfx.dsl.component.experimental.decorators import component
from tfx.types import artifact_utils
from tfx.types.standard_artifacts import ExampleAnomalies

_ANOMALIES_FILE = "SchemaDiff.pb"  # as ExampleValidator writes it


class DataAnomaliesError(RuntimeError):
    """The data does not match its schema; the message lists each anomaly."""


def read_anomalies(artifact):
    """Returns {split: Anomalies proto} for an ExampleAnomalies artifact."""
    found = {}
    for split in artifact_utils.decode_split_names(artifact.split_names):
        path = os.path.join(artifact_utils.get_split_uri([artifact], split), _ANOMALIES_FILE)
        found[split] = anomalies_pb2.Anomalies.FromString(tf.io.gfile.GFile(path, "rb").read())
    return found


def describe(anomalies_by_split):
    """One line per anomaly: `split 'eval': label: Out-of-range values (Unexpectedly ...)`."""
    lines = []
    for split, anomalies in sorted(anomalies_by_split.items()):
        for feature, info in sorted(anomalies.anomaly_info.items()):
            lines.append(f"split '{split}': {feature}: {info.short_description} ({info.description})")
        if anomalies.HasField("dataset_anomaly_info"):
            info = anomalies.dataset_anomaly_info
            lines.append(f"split '{split}': dataset: {info.short_description} ({info.description})")
    return lines


@component
def ValidationGate(anomalies: InputArtifact[ExampleAnomalies]) -> None:  # noqa: N802 (TFX naming)
    """Fails when any split has an anomaly; passes silently otherwise."""
    lines = describe(read_anomalies(anomalies))
    if lines:
        raise DataAnomaliesError(
            f"data anomalies found, stopping before training: {'; '.join(lines)}. "
            "Fix the data, or update the curated schema if the change is expected."
        )
