"""The `wasm-harness` command line: one subcommand per suite (harness/suites/) and per tool
(harness/commands/)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from engines.registry import EngineConfigError, UnknownEngineError
from engines.remote_browser import ENV as BROWSER_SERVER_ENV
from harness.commands import dashboard, engines, export, merge, nightly, report, runs
from harness.store import StoreBusyError
from harness.suite import EXIT_BAD_INPUT, Suite, add_common_arguments, run_command
from harness.suites import all_suites
from reports.escape import terminal

EPILOG = """\
examples:
  wasm-harness engines                       which engines are here, their versions, why not
  wasm-harness spec                          our corpus (suites/spec) on every engine
  wasm-harness spec --engine wasmtime x.wast one file on one engine
  wasm-harness spec --testsuite ~/testsuite --exclude 'proposals/*' --jobs 2 --strict
  wasm-harness spec --json | jq '.engines.node.counts'
  wasm-harness detect                        the feature-support matrix (results/features/)
  wasm-harness bench --quick                 every kernel on every engine, quickly
  wasm-harness bench --engine node,wasmtime --kernel matmul --json
  wasm-harness report --run latest           a recorded run's reports again, from the store
  wasm-harness dashboard --out site          the latest run as a static HTML dashboard
  wasm-harness export --format parquet -o results.parquet
  wasm-harness nightly --quick               every suite on every engine as one run, then the dashboard
  wasm-harness nightly --resume              finish the latest killed nightly run
  wasm-harness merge all.duckdb a.duckdb b.duckdb   join the stores of sharded runs (--shard i/n)
  wasm-harness spec --browser-server chromium=ws://HOST:3000/   chromium on a Playwright server

Results go to results/wasm-harness.duckdb (one row per observation; see README).
"""

COMMANDS = [engines, export, runs, report, nightly, merge, dashboard]


class Terminated(KeyboardInterrupt):
    """SIGTERM (timeout, CI runners, systemd): handled as Ctrl-C is, so the run ends `interrupted`."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated()


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        _browser_servers(getattr(args, "browser_server", None))
        return args.func(args)
    except (UnknownEngineError, EngineConfigError, StoreBusyError) as e:
        print(f"wasm-harness: error: {terminal(str(e))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Terminated:
        print("wasm-harness: terminated; finished results are kept", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("wasm-harness: interrupted; finished results are kept", file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        signal.signal(signal.SIGTERM, previous)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasm-harness",
        description="Conformance and benchmark harness for WebAssembly engines.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    engines_cmd, *others = COMMANDS
    _add_command(sub, engines_cmd)
    for suite in all_suites():
        p = sub.add_parser(suite.command, help=suite.help, description=suite.description,
                           epilog=suite.epilog, formatter_class=argparse.RawDescriptionHelpFormatter)
        suite.add_arguments(p)
        add_common_arguments(suite, p)
        p.set_defaults(func=_suite_runner(suite))
    for command in others:
        _add_command(sub, command)
    # Before the command (it applies to all) or among its options, wherever --engine is.
    _browser_server_option(parser, argparse.SUPPRESS)
    for p in sub.choices.values():
        if any("--engine" in action.option_strings for action in p._actions):
            _browser_server_option(p, argparse.SUPPRESS)
    return parser


def _browser_server_option(parser: argparse.ArgumentParser, default: object) -> None:
    parser.add_argument("--browser-server", action="append", default=default, metavar="NAME=WS_URL",
                        help="run browser configuration NAME on a Playwright server (`python -m playwright "
                             "run-server --port 3000 --unsafe` on the browser's machine), e.g. "
                             f"chromium=ws://HOST:3000/; repeatable; sets ${BROWSER_SERVER_ENV} for "
                             "this command (README, 'Browsers on other machines')")


def _browser_servers(given: list[str] | None) -> None:
    """--browser-server: the same as the environment variable, which child processes inherit too."""
    if given:
        os.environ[BROWSER_SERVER_ENV] = " ".join([os.environ.get(BROWSER_SERVER_ENV, ""), *given]).strip()


def _add_command(sub: argparse._SubParsersAction, command) -> None:
    p = sub.add_parser(command.NAME, help=command.HELP)
    command.add_arguments(p)
    p.set_defaults(func=command.run)


def _suite_runner(suite: Suite):
    return lambda args: run_command(suite, args)


if __name__ == "__main__":
    sys.exit(main())
