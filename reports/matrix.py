"""The feature matrix: its answers rebuilt from a run's rows, as a terminal table, Markdown, CSV, JSON
and HTML."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from reports import claims, escape

ANSWERS = ("supported", "unsupported", "flag", "n/a", "error")
# In the results table an answer is the row's verdict; `value` makes it summable.
SUPPORT_VALUE = {"supported": 1.0, "flag": 0.5, "unsupported": 0.0}
# The rows' `kind`: a configuration's answer, the absence check, wasm-feature-detect's own answer.
CELL, ABSENCE, CROSS_CHECK = "feature", "absence", "cross_check"
ABSENCE_ENGINE = "wasmtime (feature off)"


@dataclass
class Answer:
    answer: str
    detail: str = ""


@dataclass
class Matrix:
    engines: list[str]
    features: list[str]
    cells: dict[tuple[str, str], Answer] = field(default_factory=dict)        # (engine, feature)
    absence: dict[str, Answer] = field(default_factory=dict)                 # feature -> answer off
    versions: dict[str, str] = field(default_factory=dict)
    wasm_feature_detect: dict[str, dict[str, bool]] = field(default_factory=dict)  # engine -> answers

    def cross_check_differences(self) -> list[tuple[str, str, bool, Answer]]:
        """(engine, feature, wasm-feature-detect's answer, ours) wherever the two differ."""
        found = []
        for engine, theirs in self.wasm_feature_detect.items():
            for feature, says in sorted(theirs.items()):
                ours = self.cells.get((engine, feature))
                if ours is None or ours.answer == "n/a":
                    continue
                if says != (ours.answer == "supported"):
                    found.append((engine, feature, says, ours))
        return found

    def get(self, engine: str, feature: str) -> Answer:
        return self.cells.get((engine, feature), Answer("error", "not probed"))

    def rows(self, make_row) -> list[dict]:
        """The matrix as result rows (`make_row` fills run, suite and time): one per answer."""
        rows = [make_row(engine=engine, engine_version=self.versions.get(engine), case=feature, kind=CELL,
                         metric="support", verdict=a.answer, value=SUPPORT_VALUE.get(a.answer),
                         message=a.detail, file="", line=0)
                for (engine, feature), a in self.cells.items()]
        rows += [make_row(engine=ABSENCE_ENGINE, case=feature, kind=ABSENCE, metric="support",
                          verdict=a.answer, value=SUPPORT_VALUE.get(a.answer), message=a.detail, file="",
                          line=0)
                 for feature, a in self.absence.items()]
        rows += [make_row(engine=engine, engine_version=self.versions.get(engine), case=detector,
                          kind=CROSS_CHECK, metric="support", verdict="supported" if says else "unsupported",
                          value=1.0 if says else 0.0, file="", line=0)
                 for engine, theirs in self.wasm_feature_detect.items() for detector, says in theirs.items()]
        return rows


def from_rows(rows: list[tuple[str, str, str, str, str]], engines: list[str], features: list[str],
              versions: dict[str, str]) -> Matrix:
    """The matrix again from its rows: (kind, engine, case, verdict, message) tuples."""
    matrix = Matrix(engines=engines, features=features, versions=versions)
    for kind, engine, case, verdict, message in rows:
        if kind == CELL:
            matrix.cells[(engine, case)] = Answer(verdict, message or "")
        elif kind == ABSENCE:
            matrix.absence[case] = Answer(verdict, message or "")
        elif kind == CROSS_CHECK:
            matrix.wasm_feature_detect.setdefault(engine, {})[case] = verdict == "supported"
    return matrix

SHORT = {"supported": "yes", "unsupported": "no", "flag": "flag", "n/a": "n/a", "error": "ERROR"}
TEMPLATES = Path(__file__).resolve().parent / "templates"


def as_json(matrix: Matrix) -> dict:
    """{engine configuration: {feature: answer}}."""
    return {e: {f: matrix.get(e, f).answer for f in matrix.features} for e in matrix.engines}


def text_table(matrix: Matrix, fmt: str = "simple") -> str:
    rows = [[f, *(SHORT[matrix.get(e, f).answer] for e in matrix.engines)] for f in matrix.features]
    return escape.table(rows, ["feature", *matrix.engines], fmt)


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
    return escape.table(rows, ["engine", "version", "feature", "published claim", "measured", "detail"], fmt)


def cross_check_table(matrix: Matrix, fmt: str = "simple") -> str:
    rows = [[engine, feature, "supported" if says else "unsupported", ours.answer, ours.detail[:70]]
            for engine, feature, says, ours in matrix.cross_check_differences()]
    return escape.table(rows, ["engine", "feature", "wasm-feature-detect", "our probe", "detail"], fmt)


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
               escape.table([[f, a.answer] for f, a in matrix.absence.items()], ["feature", "answer"],
                            "github"), ""]
    from jinja2 import Environment, FileSystemLoader, select_autoescape  # only the HTML file needs it

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
