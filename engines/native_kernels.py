"""suites/ml/kernels/kernels.c built for this CPU, as a shared library the native worker loads.

The native side of engines/kernels_driver.py's `Kernels`: the same exports as the wasm builds,
called through ctypes, with the library's memory as the "linear memory" the weights go into.
"""

from __future__ import annotations

import ctypes
import os
import tempfile

POINTERS = ("kn_weights", "kn_input", "kn_output")


class NativeKernels:
    def __init__(self, binary: bytes) -> None:
        # dlopen takes a path, and loads a path once per process: each instance gets its own copy,
        # so its static state is fresh (as a fresh wasm instance's is).
        with tempfile.NamedTemporaryFile(suffix=".so", delete=False) as f:
            f.write(binary)
        try:
            self.lib = ctypes.CDLL(f.name)
        finally:
            os.unlink(f.name)
        for name in POINTERS:
            getattr(self.lib, name).restype = ctypes.c_void_p

    def call(self, name: str, *args: int) -> int:
        return getattr(self.lib, name)(*args) or 0

    def write(self, address: int, data: bytes) -> None:
        ctypes.memmove(address, data, len(data))

    def read(self, address: int, size: int) -> bytes:
        return ctypes.string_at(address, size)

    def memory_bytes(self) -> None:
        return None
