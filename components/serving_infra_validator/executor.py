"""Executor of ServingInfraValidator: serve the candidate on loopback, send canned requests, bless."""

import base64
import os
import tempfile
import time

import numpy as np
import tensorflow as tf
from absl import logging
from tfx.dsl.components.base import base_executor
from tfx.types import artifact_utils
from tfx.utils import path_utils

from serving import config, server
from serving.grpc_client import GrpcClient
from serving.rest_client import RestClient, ServingClientError
from serving.servable import CLASSIFY_METHOD, DEFAULT_SIGNATURE

BLESSED_FILE, NOT_BLESSED_FILE = "INFRA_BLESSED", "INFRA_NOT_BLESSED"  # as TFX's InfraValidator
MODEL_NAME = "candidate"


class InfraValidationError(RuntimeError):
    """The candidate cannot be served; the message says why."""


def canned_examples(examples_artifact, split, count):
    """The first `count` serialized tf.Examples of `split`."""
    split_uri = artifact_utils.get_split_uri([examples_artifact], split)
    files = sorted(tf.io.gfile.glob(os.path.join(split_uri, "*")))
    if not files:
        raise InfraValidationError(f"no example files in split {split!r} ({split_uri}) for canned requests.")
    dataset = tf.data.TFRecordDataset(files, compression_type="GZIP").take(count)
    return [record.numpy() for record in dataset]


def _check_rows(what, outputs, count):
    for name, value in outputs.items():
        array = np.asarray(value)
        if array.ndim == 0 or array.shape[0] != count:
            raise InfraValidationError(
                f"{what}: output {name!r} has shape {list(array.shape)}, expected {count} rows."
            )
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise InfraValidationError(f"{what}: output {name!r} has NaN or infinite values.")


def _signature_defs(metadata):
    return metadata["metadata"]["signature_def"]["signature_def"]


def send_canned_requests(rest, grpc, serialized):
    """REST and gRPC predict on serving_default, gRPC classify on classify signatures; returns a report."""
    signature_defs = _signature_defs(rest.metadata(MODEL_NAME))
    report = [f"signatures: {', '.join(sorted(signature_defs))}"]
    default = signature_defs.get(DEFAULT_SIGNATURE)
    if not serialized or default is None:
        return report
    inputs = default["inputs"]
    if len(inputs) != 1 or next(iter(inputs.values()))["dtype"] != "DT_STRING":
        return report + ["serving_default does not take serialized examples: load and warmup only"]
    count = len(serialized)
    instances = [{"b64": base64.b64encode(s).decode("ascii")} for s in serialized]
    predictions = rest.predict(MODEL_NAME, {"instances": instances})["predictions"]
    if len(predictions) != count:
        raise InfraValidationError(f"REST predict: {len(predictions)} predictions for {count} instances.")
    (key,) = inputs
    _, outputs = grpc.predict_arrays(MODEL_NAME, {key: np.array(serialized, dtype=object)})
    _check_rows("gRPC predict", outputs, count)
    report.append(f"predict: {count} examples over REST and gRPC")
    for name, signature in sorted(signature_defs.items()):
        if signature.get("method_name") == CLASSIFY_METHOD:
            body = {"signature_name": name, "examples": [_example_json(s) for s in serialized]}
            results = grpc.classify(MODEL_NAME, body)["results"]
            if len(results) != count or not all(results):
                raise InfraValidationError(
                    f"gRPC classify ({name}): {len(results)} results for {count} examples."
                )
            report.append(f"classify ({name}): {count} examples over gRPC")
    return report


def _example_json(serialized):
    """A tf.Example as TF Serving's JSON (features as lists; bytes as b64)."""
    example = tf.train.Example.FromString(serialized)
    features = {}
    for name, feature in example.features.feature.items():
        kind = feature.WhichOneof("kind")
        values = list(getattr(feature, kind).value) if kind else []
        if kind == "bytes_list":
            values = [{"b64": base64.b64encode(v).decode("ascii")} for v in values]
        features[name] = values
    return features


def validate(model_path, serialized, timeout_seconds):
    """Serves `model_path` as version 1 of a throw-away base path; returns the report lines."""
    deadline = time.monotonic() + timeout_seconds
    with tempfile.TemporaryDirectory(prefix="infra_validation_") as base:
        model_base = os.path.join(base, MODEL_NAME)
        os.makedirs(model_base)
        os.symlink(os.path.abspath(model_path), os.path.join(model_base, "1"))
        options = server.ServerOptions(rest_port=0, grpc_port=0, poll_seconds=0)
        with server.ModelServer(config.single_model_config(model_base, MODEL_NAME), options) as model_server:
            timeout = max(1.0, deadline - time.monotonic())
            rest = RestClient(f"127.0.0.1:{model_server.rest_port}", timeout=timeout)
            grpc = GrpcClient(f"127.0.0.1:{model_server.grpc_port}", timeout=timeout)
            try:
                (status,) = rest.status(MODEL_NAME)["model_version_status"]
                if status["state"] != "AVAILABLE":
                    raise InfraValidationError(f"the model server could not load it: {status['status']}")
                return send_canned_requests(rest, grpc, serialized)
            except ServingClientError as e:
                raise InfraValidationError(
                    f"the model server could not load or serve it: {e.message}"
                ) from None
            finally:
                rest.close()
                grpc.close()


class Executor(base_executor.BaseExecutor):
    def Do(self, input_dict, output_dict, exec_properties):  # noqa: N802 (TFX naming)
        model = artifact_utils.get_single_instance(input_dict["model"])
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        model_path = path_utils.serving_model_path(model.uri, path_utils.is_old_model_artifact(model))
        serialized = []
        if input_dict.get("examples"):
            examples = artifact_utils.get_single_instance(input_dict["examples"])
            serialized = canned_examples(examples, exec_properties["split"], exec_properties["num_examples"])
        try:
            report, problem = validate(model_path, serialized, exec_properties["timeout_seconds"]), None
        except (InfraValidationError, ServingClientError) as e:
            problem = str(e)
        if problem is not None:  # raised outside the except: the run's one-line reason is this message
            _write(blessing, NOT_BLESSED_FILE, problem, blessed=0)
            raise InfraValidationError(
                f"the candidate model is not servable, so it is not pushed: {problem} Reproduce with "
                f"`dlsuite serve --model-base-path DIR` where DIR/1 is a copy of {model_path}."
            )
        logging.info("ServingInfraValidator: %s", "; ".join(report))
        _write(blessing, BLESSED_FILE, "\n".join(report), blessed=1)


def _write(blessing, name, text, blessed):
    with tf.io.gfile.GFile(os.path.join(blessing.uri, name), "w") as f:
        f.write(text + "\n")
    blessing.set_int_custom_property("blessed", blessed)
