"""The dashboard's charts as Vega-Lite specifications (altair), drawn in the page by vega-embed.

Every figure with an interval shows it: points for the estimate, rules for the
95% bootstrap interval, on log scales where values span orders of magnitude.
The data travels inside each specification, so the page needs no server.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reports import ml as ml_report
from reports.bench import GEOMEAN

if TYPE_CHECKING:
    import altair as alt

WIDTH = 460


def bench_ratio(rows: list[dict]) -> dict | None:
    """wasm/native per kernel (and the geometric mean), one panel per kernel, engines on y."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame([{"kernel": r["kernel"], "engine": r["engine"], "variant": r["variant"],
                          "ratio": r["ratio_to_native"], "low": r.get("ratio_to_native_ci_low"),
                          "high": r.get("ratio_to_native_ci_high")}
                         for r in rows if r["phase"] == "execute" and r.get("ratio_to_native") is not None])
    if data.empty:
        return None
    order = sorted(set(data["kernel"]) - {GEOMEAN}) + ([GEOMEAN] if GEOMEAN in set(data["kernel"]) else [])
    x = alt.X("ratio:Q", title="wasm / native execute time (log; rules: 95% interval); lower is better",
              scale=alt.Scale(type="log"))
    return _intervals(data, x, "low", "high", "engine", "variant",
                      ["kernel", "engine", "variant", "ratio", "low", "high"], "kernel", order)


def bench_micro(rows: list[dict]) -> dict | None:
    """Median time per iteration of the micro-benchmarks (they have no native build)."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame([{"workload": r["kernel"], "engine": r["engine"], "variant": r["variant"],
                          "median_us": r["median_s"] * 1e6, "low_us": _scaled(r.get("ci_low_s"), 1e6),
                          "high_us": _scaled(r.get("ci_high_s"), 1e6)}
                         for r in rows if r.get("micro") and r["phase"] == "execute" and r.get("median_s")])
    if data.empty:
        return None
    x = alt.X("median_us:Q", title="median time per iteration (us, log; rules: 95% interval)",
              scale=alt.Scale(type="log"))
    return _intervals(data, x, "low_us", "high_us", "engine", "variant",
                      ["workload", "engine", "variant", "median_us", "low_us", "high_us"], "workload",
                      sorted(set(data["workload"])))


def ml_latency(rows: list[dict]) -> dict | None:
    chart = ml_report.latency_chart(rows)  # the ml report's own chart: the same view in both places
    return None if chart is None else _dict(chart)


def trends(points: list[dict]) -> dict | None:
    """p50 per run of one workload (chosen in a menu), a line per engine configuration."""
    import altair as alt
    import pandas as pd

    data = pd.DataFrame([{"run": p["run_id"], "started": p["started"], "engine": p["engine"],
                          "workload": f"{p['suite']}: {p['workload']}", "p50_ms": p["p50_s"] * 1e3}
                         for p in points if p.get("p50_s")])
    if data.empty or data["run"].nunique() < 2:
        return None
    workloads = sorted(set(data["workload"]))
    pick = alt.param(name="workload", value=workloads[0],
                     bind=alt.binding_select(options=workloads, name="workload "))
    return _dict(alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("started:T", title="run started"),
        y=alt.Y("p50_ms:Q", title="p50 per iteration or inference (ms, log)", scale=alt.Scale(type="log")),
        color=alt.Color("engine:N", title="engine"),
        tooltip=["run", "engine", "workload", alt.Tooltip("p50_ms:Q", format=".4g")],
    ).add_params(pick).transform_filter(alt.datum.workload == pick).properties(
        width=WIDTH + 140, height=280))


def spec_trend(points: list[dict]) -> dict | None:
    """The share of spec tests passed, per run and engine: one panel per suite (our corpus, the
    official testsuite), labelled."""
    import altair as alt
    import pandas as pd

    from reports.dashboard.data import SPEC_LABELS

    data = pd.DataFrame([{"run": p["run_id"], "started": p["started"], "engine": p["engine"],
                          "suite": SPEC_LABELS.get(p.get("suite", "spec"), p.get("suite")),
                          "pass_rate": p["pass_rate"]} for p in points if p.get("pass_rate") is not None])
    if data.empty or data["run"].nunique() < 2:
        return None
    order = [label for label in SPEC_LABELS.values() if label in set(data["suite"])]
    return _dict(alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("started:T", title="run started"),
        y=alt.Y("pass_rate:Q", title="spec tests passed (share)", scale=alt.Scale(zero=False),
                axis=alt.Axis(format="%")),
        color=alt.Color("engine:N", title="engine"),
        tooltip=["run", "suite", "engine", alt.Tooltip("pass_rate:Q", format=".2%")],
    ).properties(width=WIDTH + 140, height=220).facet(
        row=alt.Row("suite:N", title=None, sort=order, header=alt.Header(labelAngle=0, labelAlign="left"))
    ).resolve_scale(y="independent"))


def _intervals(data, x: alt.X, low: str, high: str, y: str, colour: str, tooltip: list[str], panel: str,
               order: list[str]) -> dict:
    import altair as alt

    base = alt.Chart(data).encode(y=alt.Y(f"{y}:N", title=None), yOffset=f"{colour}:N",
                                  color=alt.Color(f"{colour}:N", title=colour))
    points = base.mark_point(filled=True, size=50).encode(x=x, tooltip=tooltip)
    rules = base.mark_rule().encode(x=alt.X(f"{low}:Q", scale=alt.Scale(type="log")), x2=f"{high}:Q")
    return _dict((rules + points).properties(width=WIDTH).facet(
        row=alt.Row(f"{panel}:N", title=None, sort=order, header=alt.Header(labelAngle=0, labelAlign="left"))
    ).resolve_scale(y="independent"))


def _dict(chart: alt.TopLevelMixin) -> dict:
    """The specification with its data inline. Altair stops at 5,000 rows by default, to spare
    notebooks; the trends over 30 nightly runs hold about 20,000 points, which the page draws
    without trouble."""
    import altair as alt

    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def _scaled(value: float | None, factor: float) -> float | None:
    return None if value is None else value * factor
