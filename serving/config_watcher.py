"""TF Serving's --model_config_file_poll_wait_seconds: the model config file, re-read while serving.

Every `poll_seconds` the file is read again; when its text changed, the manager serves exactly the
new config (models added and removed, version policies and labels changed), as a
HandleReloadConfigRequest would. A file that cannot be read or parsed is logged and the models
keep serving as before; it is read again at the next poll.
"""

import logging
import threading

from serving import config as config_lib

log = logging.getLogger(__name__)


class ConfigWatcher:
    def __init__(self, path, manager, poll_seconds):
        self._path, self._manager, self._poll_seconds = path, manager, poll_seconds
        self._stop = threading.Event()
        self._thread = None
        self._last = self._read_text()

    def _read_text(self):
        try:
            with open(self._path) as f:
                return f.read()
        except OSError as e:
            log.error("--model_config_file %s: %s; keeping the models served", self._path, e.strerror)
            return None

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="model-config-poll", daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self):
        while not self._stop.wait(self._poll_seconds):
            self.check()

    def check(self):
        """Reloads if the file's text changed; True when a new config was applied."""
        text = self._read_text()
        if text is None or text == self._last:
            return False
        try:
            config = config_lib.read_config_file(self._path)
        except ValueError as e:  # ConfigError
            log.error("%s; keeping the models served", e)
            return False
        self._last = text
        problems = self._manager.reload_config(config)
        for problem in problems:
            log.error("model config %s: %s", self._path, problem)
        log.info("model config %s reloaded: serving %s", self._path, ", ".join(self._manager.model_names()))
        return True
