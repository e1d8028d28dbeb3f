"""Status and metadata responses, built as TF Serving builds them (the same protos for REST and gRPC)."""

from google.protobuf import any_pb2, json_format
from tensorflow_serving.apis import get_model_metadata_pb2, get_model_status_pb2, model_pb2

from serving import inference

SIGNATURE_DEF_FIELD = "signature_def"


def model_spec(name, version=None, signature_name=None):
    spec = model_pb2.ModelSpec(name=name)
    if version is not None:
        spec.version.value = version
    if signature_name is not None:
        spec.signature_name = signature_name
    return spec


def status_response(statuses):
    response = get_model_status_pb2.GetModelStatusResponse()
    for status in statuses:
        item = response.model_version_status.add(version=status.version, state=status.state)
        item.status.error_code = status.error_code.value[0]
        item.status.error_message = status.error_message
    return response


def metadata_response(servable):
    any_map = any_pb2.Any()
    any_map.Pack(inference.signature_def_map(servable))
    response = get_model_metadata_pb2.GetModelMetadataResponse(
        model_spec=model_spec(servable.name, servable.version, "")
    )
    response.metadata[SIGNATURE_DEF_FIELD].CopyFrom(any_map)
    return response


def to_json_dict(message):
    return json_format.MessageToDict(
        message, including_default_value_fields=True, preserving_proto_field_name=True
    )


def status_json(statuses):
    return to_json_dict(status_response(statuses))


def metadata_json(servable):
    """`{"model_spec": ..., "metadata": {"signature_def": {"signature_def": {...}}}}`, as TF Serving."""
    return {
        "model_spec": to_json_dict(model_spec(servable.name, servable.version, "")),
        "metadata": {SIGNATURE_DEF_FIELD: to_json_dict(inference.signature_def_map(servable))},
    }
