"""ML inference reports: views of a run's `ml` rows, every figure with its uncertainty.

`summarize` gives one dict per engine, model (at a batch size), runtime, backend
and thread count (the `ml --json` rows): the verdict and why, p50 and p95 of the
time per inference with 95% bootstrap intervals, throughput, cold-start phases,
peak memory, accuracy against native onnxruntime, and the ratio to native
onnxruntime at the same thread count. `table` and `write` are views of them;
the chart is Vega-Lite (altair), saved as SVG and PNG by vl-convert.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from reports import escape, stats

if TYPE_CHECKING:
    import pandas as pd

NATIVE_RUNTIME = "onnxruntime"
PHASES = ("read", "compile", "first_inference")
SCALAR = "wasm-scalar"
SIMD_BACKENDS = ("wasm-simd", "wasm-simd-threads")
SOFTWARE_ADAPTERS = ("WebGPU rows marked (fallback) ran on a software adapter (SwiftShader or lavapipe, "
                     "on the CPU): their GFLOP/s are a CPU's. On a machine with a GPU the same units run "
                     "unchanged on it.")


def summarize(frame: pd.DataFrame) -> list[dict]:
    ml = frame[frame["phase"] != "suite"]
    checks = ml[ml["phase"] == "check"]
    times = ml[(ml["phase"] == "execute") & (ml["metric"] == "time")]
    samples = {key: g["value"].to_numpy(dtype=float) for key, g in times.groupby(["engine", "case", "kind"])}
    natives = {(case, kind.rsplit(":", 1)[1]): values for (engine, case, kind), values in samples.items()
               if kind.startswith(NATIVE_RUNTIME + ":")}
    rows = []
    for check in checks.sort_values(["case", "kind", "engine"]).to_dict("records"):
        engine, case, kind = check["engine"], check["case"], check["kind"]
        runtime, backend, threads = kind.split(":")
        model, _, batch = case.rpartition("/b")
        detail = _json(check.get("message"))
        row = {"engine": engine, "engine_version": check.get("engine_version") or "", "model": model,
               "batch": int(batch), "runtime": runtime, "backend": backend, "threads": int(threads),
               "verdict": check["verdict"]}
        if check["verdict"] != "pass" and not detail:
            row["reason"] = check.get("message") or ""
            rows.append(row)
            continue
        wanted = ("max_abs_diff", "top1_agreement", "cosine", "accuracy", "cosine_vs_reference",
                  "threads_used", "backend_used", "binary", "adapter", "flops")
        row.update({k: detail.get(k) for k in wanted if detail.get(k) is not None})
        if check["verdict"] != "pass":
            row["reason"] = detail.get("reason", "outside tolerance")
        group = samples.get((engine, case, kind))
        if group is not None and group.size:
            p50, p95 = stats.quantile(group, 0.5), stats.quantile(group, 0.95)
            row.update(p50_s=p50.value, ci_low_s=p50.low, ci_high_s=p50.high, p95_s=p95.value,
                       p95_ci_low_s=p95.low, p95_ci_high_s=p95.high, samples=p50.n,
                       throughput_per_s=int(batch) / p50.value if p50.value else None)
            scalar = samples.get((engine, case, f"{runtime}:{SCALAR}:1"))
            if backend in SIMD_BACKENDS and scalar is not None:
                # The mission's "WASM SIMD for ML" claim: the same model, host and library, scalar
                # build against SIMD (and SIMD with threads).
                speedup = stats.ratio(scalar, group)
                row.update(simd_speedup=speedup.value, simd_speedup_ci_low=speedup.low,
                           simd_speedup_ci_high=speedup.high, simd_speedup_p=speedup.p_value)
            native = natives.get((case, threads))
            if native is not None and runtime != NATIVE_RUNTIME:
                ratio = stats.ratio(group, native)
                row.update(ratio_to_native=ratio.value, ratio_to_native_ci_low=ratio.low,
                           ratio_to_native_ci_high=ratio.high, ratio_to_native_p=ratio.p_value)
        mine = ml[(ml["engine"] == engine) & (ml["case"] == case) & (ml["kind"] == kind)]
        for phase in PHASES:
            value = mine.loc[mine["phase"] == phase, "value"]
            if len(value):
                row[f"{phase}_s"] = float(value.iloc[0])
        memory = mine[mine["phase"] == "memory"]
        if len(memory):
            row["peak_memory_bytes"] = int(memory["value"].iloc[0])
            row["memory_kind"] = memory["message"].iloc[0]
        rows.append({k: _clean(v) for k, v in row.items()})
    return _with_gflops(rows)


def _with_gflops(rows: list[dict]) -> list[dict]:
    """GFLOP/s for every timed row of a model and batch whose FLOPs a runtime counted (the webgpu
    runtime's plan does): the count is the model's, so every runtime's row of it gets the rate."""
    flops = {(r["model"], r["batch"]): r["flops"] for r in rows if r.get("flops")}
    for r in rows:
        count = flops.get((r["model"], r["batch"]))
        if count and r.get("p50_s"):
            r["flops"] = count
            r["gflops_per_s"] = count / r["p50_s"] / 1e9
            if r.get("ci_low_s") and r.get("ci_high_s"):  # a shorter time is a higher rate
                r["gflops_ci_low"] = count / r["ci_high_s"] / 1e9
                r["gflops_ci_high"] = count / r["ci_low_s"] / 1e9
    return rows


def adapter_name(adapter: dict | None) -> str:
    """A WebGPU adapter as one phrase: its description, else vendor and architecture."""
    if not adapter:
        return ""
    vendor = " ".join(filter(None, (adapter.get("vendor"), adapter.get("architecture"))))
    name = adapter.get("description") or vendor or "unnamed adapter"
    return f"{name} (fallback)" if adapter.get("isFallbackAdapter") else name


def gflops_table(rows: list[dict], fmt: str = "simple") -> str:
    """GFLOP/s per host for the models whose FLOPs are counted: the WGSL kernels on WebGPU beside
    the wasm (SIMD) rows of the same model and host, with the adapter each WebGPU row ran on."""
    lines = [[r["model"], r["batch"], r["engine"], f"{r['runtime']} {r['backend']}", r["threads"], _ms(r),
              f"{r['gflops_per_s']:.3g}" + (f" ({r['gflops_ci_low']:.3g}-{r['gflops_ci_high']:.3g})"
                                            if r.get("gflops_ci_low") is not None else ""),
              escape.shorten(adapter_name(r.get("adapter")), 40)]
             for r in rows if r.get("gflops_per_s") is not None]
    if not lines:
        return ""
    return escape.table(lines, ["model", "batch", "engine", "runtime", "threads", "p50 ms (95% CI)",
                                "GFLOP/s (95% CI)", "adapter"], fmt, disable_numparse=True)


def table(rows: list[dict], fmt: str = "simple") -> str:
    """One line per unit: latency with its interval, ratio to native, accuracy, or why not."""
    lines = []
    for r in rows:
        accuracy = (f"top1 {r['top1_agreement']:.3f}" if r.get("top1_agreement") is not None else
                    f"cos {r['cosine']:.5f}" if r.get("cosine") is not None else "")
        lines.append([r["model"], r["batch"], r["engine"], f"{r['runtime']} {r['backend']}", r["threads"],
                      r["verdict"],
                      _ms(r) if r.get("p50_s") is not None else "",
                      _ratio(r), accuracy,
                      f"{r['max_abs_diff']:.1e}" if r.get("max_abs_diff") is not None else "",
                      escape.shorten(r.get("reason", ""), 60)])
    return escape.table(lines, ["model", "batch", "engine", "runtime", "threads", "verdict",
                                "p50 ms (95% CI)", "x native", "accuracy", "max diff", "why"], fmt,
                        disable_numparse=True)


def simd_table(rows: list[dict], fmt: str = "simple") -> str:
    """TF.js wasm with SIMD (and threads) against its scalar build: speed-ups with intervals."""
    lines = [[r["model"], r["batch"], r["engine"], r["backend"], r["threads"],
              f"{r['simd_speedup']:.2f} ({r['simd_speedup_ci_low']:.2f}-{r['simd_speedup_ci_high']:.2f})"
              if r.get("simd_speedup_ci_low") is not None else f"{r['simd_speedup']:.2f}"]
             for r in rows if r.get("simd_speedup") is not None]
    if not lines:
        return ""
    return escape.table(lines, ["model", "batch", "engine", "backend", "threads",
                                "speed-up over wasm-scalar (95% CI)"], fmt, disable_numparse=True)


def write(rows: list[dict], out: Path, run_id: str) -> list[Path]:
    """ml.md, ml.json and the latency chart (ml.svg, ml.png) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    simd = simd_table(rows, "github")
    simd_part = f"\n## TF.js wasm SIMD over scalar\n\n{simd}\n" if simd else ""
    gflops = gflops_table(rows, "github")
    if gflops:
        simd_part += (f"\n## GFLOP/s\n\n{gflops}\n\n{SOFTWARE_ADAPTERS}\n")
    markdown = f"# ML inference, run {run_id}\n\n{table(rows, 'github')}\n{simd_part}\n![latency](ml.svg)\n"
    files = {"ml.md": markdown,
             "ml.json": json.dumps(rows, indent=1) + "\n"}
    for name, text in files.items():
        (out / name).write_text(text)
    written = [out / name for name in files]
    chart = latency_chart(rows)
    if chart is not None:
        import vl_convert

        spec = chart.to_json()
        (out / "ml.svg").write_text(vl_convert.vegalite_to_svg(spec))
        (out / "ml.png").write_bytes(vl_convert.vegalite_to_png(spec, scale=2))
        written += [out / "ml.svg", out / "ml.png"]
    return written


def latency_chart(rows: list[dict]):
    """p50 per engine and backend, one panel per model, with the 95% interval as error bars."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame([{"model": f"{r['model']} b{r['batch']}", "where": f"{r['engine']}",
                          "backend": f"{r['runtime']} {r['backend']} {r['threads']}t",
                          "p50_ms": r["p50_s"] * 1e3, "low_ms": r["ci_low_s"] * 1e3,
                          "high_ms": r["ci_high_s"] * 1e3}
                         for r in rows if r.get("p50_s") is not None and r.get("ci_low_s") is not None])
    if data.empty:
        return None
    # Points with interval rules, not bars: latencies span orders of magnitude, so the axis is
    # logarithmic, and a bar from zero has no place on it.
    x = alt.X("p50_ms:Q", title="p50 latency per inference (ms, log scale; rules: 95% interval)",
              scale=alt.Scale(type="log"))
    base = alt.Chart(data).encode(y=alt.Y("where:N", title=None), yOffset="backend:N",
                                  color=alt.Color("backend:N", title="runtime, backend, threads"))
    points = base.mark_point(filled=True, size=60).encode(
        x=x, tooltip=["model", "where", "backend", "p50_ms", "low_ms", "high_ms"])
    rules = base.mark_rule().encode(x=alt.X("low_ms:Q", scale=alt.Scale(type="log")), x2="high_ms:Q")
    return (rules + points).properties(width=420).facet(row=alt.Row("model:N", title=None)).resolve_scale(
        y="independent")


def _ms(r: dict) -> str:
    return f"{r['p50_s'] * 1e3:.3g} ({r['ci_low_s'] * 1e3:.3g}-{r['ci_high_s'] * 1e3:.3g})" \
        if r.get("ci_low_s") is not None else f"{r['p50_s'] * 1e3:.3g}"


def _ratio(r: dict) -> str:
    if r.get("ratio_to_native") is None:
        return ""
    low, high = r.get("ratio_to_native_ci_low"), r.get("ratio_to_native_ci_high")
    return f"{r['ratio_to_native']:.2f}" + (f" ({low:.2f}-{high:.2f})" if low is not None else "")


def _json(text: object) -> dict:
    try:
        value = json.loads(str(text)) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _clean(value: object) -> object:
    """NaN (an interval from too few samples) as None, so JSON stays JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
