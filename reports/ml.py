"""ML inference reports: views of a run's `ml` rows, every figure with its uncertainty.

`summarize` gives one dict per engine, model (at a batch size), runtime, backend
and thread count (the `ml --json` rows): the verdict and why, p50 and p95 of the
time per inference with 95% bootstrap intervals, throughput, cold-start phases,
peak memory, accuracy against native onnxruntime, and the ratio to native
onnxruntime at the same thread count. `table` and `write` are views of them;
the chart is Vega-Lite (altair), saved as SVG and PNG by vl-convert.

The `kernels` runtime (our C, harness/ml_kernels.py) also gets, per engine, its SIMD and relaxed
SIMD builds' speed-ups over its scalar build (`simd_speedup`, as TF.js's wasm builds do) and each
build's ratio to the same build run natively (`ratio_to_native_kernels`): `kernels_table`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from reports import escape, sample_sets, stats

if TYPE_CHECKING:
    import pandas as pd

NATIVE_RUNTIME = "onnxruntime"
NATIVE_ENGINE = "native"
KERNELS = "kernels"
PHASES = ("read", "compile", "first_inference")
# Per runtime with scalar and SIMD wasm builds: its scalar backend, and the SIMD ones.
SCALAR = {"tfjs": "wasm-scalar", KERNELS: "scalar"}
SIMD_BACKENDS = ("wasm-simd", "wasm-simd-threads", "simd", "relaxed-simd")
KERNEL_BACKENDS = ("scalar", "simd", "relaxed-simd")
SOFTWARE_ADAPTERS = ("WebGPU rows marked (fallback) ran on a software adapter (SwiftShader or lavapipe, "
                     "on the CPU): their GFLOP/s are a CPU's. On a machine with a GPU the same units run "
                     "unchanged on it.")


def summarize(frame: pd.DataFrame) -> list[dict]:
    ml = frame[frame["phase"] != "suite"]
    checks = ml[ml["phase"] == "check"]
    times = ml[(ml["phase"] == "execute") & (ml["metric"] == "time")]
    # One flat set per unit (the ML runner times one process), in the rows' order.
    grouped = sample_sets.by_process(times, ["engine", "case", "kind"], process=None)
    samples = {key: groups[0] for key, groups in grouped.items()}
    natives = {(case, kind.rsplit(":", 1)[1]): values for (engine, case, kind), values in samples.items()
               if kind.startswith(NATIVE_RUNTIME + ":")}
    figures = _figures(samples, natives)
    # Each unit's cold-start and memory rows, found once (not by filtering the whole frame per unit).
    apart = ml[ml["phase"].isin([*PHASES, "memory"])]
    phases = {key: group for key, group in apart.groupby(["engine", "case", "kind"], sort=False)}
    none = apart.iloc[:0]
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
            found = figures[(engine, case, kind)]
            p50, p95 = found["p50"], found["p95"]
            row.update(p50_s=p50.value, ci_low_s=p50.low, ci_high_s=p50.high, p95_s=p95.value,
                       p95_ci_low_s=p95.low, p95_ci_high_s=p95.high, samples=p50.n,
                       throughput_per_s=int(batch) / p50.value if p50.value else None)
            if "simd_speedup" in found:
                speedup = found["simd_speedup"]
                row.update(simd_speedup=speedup.value, simd_speedup_ci_low=speedup.low,
                           simd_speedup_ci_high=speedup.high, simd_speedup_p=speedup.p_value)
            if "ratio_to_native_kernels" in found:
                ratio = found["ratio_to_native_kernels"]
                key = "ratio_to_native_kernels"
                row.update({key: ratio.value, f"{key}_ci_low": ratio.low, f"{key}_ci_high": ratio.high,
                            f"{key}_p": ratio.p_value})
            if "ratio_to_native" in found:
                ratio = found["ratio_to_native"]
                row.update(ratio_to_native=ratio.value, ratio_to_native_ci_low=ratio.low,
                           ratio_to_native_ci_high=ratio.high, ratio_to_native_p=ratio.p_value)
        mine = phases.get((engine, case, kind), none)
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


Unit = tuple[str, str, str]   # engine, case (model/bBATCH), kind (runtime:backend:threads)


def _figures(samples: dict[Unit, np.ndarray],
             natives: dict[tuple[str, str], np.ndarray]) -> dict[Unit, dict[str, stats.Estimate]]:
    """Per unit with samples: p50 and p95, the SIMD speed-up over its scalar build and the ratio to
    native onnxruntime at its thread count where those exist; every interval of the run at once."""
    units = [u for u, values in samples.items() if values.size]
    out: dict[Unit, dict[str, stats.Estimate]] = {u: {} for u in units}
    for q, name in ((0.5, "p50"), (0.95, "p95")):
        for unit, est in zip(units, stats.quantiles([samples[u] for u in units], q), strict=True):
            out[unit][name] = est
    pairs: list[tuple[Unit, str, np.ndarray, np.ndarray]] = []
    for engine, case, kind in units:
        runtime, backend, threads = kind.split(":")
        group = samples[(engine, case, kind)]
        scalar_backend = _scalar_of(runtime, backend)
        scalar = samples.get((engine, case, f"{runtime}:{scalar_backend}:1")) if scalar_backend else None
        if scalar is not None:
            # The mission's "WASM SIMD for ML" claim: the same model, host and library, scalar
            # build against SIMD (and SIMD with threads).
            pairs.append(((engine, case, kind), "simd_speedup", scalar, group))
        same_native = samples.get((NATIVE_ENGINE, case, kind))
        if runtime == KERNELS and engine != NATIVE_ENGINE and same_native is not None:
            # Our kernels' wasm build against the same C built for this CPU: what wasm costs.
            pairs.append(((engine, case, kind), "ratio_to_native_kernels", group, same_native))
        native = natives.get((case, threads))
        if native is not None and runtime != NATIVE_RUNTIME:
            pairs.append(((engine, case, kind), "ratio_to_native", group, native))
    for (unit, name, _, _), est in zip(pairs, stats.ratios([(a, b) for _, _, a, b in pairs]), strict=True):
        out[unit][name] = est
    return out


def _scalar_of(runtime: str, backend: str) -> str | None:
    """The scalar build a SIMD backend is measured against: TF.js's wasm-scalar, our kernels'
    scalar, emscripten's glue-scalar and standalone-scalar; None for a backend without one."""
    if backend in SIMD_BACKENDS and runtime in SCALAR:
        return SCALAR[runtime]
    return backend.removesuffix("-simd") + "-scalar" if backend.endswith("-simd") else None


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
    """wasm with SIMD (and threads) against the same runtime's scalar build (TF.js, emscripten):
    speed-ups with intervals (our kernels have kernels_table)."""
    lines = [[r["model"], r["batch"], r["engine"], r["backend"], r["threads"], _interval(r, "simd_speedup")]
             for r in rows if r.get("simd_speedup") is not None and r["runtime"] != KERNELS]
    if not lines:
        return ""
    return escape.table(lines, ["model", "batch", "engine", "backend", "threads",
                                "speed-up over its scalar build (95% CI)"], fmt, disable_numparse=True)


def kernels_table(rows: list[dict], fmt: str = "simple") -> str:
    """Our kernels per model, batch and engine: p50 of each build, the SIMD and relaxed SIMD
    speed-ups over scalar, and each build's ratio to the same build run natively, with 95% CIs;
    or why a build has no time there."""
    units: dict[tuple, dict[str, dict]] = {}
    for r in rows:
        if r["runtime"] == KERNELS:
            units.setdefault((r["model"], r["batch"], r["engine"]), {})[r["backend"]] = r
    lines = []
    # Native first in each model and batch: the row the others' ratios are to.
    order = sorted(units, key=lambda u: (u[0], u[1], u[2] != NATIVE_ENGINE, u[2]))
    for model, batch, engine in order:
        by = units[(model, batch, engine)]

        def cell(backend: str, by: dict = by) -> str:
            r = by.get(backend)
            if r is None:
                return ""
            return f"{r['p50_s'] * 1e3:.3g}" if r.get("p50_s") is not None else r["verdict"]

        simd, relaxed = by.get("simd", {}), by.get("relaxed-simd", {})
        lines.append([model, batch, engine, *(cell(b) for b in KERNEL_BACKENDS),
                      _interval(simd, "simd_speedup"), _interval(relaxed, "simd_speedup"),
                      *(_interval(by.get(b, {}), "ratio_to_native_kernels") for b in KERNEL_BACKENDS)])
    if not lines:
        return ""
    return escape.table(lines, ["model", "batch", "engine", "scalar ms", "simd ms", "relaxed ms",
                                "simd/scalar x", "relaxed/scalar x", "scalar x native", "simd x native",
                                "relaxed x native"], fmt, disable_numparse=True)


def _interval(r: dict, key: str) -> str:
    """`key` with its 95% interval, e.g. "3.10 (2.90-3.30)", or "" when the row lacks it."""
    if r.get(key) is None:
        return ""
    low, high = r.get(f"{key}_ci_low"), r.get(f"{key}_ci_high")
    return f"{r[key]:.2f}" + (f" ({low:.2f}-{high:.2f})" if low is not None and high is not None else "")


def write(rows: list[dict], out: Path, run_id: str) -> list[Path]:
    """ml.md, ml.json and the latency chart (ml.svg, ml.png) in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    simd = simd_table(rows, "github")
    simd_part = f"\n## wasm SIMD over scalar (TF.js, emscripten)\n\n{simd}\n" if simd else ""
    kernels = kernels_table(rows, "github")
    simd_part += (f"\n## Our kernels: SIMD over scalar, and against the same C run natively\n\n{kernels}\n"
                  if kernels else "")
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
