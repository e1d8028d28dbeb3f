"""The model manager's version policies, availability-preserving swaps, failed loads and labels."""

import grpc
import pytest
from google.protobuf import text_format

from serving import config as config_lib
from serving import errors
from serving.model_manager import ModelManager, State


class FakeServable:
    def __init__(self, name, version, events):
        self.name, self.version, self._events = name, version, events
        events.append(("load", name, version))

    def close(self):
        self._events.append(("unload", self.name, self.version))


class Harness:
    """A ModelManager over tmp_path/<model>/<version>/ with a loader that fails on demand."""

    def __init__(self, tmp_path, models_text):
        self.root, self.events, self.failing = tmp_path, [], set()
        text = f"model_config_list {{ {models_text.replace('BASE', str(tmp_path))} }}"
        server_config = config_lib.validate(text_format.Parse(text, config_lib.ModelServerConfig()))
        self.manager = ModelManager(server_config, load=self._load, poll_seconds=0)

    def _load(self, name, version, path):
        if (name, version) in self.failing:
            self.events.append(("fail", name, version))
            raise ValueError(f"broken version {version}")
        return FakeServable(name, version, self.events)

    def add_version(self, model, version, content=b"graph"):
        path = self.root / model / str(version)
        path.mkdir(parents=True, exist_ok=True)
        (path / "saved_model.pb").write_bytes(content)

    def states(self, model):
        return {s.version: State.Name(s.state) for s in self.manager.status(model)}


def _model(name, policy=""):
    return f'config {{ name: "{name}" base_path: "BASE/{name}" {policy} }}'


def test_latest_is_the_default_policy_and_only_the_newest_loads(tmp_path):
    h = Harness(tmp_path, _model("m"))
    for version in (1, 2, 10):
        h.add_version("m", version)
    h.manager.start()
    assert h.events == [("load", "m", 10)]
    assert h.states("m") == {10: "AVAILABLE"}
    assert h.manager.servable("m").version == 10


def test_a_new_version_loads_before_the_old_one_unloads(tmp_path):
    h = Harness(tmp_path, _model("m"))
    h.add_version("m", 1)
    h.manager.start()
    h.add_version("m", 2)
    h.manager.poll()  # seen once: maybe still being copied, not loaded yet
    assert h.manager.servable("m").version == 1
    h.manager.poll()
    assert h.events == [("load", "m", 1), ("load", "m", 2), ("unload", "m", 1)]
    assert h.states("m") == {1: "END", 2: "AVAILABLE"}
    assert h.manager.servable("m").version == 2


def test_a_failed_load_keeps_the_old_version_and_reports_the_error(tmp_path):
    h = Harness(tmp_path, _model("m"))
    h.add_version("m", 1)
    h.manager.start()
    h.failing.add(("m", 2))
    h.add_version("m", 2)
    h.manager.poll()
    h.manager.poll()
    assert h.manager.servable("m").version == 1
    statuses = {s.version: s for s in h.manager.status("m")}
    assert statuses[1].state == State.AVAILABLE
    assert statuses[2].state == State.END and statuses[2].error_code != grpc.StatusCode.OK
    assert "broken version 2" in statuses[2].error_message

    h.manager.poll()  # unchanged files: not retried
    assert h.events.count(("fail", "m", 2)) == 1
    h.failing.clear()
    h.add_version("m", 2, content=b"fixed graph")  # files changed: retried once settled
    h.manager.poll()
    h.manager.poll()
    assert h.manager.servable("m").version == 2
    assert h.states("m") == {1: "END", 2: "AVAILABLE"}


@pytest.mark.parametrize(
    "policy, expected",
    [
        ("model_version_policy { latest { num_versions: 2 } }", {2, 3}),
        ("model_version_policy { all {} }", {1, 2, 3}),
        ("model_version_policy { specific { versions: 1 versions: 3 versions: 9 } }", {1, 3}),
    ],
    ids=["latest-2", "all", "specific"],
)
def test_version_policies(tmp_path, policy, expected):
    h = Harness(tmp_path, _model("m", policy))
    for version in (1, 2, 3):
        h.add_version("m", version)
    h.manager.start()
    assert {v for v, state in h.states("m").items() if state == "AVAILABLE"} == expected
    assert h.manager.servable("m").version == max(expected)  # no version given: the latest


def test_labels_resolve_to_versions(tmp_path):
    labels = 'model_version_policy { all {} } version_labels { key: "stable" value: 1 }'
    h = Harness(tmp_path, _model("m", labels + ' version_labels { key: "canary" value: 5 }'))
    h.add_version("m", 1)
    h.add_version("m", 2)
    h.manager.start()
    assert h.manager.servable("m", label="stable").version == 1
    with pytest.raises(errors.ServingError) as raised:
        h.manager.servable("m", label="nope")
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "Unrecognized servable version label: nope" in raised.value.message
    (problem,) = h.manager.label_errors()  # canary -> 5, which is not loaded
    assert "'canary'" in problem and "version 5" in problem


def test_unknown_models_and_versions_are_not_found(tmp_path):
    h = Harness(tmp_path, _model("m"))
    h.add_version("m", 1)
    h.manager.start()
    for kwargs in ({"name": "other"}, {"name": "m", "version": 2}):
        with pytest.raises(errors.ServingError) as raised:
            h.manager.servable(**kwargs)
        assert raised.value.code == grpc.StatusCode.NOT_FOUND
        assert raised.value.http_status == 404
    with pytest.raises(errors.ServingError):
        h.manager.status("m", version=2)


def test_a_deleted_version_is_unloaded(tmp_path):
    h = Harness(tmp_path, _model("m", "model_version_policy { all {} }"))
    h.add_version("m", 1)
    h.add_version("m", 2)
    h.manager.start()
    for path in (tmp_path / "m" / "2").iterdir():
        path.unlink()
    (tmp_path / "m" / "2").rmdir()
    h.manager.poll()
    assert h.states("m") == {1: "AVAILABLE", 2: "END"}


def test_an_unreadable_base_path_keeps_what_is_loaded(tmp_path):
    h = Harness(tmp_path, _model("m"))
    h.add_version("m", 1)
    h.manager.start()
    (tmp_path / "m").rename(tmp_path / "elsewhere")  # unmounted, say
    h.manager.poll()
    assert h.manager.servable("m").version == 1 and h.states("m") == {1: "AVAILABLE"}


def test_reload_config_adds_and_removes_models(tmp_path):
    h = Harness(tmp_path, _model("a"))
    h.add_version("a", 1)
    h.add_version("b", 1)
    h.manager.start()
    text = f'model_config_list {{ config {{ name: "b" base_path: "{tmp_path}/b" }} }}'
    problems = h.manager.reload_config(text_format.Parse(text, config_lib.ModelServerConfig()))
    assert problems == []
    assert h.manager.model_names() == ["b"]
    assert ("unload", "a", 1) in h.events and h.manager.servable("b").version == 1


def test_stop_unloads_everything(tmp_path):
    h = Harness(tmp_path, _model("m"))
    h.add_version("m", 1)
    h.manager.start()
    h.manager.stop()
    assert h.events[-1] == ("unload", "m", 1)
