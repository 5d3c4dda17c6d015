"""Reminder planning over offices: `python -m benchmarks.bench_planning /tmp/p.sqlite3 2000` builds N unit
deadlines (no linked contact, so each reminds its office's group and admin) in two county offices, cascades the
shipped campaign, and times one planning run (bot.deadlines.planning.plan)."""
from __future__ import annotations

import datetime as dt
import sys
import time
from zoneinfo import ZoneInfo


def main(path: str, count: int) -> None:
    from bot.db.models import Chat, Unit
    from bot.db.storage import Database
    from bot.deadlines import events, planning
    from bot.offices.service import add_office

    db = Database(f"sqlite:///{path}")
    db.upgrade()
    home = "楚雄彝族自治州"
    offices = [db.call(lambda s, r=r, a=a: add_office(s, r, home, "bench", (a,)).id) for r, a in (("武定县", 111), ("禄丰市", 222))]

    def setup(session):
        for i in range(count):
            unit = Unit(name=f"武定县单位{i}", office_id=offices[i % 2])
            session.add(unit)
            session.flush()
            events.ensure_deadline(session, f"bench:{i}", f"事项{i}", dt.date(2027, 3, 15), unit_id=unit.id)
        for chat, office in zip((-1, -2), offices):
            session.add(Chat(id=chat, subscribed=True, office_id=office))

    db.call(setup)
    db.call(events.sync_campaigns)
    settings = planning.ReminderSettings(timezone=ZoneInfo("Asia/Shanghai"), admins=frozenset({42}))
    start = time.perf_counter()
    queued = db.call(lambda s: planning.plan(s, settings, dt.datetime(2027, 3, 1, tzinfo=dt.UTC)))
    print(f"{count} deadlines: plan() {time.perf_counter() - start:.2f} s, {queued} deliveries")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
