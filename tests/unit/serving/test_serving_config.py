"""Reading TF Serving's model config file and choosing versions."""

import pytest
from google.protobuf import text_format

from serving import config as config_lib

GOOD = """
model_config_list {
  config {
    name: "lenet5"
    base_path: "/models/lenet5"
    model_platform: "tensorflow"
    model_version_policy { latest { num_versions: 2 } }
    version_labels { key: "stable" value: 3 }
  }
  config { name: "toy" base_path: "relative/toy" }
}
"""


def test_reads_tf_servings_text_format(tmp_path):
    path = tmp_path / "models.config"
    path.write_text(GOOD)
    config = config_lib.read_config_file(str(path))
    lenet5, toy = config.model_config_list.config
    assert lenet5.name == "lenet5" and lenet5.base_path == "/models/lenet5"
    assert lenet5.model_version_policy.latest.num_versions == 2
    assert dict(lenet5.version_labels) == {"stable": 3}
    assert toy.base_path.startswith("/") and toy.base_path.endswith("relative/toy")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("model_config_list { config { name: 'a' base_path: '/a' } ", "not a TF Serving model config"),
        ("model_config_list { config { base_path: '/a' } }", "has no name"),
        ("model_config_list { config { name: 'a' } }", "has no base_path"),
        (
            "model_config_list { config { name: 'a' base_path: '/a' } config { name: 'a' base_path: '/b' } }",
            "appears twice",
        ),
        (
            "model_config_list { config { name: 'a' base_path: '/a' model_platform: 'onnx' } }",
            "only 'tensorflow'",
        ),
    ],
    ids=["syntax", "no-name", "no-base-path", "duplicate", "platform"],
)
def test_bad_configs_say_what_to_change(tmp_path, text, expected):
    path = tmp_path / "models.config"
    path.write_text(text)
    with pytest.raises(config_lib.ConfigError, match=expected):
        config_lib.read_config_file(str(path))


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(config_lib.ConfigError, match="pass a readable file"):
        config_lib.read_config_file(str(tmp_path / "nope.config"))


def _policy(text):
    config = text_format.Parse(
        f"model_config_list {{ config {{ name: 'a' base_path: '/a' {text} }} }}",
        config_lib.ModelServerConfig(),
    )
    return config.model_config_list.config[0].model_version_policy


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", {9}),
        ("model_version_policy { latest { num_versions: 3 } }", {3, 7, 9}),
        ("model_version_policy { all {} }", {1, 3, 7, 9}),
        ("model_version_policy { specific { versions: 3 versions: 4 } }", {3}),
    ],
)
def test_select_versions(text, expected):
    assert config_lib.select_versions(_policy(text), [7, 1, 9, 3]) == expected
    assert config_lib.select_versions(_policy(text), []) == set()
