"""Model versions on disk -> loaded servables, as TF Serving's manager keeps them.

Every `poll_seconds` each model's base path is listed (`<base>/<version>/`); as in TF Serving a
version is a folder named by a decimal int64 (other names are skipped, logged once each); the
version policy picks the versions to serve. Availability first: new versions are loaded and warmed
up before the ones they replace are unloaded, so a model never has zero versions while one is
ready. A version that fails to load is reported (state END with the error) and skipped until its
files change; the versions already serving stay. A version directory is loaded once its files have
stopped changing between two polls (a Pusher copy in progress is not loaded half-written).
"""

import dataclasses
import logging
import os
import re
import threading

import grpc
from tensorflow_serving.apis import get_model_status_pb2

from serving import config as config_lib
from serving import errors

State = get_model_status_pb2.ModelVersionStatus.State
log = logging.getLogger(__name__)

MAX_VERSION = 2**63 - 1  # versions are int64, as in TF Serving's protos
_DECIMAL = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() also takes '²'


@dataclasses.dataclass
class VersionStatus:
    version: int
    state: int = State.START
    error_code: grpc.StatusCode = grpc.StatusCode.OK
    error_message: str = ""
    failed_fingerprint: tuple | None = None


class _Model:
    def __init__(self, model_config):
        self.config = model_config
        self.versions = {}  # version -> VersionStatus, every version ever loaded or tried
        self.servables = {}  # version -> servable; replaced whole, never mutated (lock-free reads)
        self.last_seen = {}  # version -> fingerprint at the previous poll
        self.unlisted = False  # the base path could not be listed at the last poll
        self.skipped = set()  # folder names already logged as not a version


def _fingerprint(path):
    found = []
    for root, _, files in os.walk(path):
        for name in files:
            try:
                stat = os.stat(os.path.join(root, name))
            except OSError:
                continue
            found.append((os.path.relpath(os.path.join(root, name), path), stat.st_size, stat.st_mtime_ns))
    return tuple(sorted(found))


def parse_version(name):
    """The version a folder name means (a decimal int64, as TF Serving parses it), or None."""
    if not _DECIMAL.fullmatch(name) or int(name) > MAX_VERSION:
        return None
    return int(name)


def _versions_on_disk(model):
    """{version: path}; None when the base path cannot be listed (then nothing changes)."""
    base_path = model.config.base_path
    try:
        names = os.listdir(base_path)
    except OSError:
        return None
    found = {}
    for name in sorted(names):
        path = os.path.join(base_path, name)
        if not os.path.isdir(path):
            continue
        version = parse_version(name)
        if version is None or version in found:
            if name not in model.skipped:  # logged once, not at every poll
                model.skipped.add(name)
                why = "it is not a version number" if version is None else f"version {version} is taken"
                log.warning(
                    "model %s: ignoring folder %r in %s: %s (a version folder is named by a whole "
                    "number from 0 to %d)",
                    model.config.name,
                    name,
                    base_path,
                    why,
                    MAX_VERSION,
                )
            continue
        found[version] = path
    return found


class ModelManager:
    """Keeps the configured models' versions loaded. `load(name, version, path)` returns a servable
    (something with `close()`); it raises on a broken version."""

    AVAILABLE = State.AVAILABLE

    def __init__(self, server_config, load, poll_seconds=1.0):
        self._load, self._poll_seconds = load, poll_seconds
        self._models = {}
        self._cycle_lock = threading.RLock()
        self._stop = threading.Event()
        self._thread = None
        self._set_config(server_config)

    # --- lifecycle ---

    def start(self):
        """Loads what is on disk now (no settling wait), then keeps polling in the background."""
        self.poll(initial=True)
        if self._poll_seconds > 0:
            self._thread = threading.Thread(target=self._poll_loop, name="model-manager", daemon=True)
            self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._cycle_lock:
            for model in self._models.values():
                self._unload(model, set(model.servables))

    def _poll_loop(self):
        while not self._stop.wait(self._poll_seconds):
            try:
                self.poll()
            except Exception:  # noqa: BLE001 -- keep serving; the next poll retries
                log.exception("model poll failed")

    def reload_config(self, server_config):
        """HandleReloadConfigRequest: serve exactly the models of `server_config`; returns label errors."""
        server_config = config_lib.validate(server_config)
        with self._cycle_lock:
            new_names = {c.name for c in server_config.model_config_list.config}
            removed = [m for name, m in self._models.items() if name not in new_names]
            self._set_config(server_config)
            for model in removed:
                self._unload(model, set(model.servables))
            self.poll(initial=True)
            return self.label_errors()

    def _set_config(self, server_config):
        """Replaces the model map whole (requests read it without a lock); keeps loaded models' state."""
        models = {}
        for model_config in server_config.model_config_list.config:
            models[model_config.name] = self._models.get(model_config.name) or _Model(model_config)
            models[model_config.name].config = model_config
        self._models = models

    # --- the poll cycle ---

    def poll(self, initial=False):
        with self._cycle_lock:
            for model in list(self._models.values()):
                try:
                    self._poll_model(model, initial)
                except Exception:  # noqa: BLE001 -- one model's trouble must not stop the others
                    log.exception("model %s: poll failed; retrying at the next poll", model.config.name)

    def _poll_model(self, model, initial):
        on_disk = _versions_on_disk(model)
        if on_disk is None:  # missing or unreadable: keep serving what is loaded
            if not model.unlisted:
                log.warning("model %s: cannot list base path %s", model.config.name, model.config.base_path)
            model.unlisted = True
            return
        model.unlisted = False
        fingerprints = {v: _fingerprint(p) for v, p in on_disk.items()}
        candidates = set()
        for version, fingerprint in fingerprints.items():
            if version in model.servables:
                candidates.add(version)
                continue
            status = model.versions.get(version)
            if status is not None and status.failed_fingerprint == fingerprint:
                continue  # failed before and unchanged since
            if initial or model.last_seen.get(version) == fingerprint:
                candidates.add(version)
        model.last_seen = fingerprints

        policy = model.config.model_version_policy
        for version in sorted(
            config_lib.select_versions(policy, candidates) - set(model.servables), reverse=True
        ):
            if not self._load_version(model, version, on_disk[version], fingerprints[version]):
                candidates.discard(version)
        keep = config_lib.select_versions(policy, candidates)
        self._unload(model, set(model.servables) - keep)

    def _load_version(self, model, version, path, fingerprint):
        name = model.config.name
        status = VersionStatus(version, State.LOADING)
        model.versions = {**model.versions, version: status}  # copy-on-write: status() reads it unlocked
        log.info("Loading servable version {name: %s version: %d} from %s", name, version, path)
        try:
            servable = self._load(name, version, path)
        except Exception as e:  # noqa: BLE001 -- any load failure is reported in the status
            error = errors.from_exception(e)
            error_code = (
                error.code if error.code != grpc.StatusCode.INVALID_ARGUMENT else grpc.StatusCode.UNKNOWN
            )
            failed = VersionStatus(
                version,
                State.END,
                error_code,
                f"Failed to load servable version {version} of model {name} from {path}: {error.message}",
                failed_fingerprint=fingerprint,
            )
            model.versions = {**model.versions, version: failed}
            log.error("%s", model.versions[version].error_message)
            return False
        model.servables = {**model.servables, version: servable}
        status.state = State.AVAILABLE
        log.info("Successfully loaded servable version {name: %s version: %d}", name, version)
        return True

    def _unload(self, model, versions):
        if not versions:
            return
        for version in versions:
            model.versions[version].state = State.UNLOADING
        removed = [model.servables[v] for v in versions]
        model.servables = {v: s for v, s in model.servables.items() if v not in versions}
        for version, servable in zip(versions, removed):
            servable.close()
            model.versions[version].state = State.END
            log.info("Unloaded servable version {name: %s version: %d}", model.config.name, version)

    # --- queries ---

    def model_names(self):
        return sorted(self._models)

    def _model(self, name, spec_text):
        model = self._models.get(name)
        if model is None:
            served = ", ".join(sorted(self._models)) or "none"
            raise errors.not_found(f"Servable not found for request: {spec_text}; served models: {served}")
        return model

    def resolve_version(self, name, version=None, label=None):
        """The version number a (name, version | label | latest) request means; NOT_FOUND if none."""
        if label:
            model = self._model(name, f"Latest({name})")
            if label not in model.config.version_labels:
                raise errors.invalid_argument(f"Unrecognized servable version label: {label}")
            return model.config.version_labels[label]
        if version is not None:
            self._model(name, f"Specific({name}, {version})")
            return version
        model = self._model(name, f"Latest({name})")
        servables = model.servables
        if not servables:
            raise errors.not_found(
                f"Servable not found for request: Latest({name}); no version is loaded (yet), "
                f"GET /v1/models/{name} shows load errors"
            )
        return max(servables)

    def servable(self, name, version=None, label=None):
        """The loaded servable for a request (specific version, label, or the latest)."""
        version = self.resolve_version(name, version, label)
        servables = self._model(name, f"Specific({name}, {version})").servables
        servable = servables.get(version)
        if servable is None:
            available = ", ".join(map(str, sorted(servables))) or "none yet"
            raise errors.not_found(
                f"Servable not found for request: Specific({name}, {version}); available: {available}"
            )
        return servable

    def status(self, name, version=None, label=None):
        """[VersionStatus] as GetModelStatus reports them (one version when asked for one)."""
        model = self._model(name, f"Latest({name})")
        if version is not None or label:
            version = self.resolve_version(name, version, label)
            if version not in model.versions:
                raise errors.not_found(f"Could not find version {version} of model {name}")
            return [dataclasses.replace(model.versions[version])]
        if not model.versions:
            raise errors.not_found(f"Could not find any versions of model {name}")
        return [dataclasses.replace(s) for _, s in sorted(model.versions.items(), reverse=True)]

    def label_errors(self):
        """Labels that point to a version not AVAILABLE (TF Serving refuses those)."""
        problems = []
        for name, model in sorted(self._models.items()):
            for label, version in sorted(model.config.version_labels.items()):
                if version not in model.servables:
                    problems.append(
                        f"Request to assign label {label!r} to version {version} of model {name}, which is "
                        "not currently available for inference"
                    )
        return problems

    def configs(self):
        return {name: model.config for name, model in self._models.items()}
