"""gunicorn server hooks for `lms serve`: one outbox delivery worker beside the web workers.

The delivery worker is a child process of gunicorn's master: it starts when the master is
ready, stops when the master exits, and stops by itself if the master disappears.
"""

from __future__ import annotations

import os
import subprocess
import sys

_children: list[subprocess.Popen] = []


def when_ready(server) -> None:
    if os.environ.get("LMS_SERVE_DELIVERY", "1") == "0":
        return
    code = "from lms.cli import main; main()"
    _children.append(subprocess.Popen(
        [sys.executable, "-c", code, "worker", "--parent-pid", str(os.getpid())],
        stdin=subprocess.DEVNULL))
    server.log.info("outbox delivery worker started (pid %s)", _children[-1].pid)


def on_exit(server) -> None:
    for child in _children:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
