"""A fake engine worker that speaks the worker protocol and misbehaves on request.

Standard library only. Tests script it through the commands themselves: what a
`call` does depends on its `field`, so a .wast file (through the spec runner) or
a list of lowered commands (straight to harness.worker.WorkerProcess) chooses
crashes, hangs and protocol errors command by command, with no engine at all.

    python tests/fake_worker.py [--fail-hello | --refuse-hello] [--log PATH]

`call` fields:
    bump             add 1 to the run's counter and return it (i32): the run's state
    wrong            return 999, which no script expects
    trap             a `trap` error reply
    slow             sleep args[0] milliseconds, then succeed
    stderr           write a message and two backtrace-like frames to stderr, then succeed
    flush            succeed, then send every buffered reply
    crash            write a message to stderr and exit with code 3
    kill             SIGKILL itself (a signal death, as an engine's abort or segfault)
    hang             sleep forever, ignoring the run's timeout (an engine that cannot interrupt)
    garbage          write a line that is not JSON instead of a reply, then go on
    die_after_reply  reply (flushing buffered replies), then exit with code 4
    noindex          a reply without "i": a worker that does not speak the protocol
Any other field, and every other `do` (module, register, ...), succeeds with no values.

Every run starts with the counter at 0, as a real worker starts every run from a
fresh store, so a replay after a restart must re-run the earlier commands for a
later `bump` to see the same count. With `careful: false` replies are held back
until `flush`, the end of the run or a `die_after_reply`, like a browser page
posting them in batches: a death loses the held replies.

--fail-hello: write a reason to stderr and exit 1 instead of answering hello.
--refuse-hello: answer hello with ok=false, say nothing on stderr, and exit.
--log PATH: append "pid index field" for every command executed, so tests see which
    commands ran in which process (and that skipped ones did not).
--max-starts N --starts PATH: count starts in PATH and fail hello after N of them, so a
    harness that restarts forever fails the test instead of hanging it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

EXIT_CRASH = 3
EXIT_AFTER_REPLY = 4


class Worker:
    def __init__(self, log: str | None) -> None:
        self.log = log
        self.held: list[str] = []   # replies not yet written (careful: false)
        self.careful = True

    def write(self, obj: dict) -> None:
        self.held.append(json.dumps(obj))
        if self.careful:
            self.flush()

    def flush(self) -> None:
        if self.held:
            sys.stdout.write("".join(line + "\n" for line in self.held))
            sys.stdout.flush()
            self.held.clear()

    def run(self, request: dict) -> None:
        rid = request["id"]
        self.careful = bool(request.get("careful", True))
        skip = set(request.get("skip", []))
        counter = 0
        for cmd in request["commands"]:
            i = cmd["i"]
            if i in skip:
                continue
            field = cmd.get("field") if cmd.get("do") == "call" else None
            if self.log:
                with open(self.log, "a") as log:
                    log.write(f"{os.getpid()} {i} {field or cmd.get('do')}\n")
            reply: dict = {"id": rid, "i": i, "ok": True, "values": []}
            if field == "bump":
                counter += 1
                reply["values"] = [["i32", str(counter)]]
            elif field == "wrong":
                reply["values"] = [["i32", "999"]]
            elif field == "trap":
                reply = {"id": rid, "i": i, "ok": False, "error": {"kind": "trap", "message": "fake trap"}}
            elif field == "slow":
                time.sleep(int(cmd["args"][0][1]) / 1000)
            elif field == "stderr":
                sys.stderr.write(f"fake worker: note from command {i}\n   0: frame one\n\tframe two\n")
                sys.stderr.flush()
            elif field == "crash":
                sys.stderr.write(f"fake worker: crashing on purpose at command {i}\n")
                sys.stderr.flush()
                os._exit(EXIT_CRASH)  # no cleanup, no flush of held replies: a hard death
            elif field == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            elif field == "hang":
                while True:
                    time.sleep(3600)
            elif field == "garbage":
                self.flush()
                sys.stdout.write("fake worker: this line is not JSON\n")
                sys.stdout.flush()
                continue
            elif field == "noindex":
                reply.pop("i")
            self.write(reply)
            if field == "flush":
                self.flush()
            elif field == "die_after_reply":
                self.flush()
                os._exit(EXIT_AFTER_REPLY)
        self.write({"id": rid, "done": True})
        self.flush()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fail-hello", action="store_true")
    parser.add_argument("--refuse-hello", action="store_true")
    parser.add_argument("--log")
    parser.add_argument("--starts")
    parser.add_argument("--max-starts", type=int)
    args = parser.parse_args()
    if args.starts:
        with open(args.starts, "a+") as starts:
            starts.write(f"{os.getpid()}\n")
            starts.seek(0)
            count = len(starts.read().split())
        if args.max_starts is not None and count > args.max_starts:
            sys.stderr.write(f"fake worker: started {count} times, more than --max-starts\n")
            sys.exit(1)
    worker = Worker(args.log)
    for line in sys.stdin:
        request = json.loads(line)
        op = request.get("op")
        if op == "hello":
            if args.fail_hello:
                sys.stderr.write("fake worker: refusing to start (--fail-hello)\n")
                sys.stderr.flush()
                sys.exit(1)
            worker.write({"id": request["id"], "ok": not args.refuse_hello, "version": "fake 1.0",
                          "features": {}})
            worker.flush()  # only run replies are ever held back
            if args.refuse_hello:
                return  # as a worker that cannot go on would; the harness need not wait for it
        elif op == "run":
            worker.run(request)
        elif op == "exit":
            return
        else:
            worker.write({"id": request.get("id"), "ok": False,
                          "error": {"kind": "internal", "message": f"unknown op {op}"}})
            worker.flush()


if __name__ == "__main__":
    main()
