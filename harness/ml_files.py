"""Where the ML runtimes' JavaScript lives, and which files a browser page needs to run each.

A `js` command of the ml suite imports one module of `suites/ml/js/` (`ort.mjs`, `tfjs.mjs`,
`transformers.mjs`) and hands it `args` (see those modules). A browser page may load only the
files its request names (or files under the harness cache), so the command's `files` must list
the module, what it imports, and the npm dist files the runtime loads itself (its .mjs glue,
.wasm binaries, bundles): `runtime_files` gives exactly those, from node_modules (installed
from package.json by set-up). Command-line hosts load the same packages through Node's own
resolution and need no list, but get the same `runtime_root`.
"""

from __future__ import annotations

from pathlib import Path

from engines.protocol import PROJECT_ROOT

ML_JS = PROJECT_ROOT / "suites" / "ml" / "js"
NODE_MODULES = PROJECT_ROOT / "node_modules"

RUNTIMES = ("ort", "tfjs", "transformers", "webgpu")

# The npm package whose directory a runtime's module gets as `args.runtime_root`.
_ROOTS = {
    "ort": NODE_MODULES / "onnxruntime-web",
    "tfjs": NODE_MODULES / "@tensorflow" / "tfjs",
    "transformers": NODE_MODULES / "@huggingface" / "transformers",
    "webgpu": NODE_MODULES / "webgpu",  # Dawn's Node binding; pages and Deno use navigator.gpu
}
# Modules of suites/ml/js that a runtime's module imports besides common.mjs.
_IMPORTS = {"webgpu": ["wgsl_kernels.mjs"]}

# Per runtime and backend: the files a page loads, relative to node_modules.
_ORT = "onnxruntime-web/dist"
_TFJS = "@tensorflow/tfjs/dist/tf.min.js"
_TFJS_WASM = "@tensorflow/tfjs-backend-wasm/dist"
_TRANSFORMERS_ORT = "@huggingface/transformers/node_modules/onnxruntime-web/dist"
_DIST: dict[str, dict[str, list[str]]] = {
    "ort": {
        "wasm": [f"{_ORT}/ort.wasm.min.mjs", f"{_ORT}/ort-wasm-simd-threaded.mjs",
                 f"{_ORT}/ort-wasm-simd-threaded.wasm"],
        "webgpu": [f"{_ORT}/ort.webgpu.min.mjs", f"{_ORT}/ort-wasm-simd-threaded.asyncify.mjs",
                   f"{_ORT}/ort-wasm-simd-threaded.asyncify.wasm"],
    },
    "tfjs": {
        "cpu": [_TFJS],
        "webgl": [_TFJS],
        "webgpu": [_TFJS, "@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js"],
        **{backend: [_TFJS, f"{_TFJS_WASM}/tf-backend-wasm.min.js", f"{_TFJS_WASM}/{binary}"]
           for backend, binary in (("wasm-scalar", "tfjs-backend-wasm.wasm"),
                                   ("wasm-simd", "tfjs-backend-wasm-simd.wasm"),
                                   ("wasm-simd-threads", "tfjs-backend-wasm-threaded-simd.wasm"))},
    },
    "transformers": {
        backend: ["@huggingface/transformers/dist/transformers.js",
                  f"{_TRANSFORMERS_ORT}/ort-wasm-simd-threaded.asyncify.mjs",
                  f"{_TRANSFORMERS_ORT}/ort-wasm-simd-threaded.asyncify.wasm"]
        for backend in ("wasm", "webgpu")
    },
    "webgpu": {"wgsl": []},  # our own kernels: nothing from npm in a page
}


def _check(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown ML runtime {runtime!r} (one of {', '.join(RUNTIMES)})")


def backends(runtime: str) -> list[str]:
    """The backend names a runtime's module takes (`args.backend`)."""
    _check(runtime)
    return list(_DIST[runtime])


def runtime_module(runtime: str) -> Path:
    """The module the `js` command imports (`args.module`)."""
    _check(runtime)
    return ML_JS / f"{runtime}.mjs"


def runtime_root(runtime: str) -> Path:
    """The runtime's npm package directory (`args.runtime_root`)."""
    _check(runtime)
    return _ROOTS[runtime]


def runtime_files(runtime: str, backend: str | None = None) -> list[Path]:
    """Every file a browser page needs to run `runtime` (one backend, or all of them).

    The runtime's module and what it imports, then the npm dist files, without repeats. A
    page's request carries all its named files with it, so naming only one backend's files
    keeps that download small (onnxruntime-web's binaries are 14 and 27 MB).
    """
    _check(runtime)
    if backend is not None and backend not in _DIST[runtime]:
        raise ValueError(f"{runtime} has no backend {backend!r} (one of {', '.join(_DIST[runtime])})")
    chosen = [backend] if backend is not None else list(_DIST[runtime])
    dist = [NODE_MODULES / name for b in chosen for name in _DIST[runtime][b]]
    imports = [ML_JS / name for name in _IMPORTS.get(runtime, [])]
    return list(dict.fromkeys([runtime_module(runtime), ML_JS / "common.mjs", *imports, *dist]))
