"""Run metadata: where and with what a run was made."""

from __future__ import annotations

import os
import platform
import secrets
import socket
import subprocess
import sys
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id(at: datetime) -> str:
    return at.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


def harness_version() -> str:
    try:
        return version("wasm-harness")
    except PackageNotFoundError:
        return "unknown"


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(_ROOT), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    if out.returncode != 0:
        return ""
    dirty = subprocess.run(["git", "-C", str(_ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=10).stdout.strip()
    return out.stdout.strip() + ("-dirty" if dirty else "")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def run_metadata(run_id: str, started: datetime, command: str) -> dict:
    return {
        "run_id": run_id,
        "started": started,
        "status": "running",
        "command": command,
        "host": socket.gethostname(),
        "os": f"{platform.system()} {platform.release()}",
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "harness_version": harness_version(),
        "git_commit": git_commit(),
        "pid": os.getpid(),
    }


def effective_status(status: str, host: str | None, pid: int | None) -> str:
    """A run's status as it stands: `running` whose process on this host is gone is `abandoned`.

    SIGKILL leaves no chance to write anything, so the run's pid is the only witness. A run made
    on another host cannot be checked from here and keeps its recorded status.
    """
    if status != "running" or pid is None or host != socket.gethostname():
        return status
    return status if process_alive(int(pid)) else "abandoned"


def process_alive(pid: int) -> bool:
    """Whether a process of this host is still there (a pid reused since is taken as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True
