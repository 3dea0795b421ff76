"""`python -m playwright run-server` on 127.0.0.1 and a free port, for tests and perf/ scripts.

It stands for a browser machine's server: it launches the browsers itself, with the launch
options a worker sends (only with `--unsafe`: executable, flags, preferences).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(*extra: str, timeout: float = 60.0) -> tuple[subprocess.Popen, str]:
    """The server process and its endpoint, once it accepts connections."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "playwright", "run-server", "--port", str(port),
                             "--host", "127.0.0.1", *extra], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            why = proc.stderr.read().decode() if proc.stderr else ""
            raise RuntimeError(f"playwright run-server exited {proc.returncode}: {why}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"ws://127.0.0.1:{port}/"
        except OSError:
            time.sleep(0.1)
    stop_server(proc)
    raise RuntimeError(f"playwright run-server did not listen within {timeout:g} s")


def stop_server(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """End the server and the browsers it launched.

    On SIGTERM the server's Node process closes its browsers (which Playwright starts in sessions of
    their own, out of reach of a group signal) but keeps running, and `python -m playwright` exits
    at once. So: SIGTERM to the group, wait until Node has no browser left, then SIGKILL the group.
    """
    nodes = _children(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(_children(node) for node in nodes):
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found
