"""Registry reads the handlers keep (bot.registry.reads.RegistryReads): one database trip for repeated questions,
dropped when this process writes to the registry, when their time is up (another process's writes), and never
shared between databases."""
from __future__ import annotations

from bot.registry.audit import Generation
from bot.registry.reads import RegistryReads
from tests.support.samples import ADMIN, ROWS, import_as_admin


class CountingDb:
    def __init__(self) -> None:
        self.memo: dict = {}
        self.trips = 0

    async def run(self, fn):
        self.trips += 1
        return fn(None)


async def test_reads_are_kept_until_a_write_or_their_time_is_up():
    db, other = CountingDb(), CountingDb()
    reads = RegistryReads.of(db, "check")
    assert RegistryReads.of(db, "check") is reads and RegistryReads.of(other, "check") is not reads
    assert await reads.read(db, "u", lambda s: ("department", None)) == ("department", None)
    assert await reads.read(db, "u", lambda s: ("portal", None)) == ("department", None)
    assert db.trips == 1
    Generation.bump()  # this process wrote to the registry
    assert await reads.read(db, "u", lambda s: ("portal", None)) == ("portal", None)
    assert db.trips == 2
    expired = RegistryReads(ttl=0.0)
    await expired.read(db, "u", lambda s: 1)
    await expired.read(db, "u", lambda s: 2)
    assert db.trips == 4


async def test_check_reads_the_registry_once_and_again_after_an_import(running_bot, fake_api, tmp_path, monkeypatch):
    import bot.registry.lookup as lookup

    trips = []
    real = lookup.registry_check_context
    monkeypatch.setattr(lookup, "registry_check_context", lambda s, unit: trips.append(unit) or real(s, unit))
    for _ in range(2):
        fake_api.push_text("/check rmyy.wuding.gov.cn 武定县人民医院", chat_id=ADMIN, user_id=ADMIN)
    texts = await fake_api.messages(2)
    assert all("不符合规范" in t for t in texts)  # a hospital is not an administrative unit by its name
    assert trips == ["武定县人民医院"]
    rows = [r[:] for r in ROWS]
    rows[4][1] = "部门"  # the registry says the hospital is a department
    await import_as_admin(fake_api, tmp_path, rows)
    fake_api.push_text("/check rmyy.wuding.gov.cn 武定县人民医院", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("rmyy.wuding.gov.cn</code> 符合规范" in c.params.get("text", "")
                                                  for c in calls))
    assert len(trips) == 2


async def test_a_name_without_a_place_takes_no_database_trip_while_the_region_is_known(monkeypatch):
    import time
    from types import SimpleNamespace

    from bot.registry import region
    from handlers.naming import in_region
    from knowledge.units import qualify

    place = "云南省楚雄彝族自治州武定县"
    monkeypatch.setattr(region, "_configured", [""])
    monkeypatch.setattr(region, "_cache", {"": (Generation.value, time.monotonic(), place)})
    db = CountingDb()
    context = SimpleNamespace(bot_data=SimpleNamespace(db=db, settings=SimpleNamespace(bot_region="")))
    assert await in_region(context, "教育局") == qualify("教育局", place) and db.trips == 0
    Generation.bump()  # a write here: the region is read again (this stub has no session: the name stays as is)
    assert await in_region(context, "教育局") == "教育局" and db.trips == 1
