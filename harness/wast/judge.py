"""Verdicts: compare what a worker reported with what the script asserts."""

from __future__ import annotations

from dataclasses import dataclass

from harness.wast import values
from harness.wast.plan import Step

VERDICTS = ("pass", "fail", "skip", "crash", "timeout")

# Which error kind each assertion wants.
_WANTED_ERROR = {
    "assert_trap": "trap",
    "assert_exhaustion": "exhaustion",
    "assert_exception": "exception",
    "assert_invalid": "compile",
    "assert_malformed": "compile",
    "assert_unlinkable": "link",
    "assert_uninstantiable": "trap",
}


@dataclass
class Verdict:
    verdict: str
    message: str = ""
    expected_failure: bool = False


def judge(step: Step, reply: dict, xfail_reason: str | None = None) -> Verdict:
    return apply_xfail(_judge(step, reply), xfail_reason)


def apply_xfail(verdict: Verdict, xfail_reason: str | None) -> Verdict:
    """A deliberate failure must fail; passing is then an (unexpected) failure itself."""
    if xfail_reason is None:
        return verdict
    if verdict.verdict == "fail":
        return Verdict("fail", f"expected failure ({xfail_reason}): {verdict.message}", True)
    if verdict.verdict == "pass":
        return Verdict("fail", f"marked xfail ({xfail_reason}) but passed")
    return verdict


def _judge(step: Step, reply: dict) -> Verdict:
    if step.exact is not None and reply.get("values") == step.exact and reply.get("ok"):
        return Verdict("pass")  # the common case, without lifting values
    error = None if reply.get("ok") else reply.get("error", {"kind": "internal", "message": "no reply"})
    if error:
        kind = error.get("kind")
        message = error.get("message", "")
        if kind in ("crash", "timeout"):
            return Verdict(kind, message)
        if kind == "unsupported":
            return Verdict("skip", message)
    else:
        kind, message = None, ""

    wanted = _WANTED_ERROR.get(step.kind)  # assert_trap on a module's instantiation wants a trap too
    if wanted is not None:
        if kind == wanted:
            return Verdict("pass", message)
        text = step.command.get("text", "")
        got = f"{kind} error: {message}" if kind else "success" + _returned(step, reply)
        return Verdict("fail", f"expected {wanted} error ({text!r}), got {got}")

    if kind:
        return Verdict("fail", f"{kind} error: {message}")
    if step.kind == "assert_return":
        return _compare_returns(step, reply)
    return Verdict("pass")


def _returned(step: Step, reply: dict) -> str:
    if not step.result_slots:
        return ""
    try:
        got = values.lift_results(step.result_slots, reply.get("values", []))
    except (StopIteration, ValueError, TypeError):
        return ""
    return " returning " + ", ".join(map(str, got))


def _compare_returns(step: Step, reply: dict) -> Verdict:
    expected = step.command.get("expected", [])
    try:
        actual = values.lift_results(step.result_slots, reply.get("values", []))
    except (StopIteration, ValueError, TypeError) as e:
        return Verdict("fail", f"malformed results from worker: {reply.get('values')!r} ({e})")
    if len(actual) != len(expected):
        return Verdict("fail", f"expected {len(expected)} results, got {len(actual)}: "
                       + ", ".join(map(str, actual)))
    wrong = [
        f"result {n}: expected {values.describe_expected(e)}, got {values.describe_actual(a, e)}"
        for n, (e, a) in enumerate(zip(expected, actual, strict=True))
        if not values.matches(e, a)
    ]
    return Verdict("fail", "; ".join(wrong)) if wrong else Verdict("pass")
