"""Run every benchmark and print one table: python -m benchmarks (or python3 tasks.py bench)."""
from __future__ import annotations

import os
import platform
import sys

from benchmarks import (
    bench_broadcast,
    bench_e2e,
    bench_knowledge,
    bench_load,
    bench_monitoring,
    bench_offices,
    bench_registry,
)
from benchmarks.common import print_table


def main() -> int:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}")
    rows = []
    rows += bench_knowledge.qa_rows()
    rows += bench_knowledge.naming_rows()
    rows += bench_registry.registry_rows()
    rows += bench_broadcast.broadcast_rows()
    rows += bench_e2e.gc_pause_rows()
    rows += bench_e2e.e2e_rows()
    rows += bench_monitoring.monitoring_rows()
    rows += bench_load.load_rows()
    reason = bench_offices.unavailable()
    if reason:
        print(f"offices: skipped, the province bench needs PostgreSQL ({reason})")
    else:
        rows += bench_offices.office_rows()
    print()
    print_table(rows)
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
