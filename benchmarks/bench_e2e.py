"""The bot as users meet it: a real bot process polling the fake Bot API, given a mixed load of private
messages as fast as it takes them, against a bare python-telegram-bot echo bot in the same run; also the
time from process start to the first getUpdates and the resident memory after start."""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import LOOPBACK_MONITORING, Row

TOKEN = "123456789:AAHbenchmarkTokenXXXXXXXXXXXXXXXXXXXX"
MIXED = ["联系人换了多久内报备", "部门网站能自己注册gov.cn吗", "wuding.gov.cn", "https://www.luan.gov.cn/zwgk/",
         "武定县人力资源和社会保障局", "歙县人民政府", "/status www.wuding.gov.cn", "/help", "服务器可以放境外吗",
         "清理情况什么时候报", "禄丰县财政局.政务", "/check www.liuan.gov.cn 六安市人民政府"]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _measure(command: list[str], updates: int, env: dict, cwd: str, one_chat: bool = False) -> dict:
    from tests.support.fake_bot_api import FakeBotAPI

    api = FakeBotAPI().start()
    api.max_poll_wait = 0.2
    started = time.perf_counter()
    proc = subprocess.Popen(command, env={**env, "TELEGRAM_API_BASE_URL": api.base_url}, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        api.wait_for(lambda calls: any(c.method == "getUpdates" for c in calls), timeout=60)
        cpu_first_poll = _cpu_seconds(proc.pid)  # less noisy than the wall time on a shared machine
        first_poll = next(c.at for c in api.calls if c.method == "getUpdates")
        startup = first_poll - (started - time.perf_counter() + time.monotonic())
        rss_first_poll = rss_mb(proc.pid)
        time.sleep(1.5)  # let start-up work (command menu, warm-up) finish before the load
        rss = rss_mb(proc.pid)
        for i in range(updates):
            sender = 100_000 if one_chat else 100_000 + i
            api.push_text(MIXED[i % len(MIXED)], chat_id=sender, user_id=sender)
        load_start = time.monotonic()
        cpu_start = _cpu_seconds(proc.pid)
        answered = seen = 0  # every answer is one message
        while answered < updates and time.monotonic() - load_start < 300:
            time.sleep(0.05)  # poll: a predicate run on every request would slow the server it measures
            calls = api.calls[seen:]
            seen += len(calls)
            answered += sum(c.method == "sendMessage" and int(c.params.get("chat_id", 0)) >= 100_000 for c in calls)
        last = max(c.at for c in api.calls_to("sendMessage"))
        cpu = _cpu_seconds(proc.pid) - cpu_start
        busy = cpu / max(time.monotonic() - load_start, 1e-9)
        return {"startup": startup, "cpu_first_poll": cpu_first_poll, "rss": rss, "rss_first_poll": rss_first_poll, "rate": answered / (last - load_start), "answered": answered,
                "busy": busy, "cpu_ms": cpu * 1000 / max(answered, 1)}
    finally:
        proc.terminate()
        proc.wait(20)
        api.stop()


_GC_PAUSE = """
import gc, sys, time
from knowledge.naming import suggest
from knowledge.qa import get_index
import bot.runtime.app, bot.cli  # everything the running bot has loaded
get_index(); suggest("武定县人民政府")
def pause():
    start = time.perf_counter(); gc.collect(); return (time.perf_counter() - start) * 1000
before = min(pause() for _ in range(3))
bot.runtime.app._warm_up()  # as at start-up: ends with gc.freeze()
print(before, min(pause() for _ in range(3)))
"""


def gc_pause_rows(verbose: bool = True) -> list[Row]:
    """A full garbage collection stops every chat; after start-up the bot freezes what it has loaded."""
    out = subprocess.run([sys.executable, "-c", _GC_PAUSE], capture_output=True, text=True, check=True).stdout
    before, after = (float(x) for x in out.split())
    if verbose:
        print(f"gc: full collection {before:.1f} ms before the start-up freeze, {after:.2f} ms after")
    return [Row(f"full GC pause after start (before the freeze {before:.0f} ms)", after, "ms", "(info)", True)]


def _median(runs: list[dict], key: str) -> float:
    return sorted(r[key] for r in runs)[len(runs) // 2]


def _paired_rounds(updates: int, rounds: int, one_chat: bool) -> tuple[list[dict], list[dict]]:
    """Echo and domainbot back to back, `rounds` times, the order swapped every round."""
    echo_runs, bot_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, **LOOPBACK_MONITORING, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{Path(tmp) / 'e2e.sqlite3'}",
                   BOT_ADMIN_IDS="", LOG_LEVEL="WARNING",
                   REPLY_PACING="false")  # the fake has no send limits: what is measured is the work per update
        echo = ([sys.executable, "-m", "benchmarks.echo_bot"], os.getcwd(), echo_runs)
        bot = ([sys.executable, "-m", "bot.cli", "run"], tmp, bot_runs)
        for i in range(rounds):
            for command, cwd, runs in (echo, bot) if i % 2 == 0 else (bot, echo):
                runs.append(_measure(command, updates, env, cwd, one_chat))
    return echo_runs, bot_runs


def _median_ratio(echo_runs: list[dict], bot_runs: list[dict]) -> tuple[float, list[float]]:
    ratios = [b["rate"] / e["rate"] for b, e in zip(bot_runs, echo_runs)]
    return statistics.median(ratios), ratios


def e2e_rows(updates: int = 1200, rounds: int = 5, verbose: bool = True) -> list[Row]:
    """The figure is the median of per-round ratios: on a shared 2-core machine single rounds vary by a
    quarter, and a pair run seconds apart sees the same machine. The load comes from `updates` different
    people; a second, smaller series sends everything from one chat, whose messages are answered in order."""
    echo_runs, bot_runs = _paired_rounds(updates, rounds, one_chat=False)
    ratio, ratios = _median_ratio(echo_runs, bot_runs)
    one_echo, one_bot = _paired_rounds(updates, 3, one_chat=True)
    one_ratio, one_ratios = _median_ratio(one_echo, one_bot)
    bot_rate, startup, rss, rss_first, cpu_first = (_median(bot_runs, k) for k in ("rate", "startup", "rss", "rss_first_poll",
                                                                                "cpu_first_poll"))
    answered = min(r["answered"] for r in bot_runs + one_bot)
    if verbose:
        print(f"e2e: rates per round, echo {[round(r['rate']) for r in echo_runs]}, domainbot {[round(r['rate']) for r in bot_runs]}")
        print(f"e2e: ratio per round {[round(r, 2) for r in ratios]}, median {ratio:.2f}")
        print(f"e2e: CPU busy during the load, echo {[round(r['busy'], 2) for r in echo_runs]}, "
              f"domainbot {[round(r['busy'], 2) for r in bot_runs]} (1.0 = one core)")
        # CPU per answered update moves far less with the machine's load than the rates do (notes/perf-throughput-vs-echo.md)
        print(f"e2e: CPU per answered update, median echo {_median(echo_runs, 'cpu_ms'):.3f} ms, domainbot "
              f"{_median(bot_runs, 'cpu_ms'):.3f} ms (x{_median(bot_runs, 'cpu_ms') / _median(echo_runs, 'cpu_ms'):.2f})")
        print(f"e2e: median echo bot {_median(echo_runs, 'rate'):.0f} updates/s, domainbot {bot_rate:.0f} updates/s "
              f"({answered}/{updates} answered in every round)")
        print(f"e2e: one chat, rates per round, echo {[round(r['rate']) for r in one_echo]}, domainbot "
              f"{[round(r['rate']) for r in one_bot]}, ratios {[round(r, 2) for r in one_ratios]}, median {one_ratio:.2f}")
        print(f"e2e: start to first getUpdates {startup:.2f}s (echo {_median(echo_runs, 'startup'):.2f}s), CPU time by "
              f"then {cpu_first:.2f}s (echo {_median(echo_runs, 'cpu_first_poll'):.2f}s); RSS at the "
              f"first getUpdates {rss_first:.0f} MB, 1.5 s later (warm-up done) {rss:.0f} MB (echo {_median(echo_runs, 'rss'):.0f} MB)")
    return [
        Row("updates/s, domainbot vs bare echo bot", ratio, "x", ">= 0.8", ratio >= 0.8),
        Row("same, every update from one chat", one_ratio, "x", "(info)", True),
        Row("domainbot updates/s (mixed private messages)", bot_rate, "/s", "(info)", True),
        Row("process start to first getUpdates", startup, "s", "<= 1.0 s", startup <= 1.0),
        Row("CPU time of the bot process to its first getUpdates", cpu_first, "s", "(info)", True),
        Row("resident memory at the first getUpdates", rss_first, "MB", "<= 90 MB", rss_first <= 90),
        Row("resident memory after the warm-up (empty registry)", rss, "MB", "(info)", True),
    ]


if __name__ == "__main__":  # python -m benchmarks.bench_e2e [updates] [rounds]: this benchmark alone
    from benchmarks.common import print_table

    args = [int(a) for a in sys.argv[1:3]]
    print_table(gc_pause_rows() + e2e_rows(*args))
