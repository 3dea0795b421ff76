"""Which units a session runs: its shard of them (`--shard i/n`), minus those a resumed run finished.

A shard owns a unit when a stable hash of the unit's names (suite, then what
names the unit in that suite) falls in it: SHA-256, not Python's `hash()`,
which is salted per process, so n machines given `--shard 1/n` ... `n/n`
split the same work the same way, disjointly, and together run all of it.

What names a unit is each suite's choice (harness/suites/): spec and features
split engine x file or probe; bench and ml split by workload or model, so
that each machine runs every engine and the native baseline on its part and
every ratio to native compares figures from one machine.

A resumed run (`nightly --resume`) knows, per suite, the units an earlier
attempt finished (`Suite.finished_units`); the suite skips them.
"""

from __future__ import annotations

import argparse
import hashlib
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Shard:
    index: int   # 1-based, as written on the command line
    count: int

    def owns(self, *names: str) -> bool:
        digest = hashlib.sha256("\0".join(names).encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """An argparse type: `i/n` with 1 <= i <= n."""
    index, slash, count = text.partition("/")
    try:
        shard = Shard(int(index), int(count))
    except ValueError:
        shard = None
    if not slash or shard is None or not 1 <= shard.index <= shard.count:
        raise argparse.ArgumentTypeError(f"{text!r} is not i/n with 1 <= i <= n (e.g. 1/4)")
    return shard


@dataclass
class Work:
    """The session's share of the work: a shard (None: all of it) and units finished before."""

    shard: Shard | None = None
    finished: dict[str, set[tuple]] = field(default_factory=dict)  # suite -> finished unit keys

    def owns(self, suite: str, *names: str) -> bool:
        return self.shard is None or self.shard.owns(suite, *names)

    def done(self, suite: str, key: tuple) -> bool:
        return key in self.finished.get(suite, ())

    def wants(self, suite: str, key: tuple[str, ...]) -> bool:
        """A unit split by its whole key (engine, unit) that has not finished yet."""
        return self.owns(suite, *key) and not self.done(suite, key)
