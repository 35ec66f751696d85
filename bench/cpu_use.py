"""CPU seconds spent by each kind of process on this machine between two snapshots.

A load test on a 2-core machine shares its cores between the web processes, the workers, the
database, the provider double and the load generator itself; which of them used the cores is
what says where the next text per second has to come from. Read from /proc (Linux only).
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
# Roles by what a process's command line holds, first match wins; "bench" is this process
# (the load generator and, where one runs, the provider double's threads).
ROLES = (("gunicorn", "web"), ("hotline worker", "worker"), ("postgres", "database"))


def snapshot() -> Counter[str]:
    """CPU seconds so far of every live process, summed by role (others under "other")."""
    used: Counter[str] = Counter()
    own = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # it ended while we looked
            continue
        seconds = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
        used[_role(int(entry.name), own, command)] += seconds
    return used


def _role(pid: int, own: int, command: str) -> str:
    if pid == own:
        return "bench"
    return next((role for marker, role in ROLES if marker in command), "other")


def per_item(before: Counter[str], after: Counter[str], items: int) -> dict[str, float]:
    """CPU milliseconds per item of work by role, between two snapshots, largest first."""
    spent = {role: (after[role] - before[role]) * 1000 / max(items, 1) for role in after}
    return dict(sorted(((r, ms) for r, ms in spent.items() if ms > 0), key=lambda x: -x[1]))


def describe(spent: dict[str, float]) -> str:
    return ", ".join(f"{role} {ms:.1f}" for role, ms in spent.items())
