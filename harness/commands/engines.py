"""`wasm-harness engines`: every configuration, available or why not, and its version."""

from __future__ import annotations

import argparse
import json

from tabulate import tabulate

from engines.registry import resolve

NAME = "engines"
HELP = "list engine configurations, availability and versions"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.description = "List every engine configuration: available or why not, and version."
    p.add_argument("--engine", action="append", metavar="NAME", help="only these (repeat or comma-separate)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    rows = []
    for engine in resolve(args.engine):
        state = engine.availability()
        rows.append({"engine": engine.name, "available": state.ok, "version": engine.version()
                     if state.ok else "", "flags": engine.flags, "reason": state.reason,
                     "remote": engine.metadata().get("remote", "")})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(tabulate([{**r, "available": "yes" if r["available"] else "no"} for r in rows],
                       headers="keys", tablefmt="github"))
    return 0
