"""Run the fault scenarios and print PASS/FAIL for each (exit status 1 if any failed).

    .venv/bin/python -m chaos.run                 # every scenario
    .venv/bin/python -m chaos.run kill_worker     # scenarios whose name contains a word
    CHAOS_RATE=40 CHAOS_SECONDS=60 .venv/bin/python -m chaos.run scale_out

PostgreSQL scenarios use DATABASE_URL (its tables are emptied; the read-only scenario also
creates <database>_ro). Without it they are SKIPPED, and the run says so. Logs of every process
are in $TMPDIR/hotline-chaos/.
"""

from __future__ import annotations

import sys
import time
import traceback

from chaos import harness, scenarios


def main(words: list[str]) -> int:
    chosen = [s for s in scenarios.ALL if not words or any(w in s.name for w in words)]
    postgres = harness.postgres_url()
    if postgres is None:
        print("DATABASE_URL is not PostgreSQL: PostgreSQL scenarios are SKIPPED.")
    results = []
    for scenario in chosen:
        report = harness.Report()
        started = time.monotonic()
        if scenario.postgres and postgres is None:
            verdict, note = "SKIP", "needs DATABASE_URL=postgresql+psycopg://..."
        else:
            print(f"-- {scenario.name}: {scenario.claim}", flush=True)
            try:
                scenario.run(report)
                verdict, note = "PASS", ""
            except harness.ScenarioFailed as failure:
                verdict, note = "FAIL", str(failure)
            except Exception:
                verdict, note = "FAIL", traceback.format_exc(limit=6)
        seconds = time.monotonic() - started
        results.append((scenario, verdict, seconds))
        for line in report.lines:
            print(f"   {line}")
        if note:
            print(f"   {verdict}: {note}")
        print(f"   {verdict} in {seconds:.0f} s", flush=True)
    print(f"\n{'scenario':<30}{'result':>8}{'seconds':>9}  claim")
    for scenario, verdict, seconds in results:
        print(f"{scenario.name:<30}{verdict:>8}{seconds:>9.0f}  {scenario.claim}")
    return 1 if any(verdict == "FAIL" for _, verdict, _ in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
