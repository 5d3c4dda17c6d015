"""An edit without a date is dated by the office's day (BOT_TIMEZONE), not by the server's clock: at 07:00 in
武定 a server running UTC is still on the day before, and a 公告中 set then would count its 3 months from it."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from bot.config import settings as config


def test_edits_are_dated_by_the_office_day(db, monkeypatch):
    from bot.db.models import Domain, Unit
    from bot.registry.edits import set_status

    # UTC+14 or UTC-11: at any moment one of them is on another day than the server's clock
    ahead = next(zone for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
                 if dt.datetime.now(ZoneInfo(zone)).date() != dt.date.today())
    config.load_settings(bot_timezone=ahead)
    try:
        assert config.office_today() == dt.datetime.now(ZoneInfo(ahead)).date()
        db.call(lambda s: (s.add(Unit(id=1, name="武定县财政局")), s.flush(),
                           s.add(Domain(unit_id=1, name="czj.wuding.gov.cn", unicode="czj.wuding.gov.cn"))))
        db.call(lambda s: set_status(s, "czj.wuding.gov.cn", "test", "公告中"))
        changed = db.call(lambda s: s.get(Domain, 1).changed_on)
        assert changed == dt.datetime.now(ZoneInfo(ahead)).date()
    finally:
        config.load_settings()  # back to BOT_TIMEZONE's default
