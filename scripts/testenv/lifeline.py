"""Tie a long-lived test helper to the process that started it.

The registry tests start servers (registry.py, token_server.py, proxy.py) from a test
process. When that process crashes or is killed, nothing would stop those servers, and a
crashed test run would leave them listening. So each server calls `tie_to_parent()` first:

- it polls os.getppid() and exits when the parent is gone (the child is re-parented);
- when stdin is a pipe, it exits as soon as the pipe reaches end-of-file. The Rust harness
  keeps the write end open; to stop the server it writes "stop" and closes it: instant, and
  it needs no signal (the harness has no way to send SIGTERM without a crate);
- SIGTERM and SIGINT exit too.

Before exiting it runs the cleanup the caller gave (registry.py kills docker-registry).
When the parent went away without saying "stop" (it crashed, so nobody else will clean
up), it also removes `orphan_dir`, the test's temporary directory. Stdlib only.
"""

import os
import shutil
import signal
import stat
import threading
import time

_lock = threading.Lock()


def tie_to_parent(cleanup=None, orphan_dir=None, interval=0.1):
    """Exit (after running `cleanup`) when the parent dies, stdin closes, or on SIGTERM."""
    parent = os.getppid()

    def die(orphaned):
        # Several watchers may fire at once; the first one runs the cleanup.
        with _lock:
            if cleanup is not None:
                try:
                    cleanup()
                except Exception:  # noqa: BLE001 - exiting anyway
                    pass
            if orphaned and orphan_dir:
                shutil.rmtree(orphan_dir, ignore_errors=True)
            os._exit(0)

    def watch_parent():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                die(orphaned=True)

    threading.Thread(target=watch_parent, daemon=True).start()

    try:
        stdin_is_pipe = stat.S_ISFIFO(os.fstat(0).st_mode)
    except OSError:
        stdin_is_pipe = False
    if stdin_is_pipe:

        def watch_stdin():
            said = b""
            try:
                while chunk := os.read(0, 4096):
                    said = (said + chunk)[-64:]
            except OSError:
                pass
            die(orphaned=b"stop" not in said)

        threading.Thread(target=watch_stdin, daemon=True).start()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: die(orphaned=False))
