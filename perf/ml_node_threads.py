"""Why Node 20 runs onnxruntime-web slower at 2 threads than at 1 (issue 13), in plain Node scripts.

The ml suite measured MiniLM fp32 b1 on ORT-web's wasm EP at 113 ms with 1 thread and 147 ms
with 2 on Node 20 (quiet machine), where Node 22/24, Deno, Bun and the browsers take 59-66 ms
at 2 threads. This script takes the harness out of it: perf/ml_overhead.py's plain script (what
a user writes) on each Node, at 1 and 2 threads, and on Node 20 with V8 flags that change how
wasm code tiers up (Liftoff, the baseline compiler, then TurboFan for hot functions), since
ORT's second thread is a worker_threads Worker with an isolate of its own. Rounds alternate
over the configurations so drift hits all alike; each figure is the median of the rounds'
medians.

    .venv/bin/python perf/ml_node_threads.py [--model minilm-fp32] [--rounds 3] [--samples 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ml_overhead import plain  # noqa: E402

from engines.registry import make  # noqa: E402

# (configuration, V8 flags): the default of each Node, then Node 20 with tiering changed.
CASES = (("node", ()), ("node", ("--no-liftoff",)), ("node", ("--no-wasm-dynamic-tiering",)),
         ("node22", ()), ("node24", ()))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="minilm-fp32")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--samples", type=int, default=20)
    args = p.parse_args()
    times: dict[tuple, list[float]] = {}
    for n in range(args.rounds):
        for engine, flags in CASES:
            node = make(engine).binary()
            for threads in (1, 2):
                t = plain(node, args.model, threads, 3, args.samples, flags)
                times.setdefault((engine, flags, threads), []).append(t)
        print(f"round {n + 1} done", file=sys.stderr, flush=True)
    print(f"{args.model}, ORT-web wasm EP, plain Node scripts, median of {args.rounds} rounds' medians:")
    for engine, flags in CASES:
        one, two = (statistics.median(times[(engine, flags, t)]) for t in (1, 2))
        print(f"  {engine:7} {' '.join(flags) or '(defaults)':28} 1 thread {one * 1e3:7.1f} ms"
              f"   2 threads {two * 1e3:7.1f} ms   2/1 {two / one:.2f}")


if __name__ == "__main__":
    main()
