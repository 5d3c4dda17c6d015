"""Speed where users feel it: reply latency of ordinary messages at a steady 20 updates/s, first with the bot
otherwise idle, then while one admin imports a 100,000-row sheet and another asks for /report over the 100k
registry, in the same bot process (the real `domainbot run` against the fake Bot API on loopback).

python -m benchmarks.bench_load [seconds] (default 20 s idle; the busy phase lasts as long as the work)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_e2e import MIXED, TOKEN, rss_mb
from benchmarks.common import LOOPBACK_MONITORING, Row, percentile

RATE = 20  # updates per second
ADMIN_IMPORT, ADMIN_REPORT = 1, 2
FIRST_CHAT = 300_000
BUSY_LIMIT = 420.0  # seconds: the busy phase ends here even if the work does not
AFTER = 3.0  # seconds of load measured apart once the work is done


def _generate(base: Path, upload: Path, count: int) -> None:
    """The registry as it stands, and the sheet an admin uploads: the same rows revised (registry_data.revised)."""
    from bot.registry.export import write_table
    from tests.support.registry_data import generate_rows, revised

    rows = generate_rows(count)
    write_table(base, rows)
    write_table(upload, revised(rows))


def _prefill(path: Path, url: str, monitored: bool = False) -> None:
    """The registry holds 100k rows before the bot starts (the report covers them); not measured here.
    `monitored`: as a registry that has stood for a while, its domains are already monitoring targets (else the
    bot's first minutes go into taking in 100k new targets, whatever the benchmark measures then)."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.bench_registry", "import", str(path), url],
                         capture_output=True, text=True, check=True).stdout
    assert '"written": true' in out, out[-500:]
    if monitored:
        import datetime as dt

        from bot.config.settings import load_settings
        from bot.db.storage import Database
        from bot.monitoring.service import sync_targets

        db = Database(url)
        try:
            db.call(lambda s: sync_targets(s, load_settings(database_url=url), dt.datetime.now(dt.UTC)))
        finally:
            db.dispose()


class _Load:
    """Pushes one ordinary message every 1/RATE s, each from a new private chat, and matches each to the first
    message the bot sends to that chat."""

    def __init__(self, api) -> None:
        self.api = api
        self.pushed: dict[int, float] = {}
        self.answered: dict[int, float] = {}
        self.next_chat = FIRST_CHAT
        self._seen = 0

    def run(self, until) -> tuple[int, int]:
        """Push at RATE until `until()` says stop; return the first and last chat id pushed."""
        first = self.next_chat
        start = time.monotonic()
        i = 0
        while not until():
            wait = start + i / RATE - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            chat = self.next_chat
            self.next_chat += 1
            self.api.push_text(MIXED[chat % len(MIXED)], chat_id=chat, user_id=chat)
            self.pushed[chat] = time.monotonic()
            i += 1
            self.collect()
        return first, self.next_chat

    def collect(self) -> None:
        calls = self.api.calls[self._seen:]
        self._seen += len(calls)
        for call in calls:
            if call.method == "sendMessage":
                chat = int(call.params.get("chat_id", 0))
                if chat in self.pushed and chat not in self.answered:
                    self.answered[chat] = call.at

    def latencies(self, chats: range, timeout: float = 30.0) -> list[float]:
        """Seconds from push to answer for `chats`; waits for the stragglers, and fails if any stays unanswered."""
        deadline = time.monotonic() + timeout
        while any(c not in self.answered for c in chats):
            if time.monotonic() > deadline:
                missing = sum(c not in self.answered for c in chats)
                raise AssertionError(f"{missing} of {len(chats)} messages unanswered after {timeout} s")
            time.sleep(0.05)
            self.collect()
        return [self.answered[c] - self.pushed[c] for c in chats]


def _done(api, method: str, chat: int, texts: tuple[str, ...] = ()) -> float | None:
    for call in api.calls_to(method):
        if int(call.params.get("chat_id", 0)) == chat and (not texts or str(call.params.get("text", "")).startswith(texts)):
            return call.at
    return None


def measure(seconds: float = 20.0, count: int = 100_000) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        base, upload = Path(tmp) / "registry.xlsx", Path(tmp) / "登记表.xlsx"
        url = f"sqlite:///{Path(tmp) / 'load.sqlite3'}"
        _generate(base, upload, count)
        _prefill(base, url, monitored=True)
        data = upload.read_bytes()
        from tests.support.fake_bot_api import FakeBotAPI

        api = FakeBotAPI().start()
        api.max_poll_wait = 0.2
        env = dict(os.environ, **LOOPBACK_MONITORING, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_BASE_URL=api.base_url, DATABASE_URL=url,
                   BOT_ADMIN_IDS=f"{ADMIN_IMPORT},{ADMIN_REPORT}", LOG_LEVEL="INFO")
        log_path = Path(tmp) / "bot.log"  # INFO: a line per start, poll mode, unit-name index read
        log_file = log_path.open("w", encoding="utf-8")
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp,
                                stdout=subprocess.DEVNULL, stderr=log_file)
        try:
            api.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls), timeout=60)
            time.sleep(3)  # start-up work (command menu, warm-up) is not what is measured
            load = _Load(api)
            warm_end = time.monotonic() + 2  # first lookups build the 100k-name cache: not the idle figure
            load.latencies(range(*load.run(lambda: time.monotonic() >= warm_end)))
            idle_end = time.monotonic() + seconds
            idle = range(*load.run(lambda: time.monotonic() >= idle_end))
            idle_latency = load.latencies(idle)
            rss_idle = rss_mb(proc.pid)

            busy_start = time.monotonic()
            api.push_document(upload.name, data, chat_id=ADMIN_IMPORT, user_id=ADMIN_IMPORT)
            api.push_text("/report", chat_id=ADMIN_REPORT, user_id=ADMIN_REPORT)
            stop = busy_start + BUSY_LIMIT

            def work_done() -> bool:
                return time.monotonic() >= stop or (
                    _done(api, "editMessageText", ADMIN_IMPORT, ("导入完成", "导入未完成", "导入失败")) is not None
                    and _done(api, "sendDocument", ADMIN_REPORT) is not None)

            busy = range(*load.run(work_done))
            after_end = time.monotonic() + AFTER
            after = range(*load.run(lambda: time.monotonic() >= after_end))  # the bot takes in what the work changed
            busy_latency = load.latencies(busy)
            after_latency = load.latencies(after)
            imported = _done(api, "editMessageText", ADMIN_IMPORT, ("导入完成", "导入未完成", "导入失败"))
            reported = _done(api, "sendDocument", ADMIN_REPORT)
            assert imported and reported, f"work not finished within {BUSY_LIMIT} s"
            slowest = sorted(busy, key=lambda c: load.pushed[c] - load.answered[c])[:5]
            slow = [(round(load.pushed[c] - busy_start, 1), round((load.answered[c] - load.pushed[c]) * 1000),
                     MIXED[c % len(MIXED)]) for c in slowest]
            # Right after the work the bot drops its read caches and refreshes the unit-name index: the replies
            # pushed in the AFTER seconds once both are done show whatever that costs (not in the busy figures).
            return {"idle": idle_latency, "busy": busy_latency, "import_s": imported - busy_start,
                    "report_s": reported - busy_start, "rss_idle": rss_idle, "slowest": slow,
                    "after_max": max(after_latency, default=0.0), "after_n": len(after_latency),
                    "log": [line for line in log_path.read_text(encoding="utf-8").splitlines()
                            if "unit name index" in line or "WARNING" in line or "ERROR" in line]}
        finally:
            proc.terminate()  # the bot finishes the update it is on (an import) before it stops
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            log_file.close()
            api.stop()


def load_rows(seconds: float = 20.0, verbose: bool = True) -> list[Row]:
    got = measure(seconds)
    idle, busy = got["idle"], got["busy"]
    i50, i99, b50, b99 = (percentile(s, p) * 1000 for s, p in ((idle, 50), (idle, 99), (busy, 50), (busy, 99)))
    ratio = b99 / i99
    if verbose:
        print(f"load: {RATE} updates/s; idle {len(idle)} replies p50 {i50:.1f} ms p99 {i99:.1f} ms; during import+report "
              f"{len(busy)} replies p50 {b50:.1f} ms p99 {b99:.1f} ms max {max(busy) * 1000:.0f} ms; p99 ratio {ratio:.2f}")
        print(f"load: in the bot, import of 100k rows done after {got['import_s']:.1f} s, report sent after "
              f"{got['report_s']:.1f} s (one worker process: one waits for the other); bot RSS {got['rss_idle']:.0f} MB")
        print(f"load: slowest replies during the work (s after the upload, ms, message): {got['slowest']}")
        print(f"load: in the {AFTER:.0f} s after the work was done, {got['after_n']} replies, the slowest "
              f"{got['after_max'] * 1000:.0f} ms")
        for line in got["log"]:
            print(f"load: bot log: {line}")
    return [
        Row("reply p50 at 20 updates/s, idle", i50, "ms", "(info)", True),
        Row("reply p99 at 20 updates/s, idle", i99, "ms", "(info)", True),
        Row("reply p50 during 100k import + /report", b50, "ms", "(info)", True),
        Row("reply p99 during 100k import + /report", b99, "ms", "(info)", True),
        Row("p99 during the work / p99 idle", ratio, "x", "<= 2", ratio <= 2),
        Row("100k import in the bot, upload to done", got["import_s"], "s", "(info)", True),
    ]


def _timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms of this thread: the time it held the GIL, at most) of fn()."""
    wall, cpu = time.perf_counter(), time.thread_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000


def index_figures(count: int = 100_000, added: int = 1000) -> dict:
    """What the fuzzy unit-name index costs over a `count`-unit registry: read in full (the first use; before
    this change, also the first lookup after every import that touched units, inside somebody's reply), kept
    current after `added` new units (now: the units changed since, read after the import), and unchanged (the
    one query every fuzzy lookup makes). Both indexes must give the same answers."""
    from bot.db.models import Unit
    from bot.db.storage import Database
    from bot.registry.export import write_table
    from bot.registry.lookup import UnitNameIndex
    from tests.support.registry_data import generate_rows

    with tempfile.TemporaryDirectory() as tmp:
        base, url = Path(tmp) / "registry.xlsx", f"sqlite:///{Path(tmp) / 'index.sqlite3'}"
        write_table(base, generate_rows(count))
        _prefill(base, url)
        db = Database(url)
        try:
            index = UnitNameIndex()
            full = _timed(lambda: db.call(index.refresh))
            same = _timed(lambda: db.call(index.refresh))
            db.call(lambda s: s.add_all([Unit(name=f"武定县第{i}测试中心") for i in range(added)]))
            changed = _timed(lambda: db.call(index.refresh))
            fresh = UnitNameIndex()
            full_again = _timed(lambda: db.call(fresh.refresh))
            queries = ["武定县第17测试中", "武定县人力资源社会保障局", "禄丰县财正局", "教育局"]
            assert all(db.call(lambda s, q=q: index.search(s, q, 5)) == db.call(lambda s, q=q: fresh.search(s, q, 5))
                       for q in queries)
        finally:
            db.dispose()
    return {"full": full, "unchanged": same, "changed": changed, "full_after_change": full_again, "added": added}


if __name__ == "__main__":
    from benchmarks.common import print_table

    if len(sys.argv) > 1 and sys.argv[1] == "index":
        got = index_figures()
        for key in ("full", "unchanged", "changed", "full_after_change"):
            print(f"index {key}: {got[key][0]:.1f} ms wall, {got[key][1]:.1f} ms CPU")
    else:
        print_table(load_rows(float(sys.argv[1]) if len(sys.argv) > 1 else 20.0))
