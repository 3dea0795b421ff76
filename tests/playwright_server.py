"""`python -m playwright run-server` on 127.0.0.1 and a free port, for tests and perf/ scripts.

It stands for a browser machine's server: it launches the browsers itself, with the launch
options a worker sends (only with `--unsafe`: executable, flags, preferences).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time


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


def stop_server(proc: subprocess.Popen) -> None:
    """End the server (it closes the browsers it launched)."""
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
