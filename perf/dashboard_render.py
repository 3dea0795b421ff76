"""How long the dashboard takes to render over a long history (goal, issue 14: 10 s or less over 30 runs).

Builds a store of RUNS nightly runs shaped like this machine's (14 engine configurations, the
feature probes, our spec corpus's size, every benchmark workload and variant at the default
profile's processes and samples, ML units) with tests/dashboard_history.py, then renders the
last run's dashboard ROUNDS times in fresh processes (imports included, as `wasm-harness
dashboard` pays them) and reports the median wall time. The store is kept between
invocations (--db), since writing it takes longer than reading it.

    .venv/bin/python perf/dashboard_render.py [--runs 30] [--rounds 3] [--db /tmp/dashboard-history.duckdb]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dashboard_history import Shape, write_history  # noqa: E402

ENGINES = ["wasmtime", "wasmtime-pulley", "node", "node22", "node24", "deno", "bun", "chromium",
           "chromium-full", "firefox", "wasmer-cranelift", "wasmer-singlepass", "wasmer-llvm", "wabt"]
FEATURES = [f"feature{i:02d}" for i in range(40)]
SPEC_FILES = [f"file{i:02d}.wast" for i in range(8)] + [f"proposals/p{i}/f.wast" for i in range(4)]


def nightly_shape() -> Shape:
    return Shape(engines=ENGINES, features=FEATURES, spec_files=SPEC_FILES, commands_per_file=42,
                 kernels=["matmul", "conv2d", "blas1", "fft", "sort", "sha256", "blur", "nqueens"],
                 micro=["calls", "memory", "memory_grow"], variants=["scalar", "simd", "relaxed"],
                 processes=5, samples=10,
                 ml_units=[(f"{m}/b{b}", f"{r}:1") for m in ("digits-cnn", "minilm-fp32", "mobilenet")
                           for b in (1, 8) for r in ("ort:wasm", "tfjs:wasm-simd")],
                 testsuite_files=[])   # --testsuite adds the official testsuite's size in bulk


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", type=Path, default=Path(tempfile.gettempdir()) / "dashboard-history.duckdb")
    args = parser.parse_args()
    if not args.db.exists():
        started = time.perf_counter()
        ids = write_history(args.db, args.runs, nightly_shape(), slower="node")
        print(f"wrote {args.runs} runs to {args.db} in {time.perf_counter() - started:.1f} s")
    import duckdb

    con = duckdb.connect(str(args.db), read_only=True)
    ids = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY started").fetchall()]
    rows = con.execute("SELECT count(*) FROM results").fetchone()[0]
    con.close()
    print(f"{len(ids)} runs, {rows} rows, {args.db.stat().st_size / 1e6:.0f} MB")
    times = []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.rounds):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "harness.cli", "dashboard", "--db", str(args.db), "--run",
                            ids[-1], "--out", out], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
        size = sum(p.stat().st_size for p in Path(out).glob("*.*"))
    print(f"render: median {statistics.median(times):.2f} s over {args.rounds} rounds "
          f"({', '.join(f'{t:.2f}' for t in times)}); index.html + summary {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
