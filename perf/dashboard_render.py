"""How long the dashboard takes to render over a long history (goal, issue 14: 10 s or less over 30 runs).

Builds a store of RUNS nightly runs shaped like this machine's (14 engine configurations, the
feature probes, our spec corpus's size, every benchmark workload and variant at the default
profile's processes and samples, ML units) with tests/dashboard_history.py, then renders the
last run's dashboard ROUNDS times in fresh processes (imports included, as `wasm-harness
dashboard` pays them) and reports the median wall time. The store is kept between
invocations (--db), since writing it takes longer than reading it.

    .venv/bin/python perf/dashboard_render.py [--runs 30] [--rounds 3] [--db /tmp/dashboard-history.duckdb]
                                              [--testsuite]

--testsuite adds the official testsuite as `nightly --testsuite` records it, at its real size
(257 files, 65,278 commands on each of the 14 configurations: 27 million rows over 30 runs), into
its own store (default /tmp/dashboard-history-testsuite.duckdb).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dashboard_history import Shape, add_testsuite_bulk, write_history  # noqa: E402

ENGINES = ["wasmtime", "wasmtime-pulley", "node", "node22", "node24", "deno", "bun", "chromium",
           "chromium-full", "firefox", "wasmer-cranelift", "wasmer-singlepass", "wasmer-llvm", "wabt"]
FEATURES = [f"feature{i:02d}" for i in range(40)]
SPEC_FILES = [f"file{i:02d}.wast" for i in range(8)] + [f"proposals/p{i}/f.wast" for i in range(4)]
# The official testsuite's size (official-257, BENCHMARKS.md): 257 files of about 254 commands.
TESTSUITE_FILES = [f"t{i:03d}.wast" for i in range(247)] + [f"proposals/q{i}/t.wast" for i in range(10)]
TESTSUITE_COMMANDS = 254


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
    parser.add_argument("--db", type=Path)
    parser.add_argument("--testsuite", action="store_true", help="with the official testsuite's rows")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="the harness to time (another checkout's, to compare before and after)")
    args = parser.parse_args()
    name = "dashboard-history-testsuite.duckdb" if args.testsuite else "dashboard-history.duckdb"
    args.db = args.db or Path(tempfile.gettempdir()) / name
    if not args.db.exists():
        started = time.perf_counter()
        ids = write_history(args.db, args.runs, nightly_shape(), slower="node")
        if args.testsuite:
            add_testsuite_bulk(args.db, ENGINES, TESTSUITE_FILES, TESTSUITE_COMMANDS)
        print(f"wrote {args.runs} runs to {args.db} in {time.perf_counter() - started:.1f} s")
    import duckdb

    con = duckdb.connect(str(args.db), read_only=True)
    ids = [r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY started").fetchall()]
    rows = con.execute("SELECT count(*) FROM results").fetchone()[0]
    con.close()
    print(f"{len(ids)} runs, {rows} rows, {args.db.stat().st_size / 1e6:.0f} MB")
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.rounds):
            started, used = time.perf_counter(), _children_cpu()
            subprocess.run([sys.executable, "-m", "harness.cli", "dashboard", "--db", str(args.db), "--run",
                            ids[-1], "--out", out], check=True, cwd=args.checkout, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - started)
            cpu.append(_children_cpu() - used)
        size = sum(p.stat().st_size for p in Path(out).glob("*.*"))
    # CPU seconds (user + system, DuckDB's threads included) move far less than wall time when
    # other work shares the two cores.
    print(f"render: median {statistics.median(times):.2f} s wall ({', '.join(f'{t:.2f}' for t in times)}), "
          f"{statistics.median(cpu):.2f} s CPU ({', '.join(f'{t:.2f}' for t in cpu)}) over {args.rounds} "
          f"rounds; index.html + summary {size / 1e6:.1f} MB; load average {os.getloadavg()[0]:.1f}")
    return 0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.exit(main())
