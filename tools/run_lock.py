"""One run at a time per output folder: an advisory lock held for the life of the `dlsuite run` process.

Two runs into one folder would share ML Metadata, `summary.json` and `pipeline.log`
and report each other's verdicts. The lock is `flock` on `<folder>/.dlsuite-run.lock`:
the kernel releases it when the process ends, however it ends, so a crashed run never
leaves the folder locked.
"""

import datetime
import fcntl
import json
import os

LOCK_FILE = ".dlsuite-run.lock"


class FolderInUseError(RuntimeError):
    """Another live process holds the folder's lock; the message names it."""


def lock_output_dir(folder, description):
    """Locks `folder` (created if missing) and returns the open lock file; keep it open while running."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, LOCK_FILE)
    handle = open(path, "a+")  # noqa: SIM115 -- held open for the whole run
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        try:
            holder = json.loads(handle.read() or "{}")
        except ValueError:
            holder = {}
        handle.close()
        raise FolderInUseError(
            f"{folder} is in use by another run ({holder.get('run', 'a dlsuite run')}, pid "
            f"{holder.get('pid', '?')}, started {holder.get('started', '?')}); wait for it to end "
            "or pass another --output-dir."
        ) from None
    handle.seek(0)
    handle.truncate()
    started = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    handle.write(json.dumps({"run": description, "pid": os.getpid(), "started": started}))
    handle.flush()
    return handle
