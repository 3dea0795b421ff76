"""Engine configurations by name: engines.toml, plus ad-hoc ones from --engine.

A configuration is a name, an adapter and the adapter's options, e.g.

    [wasmtime-pulley]
    adapter = "wasmtime"
    target = "pulley64"

On the command line, `NAME:key=value,key=value` adds or overrides options of
a configured name (or of a bare adapter name): `--engine wasmtime:strategy=winch`.

A browser configuration becomes a remote one (a Playwright server launches the
browser: engines/remote_browser.py) with its `endpoint` option, or by naming it in
WASM_HARNESS_BROWSER_SERVER (`chromium=ws://HOST:PORT/ firefox=ws://...`, what
`--browser-server` sets): the configuration keeps its name, and an `endpoint`
given with `--engine NAME:endpoint=...` wins over both.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path

from engines import remote_browser
from engines.base import Engine
from engines.browsers import ChromiumEngine, FirefoxEngine
from engines.js_hosts import BunEngine, DenoEngine, NodeEngine
from engines.native_engine import NativeEngine
from engines.protocol import PROJECT_ROOT
from engines.wabt_engine import WabtEngine
from engines.wasmer_engine import WasmerEngine
from engines.wasmtime_engine import WasmtimeEngine

DEFAULT_FILE = PROJECT_ROOT / "engines.toml"

ADAPTERS: dict[str, type[Engine]] = {
    "wasmtime": WasmtimeEngine,
    "node": NodeEngine,
    "deno": DenoEngine,
    "bun": BunEngine,
    "chromium": ChromiumEngine,
    "firefox": FirefoxEngine,
    "wabt": WabtEngine,
    "wasmer": WasmerEngine,
    "native": NativeEngine,
}


class UnknownEngineError(ValueError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown engine {name!r}; known engines: {', '.join(known)} (or 'all')")
        self.name = name


class EngineConfigError(ValueError):
    """engines.toml (or an --engine option) is malformed: names the file and entry."""


def config_file() -> Path:
    return Path(os.environ.get("WASM_HARNESS_ENGINES", DEFAULT_FILE))


@cache
def configurations(path: Path | None = None) -> dict[str, tuple[str, dict]]:
    """name -> (adapter, options), in file order."""
    path = path or config_file()
    try:
        data = tomllib.loads(path.read_text())
    except OSError as e:
        raise EngineConfigError(f"{path}: cannot read: {e.strerror}") from e
    except tomllib.TOMLDecodeError as e:
        raise EngineConfigError(f"{path}: {e}") from e
    out = {}
    for name, table in data.items():
        if not isinstance(table, dict) or "adapter" not in table:
            raise EngineConfigError(f"{path}: [{name}] needs an adapter (one of {', '.join(ADAPTERS)})")
        options = dict(table)
        adapter = options.pop("adapter")
        if adapter not in ADAPTERS:
            raise EngineConfigError(f"{path}: [{name}] has unknown adapter {adapter!r}; "
                                    f"known: {', '.join(ADAPTERS)}")
        _check_options(ADAPTERS[adapter], options, f"{path}: [{name}]")
        out[name] = (adapter, options)
    return out


def _check_options(adapter: type[Engine], options: dict, where: str) -> None:
    unknown = sorted(set(options) - set(adapter.OPTIONS))
    if unknown:
        valid = "; ".join(f"{k}: {v}" for k, v in adapter.OPTIONS.items()) or "none"
        raise EngineConfigError(f"{where}: unknown option {unknown[0]!r}; valid options: {valid}")
    problem = adapter.options_problem(options)
    if problem:
        raise EngineConfigError(f"{where}: {problem}")


def known() -> list[str]:
    return list(configurations())


def make(spec: str) -> Engine:
    """An engine from `NAME` or `NAME:key=value,...`."""
    name, _, extra = spec.partition(":")
    configs = configurations()
    if name in configs:
        adapter, options = configs[name]
    elif name in ADAPTERS:
        adapter, options = name, {}
    else:
        raise UnknownEngineError(name, known())
    options = dict(options)
    remote = browser_servers().get(name)
    if remote:
        options["endpoint"] = remote
    for item in filter(None, extra.split(",")):
        key, eq, value = item.partition("=")
        if not eq:
            raise EngineConfigError(f"--engine {spec}: option {item!r} is not key=value")
        options[key.strip()] = _value(value.strip())
    _check_options(ADAPTERS[adapter], options, f"--engine {spec}")
    return ADAPTERS[adapter](spec, options)


def browser_servers() -> dict[str, str]:
    """Configurations WASM_HARNESS_BROWSER_SERVER makes remote: {name: endpoint}, checked.

    Only browser configurations take an endpoint; a name engines.toml lacks, or one that is
    not a browser, is an error rather than a setting that silently does nothing.
    """
    try:
        servers = remote_browser.env_servers()
    except ValueError as e:
        raise EngineConfigError(str(e)) from e
    configs = configurations()
    browsers = [n for n, (adapter, _) in configs.items() if "endpoint" in ADAPTERS[adapter].OPTIONS]
    for name in servers:
        if name not in browsers:
            raise EngineConfigError(f"{remote_browser.ENV}: {name!r} is not a browser configuration; "
                                    f"browser configurations: {', '.join(browsers)}")
    return servers


def _value(text: str) -> object:
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        return text


def resolve(names: list[str] | None) -> list[Engine]:
    """Engines by name; `all` (or nothing) means every configuration in engines.toml."""
    wanted: list[str] = []
    for entry in names or ["all"]:
        # Commas separate engines, except inside NAME:k=v,k=v option lists.
        for name in _split(entry):
            if name == "all":
                wanted.extend(n for n in known() if n not in wanted)
            elif name not in wanted:
                wanted.append(name)
    if not wanted:
        raise EngineConfigError(f"--engine {','.join(names or [])!r} names no engine; known engines: "
                                f"{', '.join(known())} (or 'all')")
    return [make(n) for n in wanted]


def _split(entry: str) -> list[str]:
    parts: list[str] = []
    for piece in (p.strip() for p in entry.split(",")):
        # `key=value` continues the option list before it; the value may hold a colon (a URL).
        if parts and ":" in parts[-1] and "=" in piece and ":" not in piece.partition("=")[0]:
            parts[-1] += "," + piece
        elif piece:
            parts.append(piece)
    return parts
