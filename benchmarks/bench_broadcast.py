"""A broadcast to 1,000 groups against the fake Bot API with Telegram's flood limits emulated
(30 messages/s overall, 20/min per group): time against the 33.3 s the limits allow, lost, doubled, 429s."""
from __future__ import annotations

import asyncio
import datetime as dt
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.common import Row


async def _run(groups: int) -> dict:
    import logging

    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    from bot.config.settings import load_settings
    from bot.db.models import Chat
    from bot.delivery import queue
    from bot.runtime.app import build_application
    from tests.support.fake_bot_api import FakeBotAPI

    api = FakeBotAPI().start()
    api.flood_limit = True
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(telegram_bot_token="123456789:AAHbenchmarkTokenXXXXXXXXXXXXXXXXXXXX",
                                 telegram_api_base_url=api.base_url, database_url=f"sqlite:///{Path(tmp) / 'b.sqlite3'}")
        app = build_application(settings)
        await app.initialize()
        await app.post_init(app)
        db = app.bot_data.db
        await app.bot_data.warm_up
        ids = [-(10_000 + i) for i in range(groups)]
        await db.run(lambda s: (s.add_all([Chat(id=g, title=f"g{g}", subscribed=True) for g in ids]), s.flush()))
        now = dt.datetime.now(dt.UTC)
        queued = await db.run(lambda s: queue.broadcast(s, "基准测试广播", now, "bench"))
        start = time.monotonic()  # the fake API stamps its calls with the same clock
        await app.start()  # the JobQueue's outbox tick does the sending
        while sum(c.method == "sendMessage" for c in api.calls) < groups and time.monotonic() - start < 120:
            await asyncio.sleep(0.05)
        elapsed = time.monotonic() - start
        sends = [c.at for c in api.calls_to("sendMessage")]
        await asyncio.sleep(1)
        await app.stop()
        await app.shutdown()
    api.stop()
    accepted = Counter(int(c.params["chat_id"]) for c in api.calls_to("sendMessage"))
    return {"queued": queued, "elapsed": elapsed, "first": min(sends) - start, "span": max(sends) - min(sends),
            "lost": len(set(ids) - set(accepted)),
            "twice": sum(1 for v in accepted.values() if v > 1), "flood": api.flood_hits}


def broadcast_rows(groups: int = 1000, verbose: bool = True) -> list[Row]:
    result = asyncio.run(_run(groups))
    allowed = groups / 30
    ratio = result["elapsed"] / allowed
    if verbose:
        print(f"broadcast: {groups} groups in {result['elapsed']:.1f}s (limits allow {allowed:.1f}s), "
              f"lost {result['lost']}, sent twice {result['twice']}, 429 answers {result['flood']}")
        print(f"broadcast: first message {result['first']:.2f}s after the start (the outbox's first tick), first to "
              f"last {result['span']:.1f}s ({groups - 1} intervals: {(groups - 1) / 30:.1f}s at 30/s)")
    clean = result["lost"] == 0 and result["twice"] == 0 and result["flood"] == 0
    return [
        Row(f"broadcast to {groups:,} groups / time the limits allow", ratio, "x", "<= 1.10", ratio <= 1.10),
        Row("broadcast: lost + sent twice + 429 received", result["lost"] + result["twice"] + result["flood"], "",
            "0", clean),
    ]
