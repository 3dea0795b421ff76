"""The feature matrix as a terminal table, Markdown, CSV, JSON and HTML."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from tabulate import tabulate

from harness.detect import Matrix
from reports import claims

SHORT = {"supported": "yes", "unsupported": "no", "flag": "flag", "n/a": "n/a", "error": "ERROR"}
TEMPLATES = Path(__file__).resolve().parent / "templates"


def as_json(matrix: Matrix) -> dict:
    """{engine configuration: {feature: answer}}."""
    return {e: {f: matrix.get(e, f).answer for f in matrix.features} for e in matrix.engines}


def text_table(matrix: Matrix, fmt: str = "simple") -> str:
    rows = [[f, *(SHORT[matrix.get(e, f).answer] for e in matrix.engines)] for f in matrix.features]
    return tabulate(rows, headers=["feature", *matrix.engines], tablefmt=fmt)


def csv_text(matrix: Matrix) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["engine", "version", "feature", "answer", "detail"])
    for e in matrix.engines:
        for f in matrix.features:
            a = matrix.get(e, f)
            writer.writerow([e, matrix.versions.get(e, ""), f, a.answer, a.detail])
    return out.getvalue()


def disagreement_table(found: list[claims.Disagreement], fmt: str = "simple") -> str:
    rows = [[d.engine, d.version, d.feature, f"{d.claim.answer} ({d.claim.raw})", d.measured, d.detail[:80]]
            for d in found]
    return tabulate(rows, headers=["engine", "version", "feature", "published claim", "measured", "detail"],
                    tablefmt=fmt)


def cross_check_table(matrix: Matrix, fmt: str = "simple") -> str:
    rows = [[engine, feature, "supported" if says else "unsupported", ours.answer, ours.detail[:70]]
            for engine, feature, says, ours in matrix.cross_check_differences()]
    return tabulate(rows, headers=["engine", "feature", "wasm-feature-detect", "our probe", "detail"],
                    tablefmt=fmt)


def write_all(matrix: Matrix, out: Path, run_id: str, when: str) -> list[Path]:
    """Write matrix.md, matrix.html, matrix.csv and matrix.json into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    found = claims.disagreements(matrix)
    md = [f"# WebAssembly feature support, measured (run {run_id})", "",
          text_table(matrix, "github"), "",
          f"## Where the published table disagrees ({claims.source()})", "",
          disagreement_table(found, "github") if found else "No disagreements.", ""]
    if matrix.wasm_feature_detect:
        differences = matrix.cross_check_differences()
        md += ["## wasm-feature-detect cross-check (npm wasm-feature-detect 1.9.0, in every JS host)", "",
               cross_check_table(matrix, "github") if differences else "It agrees with every probe.", ""]
    if matrix.absence:
        md += ["## Absence checks (Wasmtime with the feature switched off)", "",
               tabulate([[f, a.answer] for f, a in matrix.absence.items()], headers=["feature", "answer"],
                        tablefmt="github"), ""]
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape())
    html = env.get_template("matrix.html").render(
        run_id=run_id, when=when, engines=matrix.engines, features=matrix.features, versions=matrix.versions,
        cell=matrix.get, disagreements=found, disagree={(d.engine, d.feature) for d in found},
        absence=matrix.absence, source=claims.source(), differences=matrix.cross_check_differences())
    document = {"run_id": run_id, "matrix": as_json(matrix), "versions": matrix.versions,
                "details": {e: {f: matrix.get(e, f).detail for f in matrix.features} for e in matrix.engines},
                "absence": {f: a.answer for f, a in matrix.absence.items()},
                "wasm_feature_detect": matrix.wasm_feature_detect,
                "cross_check_differences": [
                    {"engine": e, "feature": f, "wasm_feature_detect": says, "ours": ours.answer}
                    for e, f, says, ours in matrix.cross_check_differences()],
                "disagreements": [{"engine": d.engine, "version": d.version, "feature": d.feature,
                                   "claim": d.claim.answer, "published": d.claim.raw, "note": d.claim.note,
                                   "measured": d.measured} for d in found],
                "claims_source": claims.source()}
    files = {"matrix.md": "\n".join(md), "matrix.html": html, "matrix.csv": csv_text(matrix),
             "matrix.json": json.dumps(document, indent=2)}
    for name, text in files.items():
        (out / name).write_text(text)
    return [out / name for name in files]
