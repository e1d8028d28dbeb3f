"""ModelService.HandleReloadConfigRequest through the official stub: add, relabel and remove models."""

import shutil

import grpc
import pytest
import requests
from google.protobuf import text_format
from tensorflow_serving.apis import get_model_status_pb2, model_management_pb2, model_service_pb2_grpc
from tensorflow_serving.config import model_server_config_pb2

from tests.serving_helpers import ServerProcess, build_toy_model

pytestmark = pytest.mark.e2e


def _reload(stub, text):
    request = model_management_pb2.ReloadConfigRequest(
        config=text_format.Parse(text, model_server_config_pb2.ModelServerConfig())
    )
    return stub.HandleReloadConfigRequest(request, timeout=120).status


def _versions(stub, name):
    request = get_model_status_pb2.GetModelStatusRequest()
    request.model_spec.name = name
    return {s.version: s.state for s in stub.GetModelStatus(request, timeout=30).model_version_status}


def test_reload_config_adds_relabels_and_removes_models(tmp_path, pushed_lenet5):
    shutil.copytree(pushed_lenet5, tmp_path / "lenet5" / "1")
    build_toy_model(tmp_path / "toy" / "1")
    lenet5 = f'config {{ name: "lenet5" base_path: "{tmp_path}/lenet5" }}'
    toy = f'config {{ name: "toy" base_path: "{tmp_path}/toy" }}'
    server = ServerProcess("--model-base-path", tmp_path / "lenet5", log_path=tmp_path / "serve.log")
    try:
        with grpc.insecure_channel(server.grpc_target) as channel:
            stub = model_service_pb2_grpc.ModelServiceStub(channel)
            available = get_model_status_pb2.ModelVersionStatus.AVAILABLE

            status = _reload(stub, f"model_config_list {{ {lenet5} {toy} }}")
            assert status.error_code == 0, status.error_message
            assert _versions(stub, "toy") == {1: available}
            assert _versions(stub, "lenet5") == {1: available}

            labelled = toy.replace("}", 'version_labels { key: "stable" value: 1 } }', 1)
            assert _reload(stub, f"model_config_list {{ {lenet5} {labelled} }}").error_code == 0
            response = requests.get(f"{server.rest_url}/v1/models/toy/labels/stable", timeout=30)
            assert response.status_code == 200, response.text

            bad_label = toy.replace("}", 'version_labels { key: "next" value: 9 } }', 1)
            status = _reload(stub, f"model_config_list {{ {lenet5} {bad_label} }}")
            assert status.error_code == grpc.StatusCode.FAILED_PRECONDITION.value[0]
            assert "version 9" in status.error_message

            assert _reload(stub, f"model_config_list {{ {toy} }}").error_code == 0
            with pytest.raises(grpc.RpcError) as raised:
                _versions(stub, "lenet5")
            assert raised.value.code() == grpc.StatusCode.NOT_FOUND
            response = requests.get(f"{server.rest_url}/v1/models/lenet5", timeout=30)
            assert response.status_code == 404
    finally:
        assert server.stop() == 0, server.log_tail()
