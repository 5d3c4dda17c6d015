from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass
class Row:
    figure: str
    value: float
    unit: str
    target: str
    ok: bool

    def cells(self) -> tuple[str, str, str, str]:
        return self.figure, f"{self.value:.3g} {self.unit}", self.target, "ok" if self.ok else "MISSED"


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def time_each(fn: Callable[[object], object], items: Iterable[object], repeat: int = 1) -> list[float]:
    """Seconds per call, each item `repeat` times."""
    samples = []
    for _ in range(repeat):
        for item in items:
            start = time.perf_counter()
            fn(item)
            samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> str:
    ms = [s * 1000 for s in samples]
    return f"n={len(ms)} mean={statistics.mean(ms):.3f}ms p50={percentile(ms, 50):.3f}ms p95={percentile(ms, 95):.3f}ms max={max(ms):.3f}ms"


def print_table(rows: list[Row]) -> None:
    headers = ("figure", "measured", "target", "")
    cells = [headers] + [r.cells() for r in rows]
    widths = [max(_width(c[i]) for c in cells) for i in range(4)]
    for i, row in enumerate(cells):
        print("  ".join(_pad(cell, widths[j]) for j, cell in enumerate(row)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# A bot a benchmark starts keeps its scheduled monitoring (its cost is part of what is measured) but never reaches
# past the loopback: a resolver on a closed local port, probes only inside 127.0.0.0/8, no WHOIS or look-alike
# searches. (Targets become due in the office's working hours: without this, a run then would ask the system
# resolver and the registries about 100k public-looking names.)
LOOPBACK_MONITORING = {"MONITOR_RESOLVERS": "127.0.0.1:9", "MONITOR_PROBE_NETWORKS": "127.0.0.0/8",
                       "MONITOR_WHOIS": "off", "MONITOR_LOOKALIKES": "false", "MONITOR_TIMEOUT": "0.5",
                       "MONITOR_RETRIES": "0"}
