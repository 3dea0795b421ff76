"""The `ml` suite: real models through the web's ML runtimes on every JS host, against native onnxruntime.

A unit is a model (at one batch size) × runtime × backend × thread count, run on
one engine configuration in a fresh worker, so that cold start is cold and peak
memory belongs to that unit alone. JS hosts and browsers run the runtime
modules of suites/ml/js/ (onnxruntime-web, TensorFlow.js, transformers.js) as
`js` commands; the native baseline runs the same model with onnxruntime (PyPI)
through its worker's `ml` command. Every answer is checked against native
onnxruntime before its times count: an answer outside the model's tolerance is
a `fail` row with no times, and a backend a host lacks is `unsupported` with
the reason.

Rows (suite `ml`): `case` = `MODEL/bBATCH`, `kind` = `RUNTIME:BACKEND:THREADS`;
`phase` = `check` (verdict; `value` = largest absolute difference from native;
`message` = JSON of the accuracy figures and what the runtime reported),
`read`, `compile`, `first_inference` (one each), `execute` (one per sample,
seconds per inference), `memory` (bytes, `message` = how it was measured).
"""

from __future__ import annotations

import argparse
import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from engines.base import Engine
from harness import ml_models, ml_runtimes
from harness.ml_runtimes import CHOOSABLE, REGISTRY, UnitUnsupported, Variant
from harness.session import SUITE_PHASE, Session
from harness.store import ResultsStore
from harness.suite import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_UNEXPECTED,
    BadInputError,
    Rendered,
    ReportView,
    Selection,
    Suite,
    comma_list,
    positive_int,
    with_baseline,
)
from harness.worker import WorkerError, WorkerProcess

if TYPE_CHECKING:  # numpy and the model code load when a run or report needs them
    import numpy as np

# A unit's whole run (start, session, samples) gets this long before its worker is killed.
UNIT_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Profile:
    name: str
    models: tuple[str, ...]
    batches: tuple[int, ...] | None   # None: every batch a model has
    kinds: tuple[str, ...] | None     # None: every runtime:backend:threads; else only these
    warmups: int
    samples: int
    min_sample_s: float
    budget_s: float | None            # per unit, after the first inference (common.mjs `measure`)
    # Runtimes and backends (names of either) that run at batch 1 only, unless the user chose
    # runtimes, backends or threads.
    batch1_only: tuple[str, ...] = ()
    # Kinds (runtime:backend:threads) left out unless the user chose runtimes, backends or threads.
    omit: tuple[str, ...] = ()
    # Multi-threaded units warm up at least this long (within budget_s). V8 recompiles hot wasm
    # functions with TurboFan in background threads; when the model's threads fill both cores that
    # takes 1.5-2.3 s of slower inferences (MiniLM b1, 2 threads: ~160 ms against a steady 61 ms,
    # from the 2nd to the 11th inference on Node 20, the 10th to the 19th on Node 22), which a
    # count of warm-ups alone left inside the samples (perf/ml_node_threads.py, BENCHMARKS.md).
    threaded_warmup_s: float = 0.0
    # (kind, model) pairs left out unless the user chose runtimes, backends or threads.
    omit_on: tuple[tuple[str, str], ...] = ()
    # (runtime or backend, model) pairs that run at batch 1 only, under the same condition.
    batch1_only_on: tuple[tuple[str, str], ...] = ()


PROFILES = {
    # CI's check: the digits CNN on onnxruntime-web's wasm, TF.js's SIMD wasm and our SIMD kernels.
    "quick": Profile("quick", ("digits-cnn",), (1,), ("ort:wasm:1", "tfjs:wasm-simd:1", "kernels:simd:1",
                                                      "onnxruntime:cpu:1"),
                     warmups=1, samples=3, min_sample_s=0.005, budget_s=1.0),
    # The nightly's: every model, batch and backend; slow backends (software GPUs) get fewer samples.
    "default": Profile("default", ("digits-cnn", "minilm-fp32", "minilm-int8", "mobilenet", "mlp"), None,
                       None, warmups=2, samples=10, min_sample_s=0.01, budget_s=4.0,
                       # The GPUs here are software (SwiftShader, lavapipe): MiniLM at batch 8 took
                       # about 4 minutes a unit. transformers.js runs onnxruntime-web underneath and
                       # matched its times (112 vs 114 ms), so its batch-8 rows would repeat ORT's.
                       batch1_only=("webgpu", "webgl", "transformers"),
                       # transformers.js on WebGPU is ORT-web's WebGPU EP under its pipeline, and on
                       # SwiftShader a MiniLM unit took 35-40 s; `ort:webgpu:1` measures that EP.
                       # At 2 threads its times are ORT-web's at 2 threads (`ort:wasm:2`) again.
                       omit=("transformers:webgpu:1", "transformers:wasm:2"), threaded_warmup_s=2.5,
                       # The slowest units whose figures the rest of the profile already tells
                       # (measured 2026-12-06, all engines): our WGSL kernels on MobileNet on the
                       # software GPUs (166 s; digits-cnn and the MLP carry issue 15's conv and
                       # matmul), TF.js's plain-JS cpu backend on MobileNet (67 s; it runs the
                       # digits CNN), ORT-web's WebGPU EP on int8 MiniLM (47 s; fp32 MiniLM on it
                       # stays). `--profile full` runs them.
                       omit_on=(("webgpu:wgsl:1", "mobilenet"), ("tfjs:cpu:1", "mobilenet"),
                                ("ort:webgpu:1", "minilm-int8")),
                       # Untuned TVM takes about 10 s per MiniLM inference at batch 8 (1.2 s at
                       # batch 1), so its batch-8 units would cost about 40 s on each of 8 hosts.
                       batch1_only_on=(("tvm", "minilm-fp32"),)),
    # Every sample asked for, however long it takes.
    "full": Profile("full", ("digits-cnn", "minilm-fp32", "minilm-int8", "mobilenet", "mlp"), None, None,
                    warmups=3, samples=20, min_sample_s=0.01, budget_s=None, threaded_warmup_s=2.5),
}


def sampling(profile: Profile, variant: Variant, samples: int) -> dict:
    """How a unit of this variant is timed (common.mjs `measure`'s arguments) under the profile."""
    return {"warmups": profile.warmups, "samples": samples, "min_sample_s": profile.min_sample_s,
            "budget_s": profile.budget_s,
            "min_warmup_s": profile.threaded_warmup_s if variant.threads > 1 else 0.0}


@dataclass(frozen=True)
class Unit:
    model: str          # a model name, or a user's .onnx path
    folder: Path        # its folder (harness/ml_models.py's contract)
    batch: int
    variant: Variant

    @property
    def case(self) -> str:
        return f"{self.model}/b{self.batch}"


class MlSuite(Suite):
    name = "ml"
    command = "ml"
    help = "time ML models through onnxruntime-web, TensorFlow.js and transformers.js against native"
    description = """\
Run real models (a digits CNN trained here, all-MiniLM-L6-v2 in fp32 and int8, a
MobileNet-v2-style image model, or your own .onnx) through onnxruntime-web, TensorFlow.js
and transformers.js on every JS host and browser, and through native onnxruntime as the
baseline. Every answer is checked against native onnxruntime before its times count."""
    epilog = """\
examples:
  wasm-harness ml --quick                              the digits CNN on ORT-web and TF.js wasm, every host
  wasm-harness ml --engine node,chromium --runtime ort --threads 1,2
  wasm-harness ml --model my.onnx --shape input_ids=1x128 --engine chromium
  wasm-harness ml --json | jq '.[] | select(.runtime == "ort")'

exit status: 0 ok; 1 when an answer was wrong or a unit crashed or hung (a backend a host
lacks is `unsupported`, not a failure); 2 on bad input (unknown engine, model or runtime,
a model file that does not load)."""
    default_out = None

    def add_arguments(self, p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", action="append", metavar="NAME|FILE.onnx",
                       help=f"models (repeat or comma-separate): {', '.join(ml_models.MODELS)}, or a path "
                            "to your own .onnx (inputs generated from its signature; see --shape)")
        p.add_argument("--shape", action="append", default=[], metavar="NAME=DxD",
                       help="a dynamic input's shape for your own model, e.g. input_ids=1x128")
        p.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy",
                       help="an input of your own model from a .npy file instead of seeded random data")
        p.add_argument("--runtime", action="append", metavar="NAME",
                       help=f"runtimes (comma-separate): {', '.join(CHOOSABLE)} (default: all)")
        p.add_argument("--backend", action="append", metavar="NAME",
                       help="only these backends (comma-separate): " + ", ".join(dict.fromkeys(
                           v.backend for r in REGISTRY.values() if not r.native for v in r.variants)))
        p.add_argument("--threads", action="append", metavar="N", help="only these thread counts (1,2)")
        p.add_argument("--profile", choices=tuple(PROFILES), default="default",
                       help="models and sampling (default: %(default)s)")
        p.add_argument("--quick", action="store_const", const="quick", dest="profile", help="--profile quick")
        p.add_argument("--samples", type=positive_int, metavar="N", help="timed inferences per unit")
        for runtime in REGISTRY.values():
            runtime.add_arguments(p)
        p.add_argument("--json", action="store_true",
                       help="one row per model, engine, runtime, backend and threads: verdict, p50_s, p95_s, "
                            "ci_low_s, ci_high_s, max_abs_diff, top1_agreement or cosine, ratio_to_native; "
                            "SIMD builds simd_speedup; kernels ratio_to_native_kernels (each with _ci_low, "
                            "_ci_high, _p)")

    def engine_problem(self, engine: Engine) -> str | None:
        return ml_runtimes.engine_problem(engine)

    def prepare_engines(self, engines: list[Engine], args: argparse.Namespace) -> list[Engine]:
        return with_baseline(engines)  # native onnxruntime: the reference of every answer

    def select(self, args: argparse.Namespace) -> Selection:
        from harness import ml_units

        profile = PROFILES[args.profile]
        for runtime in REGISTRY.values():
            runtime.configure(args)
        names = comma_list(args.model) or list(profile.models)
        runtimes = comma_list(args.runtime) or list(CHOOSABLE)
        unknown = [r for r in runtimes if r not in CHOOSABLE]
        if unknown:
            raise BadInputError(f"unknown runtime {unknown[0]!r}; known: {', '.join(CHOOSABLE)}")
        natives = [r for r in REGISTRY.values() if r.native]
        backends = set(comma_list(args.backend))
        threads = {int(t) for t in comma_list(args.threads)}
        chosen = bool(args.runtime or backends or threads)  # the profile's kinds yield to a choice
        units: list[Unit] = []
        for name in names:
            folder = _model_folder(name, args)
            meta = ml_models.load_meta(folder)
            batches = [b for b in ml_units.batches(meta) if profile.batches is None or b in profile.batches
                       or name not in ml_models.MODELS]
            for batch in batches:
                for variant in [*(v for r in natives for v in r.variants),
                                *(v for r in runtimes for v in REGISTRY[r].variants)]:
                    if backends and variant.backend not in backends and not REGISTRY[variant.runtime].native:
                        continue
                    if threads and variant.threads not in threads:
                        continue
                    if profile.kinds is not None and not chosen and variant.kind not in profile.kinds:
                        continue
                    omitted = variant.kind in profile.omit or (variant.kind, name) in profile.omit_on
                    if omitted and not chosen:
                        continue
                    parts = {variant.backend, variant.runtime}
                    if batch != 1 and not chosen and (parts & set(profile.batch1_only) or any(
                            part in parts and model == name for part, model in profile.batch1_only_on)):
                        continue
                    if not REGISTRY[variant.runtime].runs_model(meta):
                        continue
                    units.append(Unit(meta["name"], folder, batch, variant))
        return Selection(units=units, context={"profile": profile})

    def run(self, session: Session, engines: list[Engine], selection: Selection,
            args: argparse.Namespace) -> dict:
        profile: Profile = selection.context["profile"]
        samples = args.samples or profile.samples
        # Native onnxruntime's outputs per model and batch, or why it could not give them.
        references: dict[tuple[str, int], dict[str, np.ndarray] | str] = {}
        # A shard takes whole models at a batch size: every engine and native onnxruntime run them on
        # one machine, so ratios to native compare figures from one machine (harness/work.py).
        plan = [(e, u) for e in engines for u in selection.units
                if REGISTRY[u.variant.runtime].problem(e) is None
                and REGISTRY[u.variant.runtime].runs_variant(u.variant, e)
                and session.work.owns(self.name, u.case)
                and not session.work.done(self.name, (e.name, u.case, u.variant.kind))]
        workers = _Workers()
        try:
            with session.progress("ml", total=len(plan)) as advance:
                for engine, unit in plan:
                    key = (unit.model, unit.batch)
                    if key not in references:
                        references[key] = _reference(unit)
                    reference = references[key]
                    problem = REGISTRY[unit.variant.runtime].unit_problem(unit.variant, engine)
                    if isinstance(reference, str):  # no reference: the model's units are errors
                        result = {"verdict": "error", "message": reference}
                    elif problem is not None:
                        result = {"verdict": "unsupported", "message": problem}
                    else:
                        result = self._run_unit(workers, engine, unit, profile, samples)
                    rows = _rows(session.rows(self.name, engine), unit, result, reference)
                    session.add_rows(rows)
                    advance(f"{engine.name} {unit.case} {unit.variant.kind}")
        finally:
            workers.close()
        return {"profile": profile.name, "samples": samples}

    def _run_unit(self, workers: _Workers, engine: Engine, unit: Unit, profile: Profile,
                  samples: int) -> dict:
        """The runtime's measurement, or {"verdict": ..., "message": ...} when there is none."""
        from harness import ml_units

        meta = ml_models.load_meta(unit.folder)
        try:  # a runtime that builds its code (emcc) may fail to: that unit's error
            args = ml_units.runtime_args(unit.folder, meta, unit.variant.runtime, unit.batch)
            args.update(backend=unit.variant.backend, threads=unit.variant.threads,
                        **sampling(profile, unit.variant, samples))
            command = REGISTRY[unit.variant.runtime].command(args)
        except UnitUnsupported as e:
            return {"verdict": "unsupported", "message": f"{e} ({unit.variant.kind} on {engine.name})"}
        except Exception as e:  # noqa: BLE001 - any failure to make the command is the unit's verdict
            return {"verdict": "error", "message": f"{unit.variant.kind} on {engine.name}: {e}"}
        try:
            worker = workers.fresh(engine)
            reply = worker.run_batch([command], UNIT_TIMEOUT_S).get(0, {})
        except WorkerError as e:
            workers.close()
            return {"verdict": "error", "message": str(e)}
        if not reply.get("ok"):
            error = reply.get("error") or {}
            if error.get("kind") in ("crash", "timeout"):
                workers.close()  # the next unit gets a new worker, not one that just recovered
            message = error.get("message", "no reply")
            if "unsupported:" in message:
                reason = message.split("unsupported:", 1)[1].strip()
                return {"verdict": "unsupported", "message": reason}
            kind = error.get("kind", "internal")
            verdict = kind if kind in ("crash", "timeout") else "error"
            return {"verdict": verdict, "message": f"{kind}: {message}"}
        try:
            return json.loads(reply["values"][0][1])
        except (KeyError, IndexError, TypeError, ValueError) as e:
            return {"verdict": "error", "message": f"unreadable reply: {e}"}

    # A unit (model and batch, runtime:backend:threads, on one engine) is finished when its check row
    # is in: its rows reach the store together.
    def finished_units(self, store: ResultsStore, run_id: str) -> set[tuple]:
        return set(store.query('SELECT engine, "case", kind FROM results WHERE run_id = ? AND suite = ? '
                               "AND phase = 'check'", [run_id, self.name]))

    def discard_partial(self, store: ResultsStore, run_id: str) -> int:
        return store.delete_rows(
            "run_id = ? AND suite = ? AND phase NOT IN ('check', ?) AND NOT EXISTS (SELECT 1 FROM results w "
            "WHERE w.run_id = results.run_id AND w.suite = results.suite AND w.engine = results.engine AND "
            "w.\"case\" = results.\"case\" AND w.kind = results.kind AND w.phase = 'check')",
            [run_id, self.name, SUITE_PHASE])

    def render(self, view: ReportView) -> Rendered:
        from harness.results import load
        from reports import ml as ml_report

        rows = ml_report.summarize(load(view.store).rows(self.name, view.run_id))
        files: list[Path] = []
        if view.out:
            files = ml_report.write(rows, view.out, view.run_id)
        if view.as_json:
            return Rendered(json.dumps(rows, indent=1), files=files)
        simd, kernels = ml_report.simd_table(rows), ml_report.kernels_table(rows)
        text = ml_report.table(rows) + (f"\n\nwasm SIMD over scalar, same model and host:\n{simd}"
                                        if simd else "")
        text += (f"\n\nOur kernels (ms per inference, p50), speed-ups over scalar and ratios to the same "
                 f"build run natively, 95% CIs:\n{kernels}" if kernels else "")
        gflops = ml_report.gflops_table(rows)
        if gflops:
            text += (f"\n\nGFLOP/s (FLOPs counted by the webgpu runtime's plan):\n{gflops}\n"
                     f"{ml_report.SOFTWARE_ADAPTERS}")
        return Rendered(f"{text}\n\nrun {view.run_id} in {view.wall_seconds:.0f} s; results in {view.db}",
                        files=files)

    def exit_code(self, view: ReportView, args: argparse.Namespace) -> int:
        if view.parameters.get("bad_input"):
            return EXIT_BAD_INPUT
        verdicts = view.store.query("SELECT verdict FROM results WHERE run_id = ? AND suite = ? "
                                    "AND phase = 'check'",
                                    [view.run_id, self.name])
        failed = [v for (v,) in verdicts if v in ("fail", "crash", "timeout", "error")]
        return EXIT_UNEXPECTED if failed else EXIT_OK


class _Workers:
    """The worker of the engine being run. Every unit gets a clean slate, as a new worker would
    give it (cold start cold, memory its own): a browser worker opens a new page in a new browser
    context instead of a new browser (Firefox takes about 3 s to start), any other worker is
    started again (WorkerProcess.fresh)."""

    def __init__(self) -> None:
        self.engine: str | None = None
        self.worker: WorkerProcess | None = None

    def fresh(self, engine: Engine) -> WorkerProcess:
        if self.worker is not None and self.engine == engine.name:
            self.worker.fresh()
            return self.worker
        self.close()
        self.engine, self.worker = engine.name, WorkerProcess(engine.worker_spec())
        return self.worker

    def close(self) -> None:
        if self.worker is not None:
            self.worker.close()
        self.engine = self.worker = None


def _reference(unit: Unit) -> dict[str, np.ndarray] | str:
    """Native onnxruntime's answer for the unit's model and batch, or a one-line reason naming the
    model and file when there is none (a missing or corrupt model file, inputs it refuses)."""
    try:
        return ml_models.run_native(unit.folder, unit.batch, threads=1)
    except Exception as e:  # onnxruntime raises its own exception types; OSError for a missing file
        model = ml_models.load_meta(unit.folder).get("model", "model.onnx")
        reason = (str(e).splitlines() or [type(e).__name__])[0]
        return f"model {unit.model}: native onnxruntime cannot run {unit.folder / model}: {reason}"


def _rows(make, unit: Unit, result: dict, reference: dict[str, np.ndarray] | str) -> list[dict]:
    from harness import ml_units

    base = {"case": unit.case, "kind": unit.variant.kind, "file": str(unit.folder.name)}
    if "verdict" in result:  # no measurement: unsupported, error, crash, timeout
        return [make(**base, phase="check", metric="check", verdict=result["verdict"],
                     message=result["message"])]
    meta = ml_models.load_meta(unit.folder)
    accuracy = ml_units.judge(meta, unit.folder, unit.batch, unit.variant.runtime, _outputs(result),
                              reference)
    verdict = "pass" if accuracy["ok"] else "fail"
    info = {k: result.get(k) for k in ("threads_used", "backend_used", "binary", "adapter", "versions",
                                       "notes", "reps", "flops")}
    rows = [make(**base, phase="check", metric="max_abs_diff", verdict=verdict,
                 value=accuracy.get("max_abs_diff"), message=json.dumps({**accuracy, **info}))]
    if verdict != "pass":
        return rows
    phases = result.get("phases", {})
    for phase, key in (("read", "read_s"), ("compile", "compile_s"), ("first_inference", "first_s")):
        if phases.get(key) is not None:
            rows.append(make(**base, phase=phase, metric="time", value=phases[key], unit="s", verdict="pass"))
    rows += [make(**base, phase="execute", metric="time", value=s, unit="s", verdict="pass", iteration=n,
                  process=0) for n, s in enumerate(result.get("samples_s", []))]
    memory = result.get("memory") or {}
    if memory.get("bytes"):
        rows.append(make(**base, phase="memory", metric="peak_memory", value=memory["bytes"], unit="B",
                         verdict="pass", message=memory.get("kind") or ""))
    return rows


def _outputs(result: dict) -> dict[str, np.ndarray]:
    import numpy as np

    out = {}
    for o in result.get("outputs", []):
        data = np.frombuffer(base64.b64decode(o["data_b64"]), dtype=np.dtype(o["dtype"]))
        out[o["name"]] = data.reshape(o["shape"])
    return out


def _model_folder(name: str, args: argparse.Namespace) -> Path:
    if name in ml_models.MODELS:
        try:
            return ml_models.model_folder(name)
        except ml_models.ModelError as e:
            raise BadInputError(str(e)) from None
    from harness.ml_user_model import ModelError, user_model

    path = Path(name)
    if path.suffix == ".onnx":
        try:
            return user_model(path, shapes=args.shape, inputs=args.input)
        except ModelError as e:
            raise BadInputError(str(e)) from None
    raise BadInputError(f"unknown model {name!r}; known: {', '.join(ml_models.MODELS)}, or a path to a .onnx")
