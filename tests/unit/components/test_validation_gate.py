from google.protobuf import text_format
from tensorflow_metadata.proto.v0 import anomalies_pb2

from components.validation_gate.component import describe


def test_describe_lists_every_anomaly_by_split():
    eval_anomalies = text_format.Parse(
        """
        anomaly_info {
          key: "label"
          value { short_description: "Out-of-range values" description: "Unexpectedly large value: 12." }
        }
        dataset_anomaly_info { short_description: "Low num examples" description: "Too few." }
        """,
        anomalies_pb2.Anomalies(),
    )
    lines = describe({"train": anomalies_pb2.Anomalies(), "eval": eval_anomalies})
    assert lines == [
        "split 'eval': label: Out-of-range values (Unexpectedly large value: 12.)",
        "split 'eval': dataset: Low num examples (Too few.)",
    ]


def test_describe_is_empty_for_clean_data():
    assert describe({"train": anomalies_pb2.Anomalies(), "eval": anomalies_pb2.Anomalies()}) == []
