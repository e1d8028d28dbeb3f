"""What IdxExampleGen's examples must look like: the curated schema and the image size check.

A curated schema (domains, presence) rather than an inferred one: it is what lets the validator catch
out-of-range labels, and it tells TFDV `image` is raw image bytes, not text.
"""

import os

from google.protobuf import text_format
from tensorflow_data_validation.anomalies.proto import custom_validation_config_pb2

from components.idx_example_gen.executor import IMAGE_KEY

SCHEMA_FILE = os.path.join(os.path.dirname(__file__), "schema.pbtxt")


def image_size_check(image_shape):
    """TFDV custom validation: every image has exactly height x width bytes."""
    height, width = image_shape
    size = height * width
    return text_format.Parse(
        f"""
        feature_validations {{
          feature_path {{ step: "{IMAGE_KEY}" }}
          validations {{
            sql_expression:
              "feature.bytes_stats.min_num_bytes = {size} AND feature.bytes_stats.max_num_bytes = {size}"
            severity: ERROR
            description: "images must be {height}x{width} ({size} bytes)"
          }}
        }}
        """,
        custom_validation_config_pb2.CustomValidationConfig(),
    )
