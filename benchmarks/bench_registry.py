"""Registry at scale: 100,000 generated domains imported from .xlsx, then exact and fuzzy lookups.

Each stage runs in its own process so that the lookup figures and memory are those of a process that,
like the running bot, only serves lookups over the filled registry."""
from __future__ import annotations

import json
import os
import random
import resource
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Row, percentile, summary, time_each


def _stage_generate(path: str, count: int) -> dict:
    from bot.registry.export import write_table
    from tests.support.registry_data import generate_rows

    rows = generate_rows(count)
    write_table(Path(path), rows)
    rng = random.Random(3)
    sample = rng.sample(rows, 300)
    return {"exact": [r[3] for r in sample], "fuzzy": [_misspell(r[0], rng) for r in sample[:150]],
            "fuzzy_expected": [r[0] for r in sample[:150]]}


def _stage_revise(path: str, count: int) -> dict:
    """The generated rows as a clerk sends them back (tests.support.registry_data.revised), for a re-import."""
    from bot.registry.export import write_table
    from tests.support.registry_data import generate_rows, revised

    write_table(Path(path), revised(generate_rows(count)))
    return {"written": path}


def _stage_import(path: str, url: str) -> dict:
    from bot.db.storage import Database
    from bot.registry.importer import import_file

    db = Database(url)
    db.upgrade()
    with PssPeak() as pss:
        start = time.perf_counter()
        report = import_file(db.call, Path(path).read_bytes(), Path(path).name, "bench")
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_SELF)
        child = resource.getrusage(resource.RUSAGE_CHILDREN)  # the reading process (the sampler is not reaped yet)
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime + child.ru_utime + child.ru_stime,
            "written": report.written, "domains": report.domains_created,
            "units": report.units_created, "errors": report.errors[:3], "rss_mb": _peak_rss_mb(),
            "child_rss_mb": child.ru_maxrss / 1024, "child_cpu_seconds": child.ru_utime + child.ru_stime,
            "pss_mb": pss.peak_mb, "pss_samples": pss.samples}


def _stage_lookup(url: str, queries: dict) -> dict:
    from bot.db.storage import Database
    from bot.registry.lookup import lookup

    db = Database(url)
    with db.session() as session:
        lookup(session, queries["exact"][0])
        lookup(session, queries["fuzzy"][0])
        exact = time_each(lambda q: lookup(session, q), queries["exact"])
        fuzzy = time_each(lambda q: lookup(session, q), queries["fuzzy"])
        found = sum(any(m.unit.name == want for m in lookup(session, q))
                    for q, want in zip(queries["fuzzy"], queries["fuzzy_expected"]))
    return {"exact": exact, "fuzzy": fuzzy, "found": found, "rss_mb": _peak_rss_mb()}


def _stage_report(url: str, path: str) -> dict:
    """The clean-up report over the filled registry, in a fresh process (its peak memory is the report's)."""
    import datetime as dt

    from bot.db.storage import Database
    from bot.reporting.report import write_report

    db = Database(url)
    start = time.perf_counter()
    with PssPeak() as pss:
        report = db.call(lambda s: write_report(s, Path(path), dt.date(2026, 11, 28)))
        seconds = time.perf_counter() - start
        usage = resource.getrusage(resource.RUSAGE_SELF)
        child = resource.getrusage(resource.RUSAGE_CHILDREN)  # the writing process (the sampler is not reaped yet)
    return {"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime + child.ru_utime + child.ru_stime,
            "child_cpu_seconds": child.ru_utime + child.ru_stime, "domains": report.registry.domains,
            "units": report.registry.units, "bytes": Path(path).stat().st_size, "rss_mb": _peak_rss_mb(),
            "child_rss_mb": child.ru_maxrss / 1024, "pss_mb": pss.peak_mb}


class PssPeak:
    """The peak PSS of this process and every process under it, summed (what the machine pays for the importing
    process and its reading child together: a page the two share counts once, half to each). Sampled from
    /proc/PID/smaps_rollup every `interval` seconds by a separate process (`python -m benchmarks.bench_registry
    pss PID`), which leaves itself out: reading smaps_rollup costs ~2 ms of CPU per 150 MB process, which a
    thread here would add to the import's CPU time."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval, self.peak_kb, self.samples = interval, 0, 0

    def __enter__(self) -> PssPeak:
        self._sampler = subprocess.Popen([sys.executable, "-m", "benchmarks.bench_registry", "pss", str(os.getpid()),
                                          str(self.interval)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._sampler.stdout.readline()  # its first sample is taken
        return self

    def __exit__(self, *exc: object) -> None:
        out, _ = self._sampler.communicate("")  # its input closed: it samples once more and answers
        self.peak_kb, self.samples = (int(n) for n in out.split())

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


def _watch_pss(pid: int, interval: float) -> None:
    """The sampler of `PssPeak`: until its input closes, the summed PSS of `pid`'s tree (itself left out)."""
    me = os.getpid()
    peak, samples = 0, 0
    while True:
        peak = max(peak, sum(_pss_kb(p) for p in _tree(pid) if p != me))
        samples += 1
        if samples == 1:
            print("ready", flush=True)
        if select.select([sys.stdin], [], [], interval)[0]:
            break
    peak = max(peak, sum(_pss_kb(p) for p in _tree(pid) if p != me))
    print(peak, samples + 1, flush=True)


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (Linux: /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo += [int(p) for p in fh.read().split()]
        except OSError:
            continue  # ended meanwhile
    return out


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass  # ended meanwhile (or not Linux: then 0)
    return 0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _misspell(name: str, rng: random.Random) -> str:
    """Drop one character near the end, as people do when typing a long name."""
    i = rng.randrange(max(1, len(name) - 6), len(name) - 1)
    return name[:i] + name[i + 1:]


def _run(stage: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_registry", stage, *args], capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def registry_rows(count: int = 100_000, verbose: bool = True) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        path, url = str(Path(tmp) / "registry.xlsx"), f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        queries = _run("generate", path, str(count))
        imported = _run("import", path, url)
        assert imported["written"], imported["errors"]
        query_file = Path(tmp) / "queries.json"
        query_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
        looked = _run("lookup", url, str(query_file))
        reported = _run("report", url, str(Path(tmp) / "report.xlsx"))
        revised_path = str(Path(tmp) / "revised.xlsx")
        _run("revise", revised_path, str(count))
        reimported = _run("import", revised_path, url)  # into the registry the first import filled
        assert reimported["written"], reimported["errors"]
    exact, fuzzy = looked["exact"], looked["fuzzy"]
    if verbose:
        print(f"registry: import of {count} rows {imported['seconds']:.1f}s, CPU {imported['cpu_seconds']:.1f}s of the "
              f"importing process and its reading child ({imported['child_cpu_seconds']:.1f}s the child's; "
              f"{imported['domains']} domains, "
              f"{imported['units']} units), peak RSS of the importing process {imported['rss_mb']:.0f} MB, of its "
              f"reading child {imported['child_rss_mb']:.0f} MB; peak PSS of both together {imported['pss_mb']:.0f} MB "
              f"({imported['pss_samples']} samples)")
        print(f"registry: re-import of the same rows revised (every 2nd note, every 5th phone) into the filled "
              f"registry {reimported['seconds']:.1f}s, CPU {reimported['cpu_seconds']:.1f}s, peak PSS of both "
              f"processes {reimported['pss_mb']:.0f} MB")
        print(f"registry: exact lookup {summary(exact)}")
        print(f"registry: fuzzy lookup {summary(fuzzy)}; misspelt names found: {looked['found']}/{len(fuzzy)}")
        print(f"registry: peak RSS of the lookup process {looked['rss_mb']:.0f} MB")
        print(f"registry: report of {reported['domains']} domains, {reported['units']} units in {reported['seconds']:.1f}s, "
              f"CPU {reported['cpu_seconds']:.1f}s of both processes (the writing child {reported['child_cpu_seconds']:.1f}s), "
              f"{reported['bytes'] / 1e6:.1f} MB file, peak RSS {reported['rss_mb']:.0f} MB, writing child "
              f"{reported['child_rss_mb']:.0f} MB, peak PSS of both together {reported['pss_mb']:.0f} MB")
    e95, f95 = percentile(exact, 95) * 1000, percentile(fuzzy, 95) * 1000
    return [
        Row(f"import {count:,}-row .xlsx", imported["seconds"], "s", "<= 8 s", imported["seconds"] <= 8),
        Row("exact domain lookup p95 (100k domains)", e95, "ms", "< 5 ms", e95 < 5),
        Row("fuzzy unit lookup p95 (100k domains)", f95, "ms", "< 50 ms", f95 < 50),
        Row("memory serving lookups over 100k domains", looked["rss_mb"], "MB", "< 300 MB", looked["rss_mb"] < 300),
        Row("memory while importing 100k rows (both processes, PSS)", imported["pss_mb"], "MB", "<= 250 MB",
            imported["pss_mb"] <= 250),
        Row("re-import of the 100k rows revised (both processes, PSS)", reimported["pss_mb"], "MB", "<= 250 MB",
            reimported["pss_mb"] <= 250),
        Row("re-import of the 100k rows revised, time", reimported["seconds"], "s", "<= 8 s", reimported["seconds"] <= 8),
        Row("clean-up report .xlsx (100k domains)", reported["seconds"], "s", "< 30 s", reported["seconds"] < 30),
        Row("memory writing the report (100k domains, both processes, PSS)", reported["pss_mb"], "MB", "< 400 MB",
            reported["pss_mb"] < 400),
    ]


if __name__ == "__main__":
    stage = sys.argv[1]
    if stage == "pss":  # PssPeak's sampler
        _watch_pss(int(sys.argv[2]), float(sys.argv[3]))
        sys.exit(0)
    if stage == "all":  # the registry rows of `python3 tasks.py bench` alone: python -m benchmarks.bench_registry all
        from benchmarks.common import print_table

        rows = registry_rows(int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
        print_table(rows)
        sys.exit(0 if all(r.ok for r in rows) else 1)
    if stage == "generate":
        result = _stage_generate(sys.argv[2], int(sys.argv[3]))
    elif stage == "revise":
        result = _stage_revise(sys.argv[2], int(sys.argv[3]))
    elif stage == "import":
        result = _stage_import(sys.argv[2], sys.argv[3])
    elif stage == "report":
        result = _stage_report(sys.argv[2], sys.argv[3])
    else:
        result = _stage_lookup(sys.argv[2], json.loads(Path(sys.argv[3]).read_text(encoding="utf-8")))
    print(json.dumps(result, ensure_ascii=False))
