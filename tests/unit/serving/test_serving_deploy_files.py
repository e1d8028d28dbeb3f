"""serving/deploy/: the TF Serving configs parse, and the manifests use them."""

import yaml

from serving import batching, config
from tests.conftest import ROOT

DEPLOY = ROOT / "serving" / "deploy"


def test_model_config_is_tf_serving_text_format():
    (lenet5,) = config.read_config_file(str(DEPLOY / "models.config")).model_config_list.config
    assert lenet5.name == "lenet5" and lenet5.base_path == "/models/lenet5"


def test_batching_config_is_tf_serving_text_format():
    params = batching.read_batching_parameters(str(DEPLOY / "batching.config"))
    assert params.max_batch_size == 32 and params.batch_timeout_micros == 1000


def test_compose_and_k8s_run_tf_serving_with_both_configs():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]["tf-serving"]
    deployment = yaml.safe_load((DEPLOY / "k8s" / "deployment.yaml").read_text())
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    for image, args in ((compose["image"], compose["command"]), (container["image"], container["args"])):
        assert image.startswith("tensorflow/serving:")
        assert "--model_config_file=/config/models.config" in args
        assert "--batching_parameters_file=/config/batching.config" in args
    assert all(port.startswith("127.0.0.1:") for port in compose["ports"])  # loopback unless published
    configmap = yaml.safe_load((DEPLOY / "k8s" / "configmap.yaml").read_text())
    assert set(configmap["data"]) == {"models.config", "batching.config"}
