"""Which models to serve: TF Serving's ModelServerConfig, read from its text format.

`--model-config-file` takes the very file TF Serving reads (`model_config_list { config { name:
... base_path: ... model_version_policy { latest { num_versions: 2 } } version_labels { ... } } }`),
parsed with the official `tensorflow_serving.config` protos; `--model-base-path` / `--model-name`
build the same proto for one model.
"""

import os

from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

ModelServerConfig = model_server_config_pb2.ModelServerConfig


class ConfigError(ValueError):
    """The model config is unusable; the message says what to change."""


def read_config_file(path):
    """Parses a TF Serving model config file (text format ModelServerConfig)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise ConfigError(f"--model-config-file {path}: {e.strerror}; pass a readable file.") from None
    try:
        config = text_format.Parse(text, ModelServerConfig())
    except text_format.ParseError as e:
        raise ConfigError(
            f"--model-config-file {path}: not a TF Serving model config ({e}); expected text format like "
            "model_config_list { config { name: 'lenet5' base_path: '/models/lenet5' } }."
        ) from None
    return validate(config, source=f"--model-config-file {path}")


def single_model_config(base_path, name):
    """The config TF Serving builds from --model_base_path / --model_name: latest version only."""
    config = ModelServerConfig()
    model = config.model_config_list.config.add(name=name, base_path=base_path, model_platform="tensorflow")
    model.model_version_policy.latest.num_versions = 1
    return validate(config, source="--model-base-path")


def validate(config, source="model config"):
    """Checks names, paths and platforms; returns `config` with absolute base paths."""
    if config.WhichOneof("config") != "model_config_list":
        raise ConfigError(f"{source}: only model_config_list is supported (no custom_model_config).")
    seen = set()
    for model in config.model_config_list.config:
        if not model.name:
            raise ConfigError(f'{source}: a model config has no name; every model needs `name: "..."`.')
        if model.name in seen:
            raise ConfigError(f"{source}: model {model.name!r} appears twice; model names must be unique.")
        seen.add(model.name)
        if not model.base_path:
            raise ConfigError(f"{source}: model {model.name!r} has no base_path; point it at <base>/<model>.")
        if model.model_platform not in ("", "tensorflow"):
            raise ConfigError(
                f"{source}: model {model.name!r} has model_platform {model.model_platform!r}; "
                "only 'tensorflow' SavedModels are served."
            )
        model.base_path = os.path.abspath(model.base_path)
    return config


def select_versions(policy, versions):
    """The versions a ServableVersionPolicy aspires to, out of `versions` (ints) on disk.

    latest(N) (TF Serving's default, N = 1), all, or specific {versions: [...]}.
    """
    versions = sorted(versions)
    kind = policy.WhichOneof("policy_choice")
    if kind == "all":
        return set(versions)
    if kind == "specific":
        return set(policy.specific.versions) & set(versions)
    num = policy.latest.num_versions if kind == "latest" and policy.latest.num_versions else 1
    return set(versions[-num:])


def describe_policy(policy):
    kind = policy.WhichOneof("policy_choice")
    if kind == "all":
        return "all"
    if kind == "specific":
        return f"specific{sorted(policy.specific.versions)}"
    return f"latest({policy.latest.num_versions or 1})"
