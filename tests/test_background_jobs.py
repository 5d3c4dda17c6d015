"""The bot's periodic jobs over a large registry: monitoring targets are added in short batches, an idle minute
writes nothing (so on SQLite it never waits behind an import's write transaction), the outbox's empty tick
likewise, a busy database is one warning line, and the office's region is not worked out again every minute."""
from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import pytest
from sqlalchemy import text

from bot.config.settings import load_settings

NOW = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)


def _domains(db, count: int, unit_name: str = "武定县人民政府", **status) -> None:
    from bot.db.models import Domain, Unit

    def seed(session):
        unit = Unit(name=unit_name, kind="portal")
        session.add(unit)
        session.flush()
        session.add_all([Domain(unit_id=unit.id, name=f"www.d{i}.gov.cn", unicode=f"www.d{i}.gov.cn") for i in range(count)])
        session.add_all([Domain(unit_id=unit.id, name=f"www.{label}.gov.cn", unicode=f"www.{label}.gov.cn", status=value)
                         for label, value in status.items()])

    db.call(seed)


def test_targets_are_added_in_batches_and_scheduled(db):
    from sqlmodel import func, select

    from bot.db.models import MonitorTarget
    from bot.monitoring import service

    settings = load_settings(database_url=db.url)
    _domains(db, 1200, gone="已注销")
    steps, after = [], 0
    for _ in range(4):
        step = db.call(lambda s, after=after: service.sync_step(s, settings, NOW, limit=500, after=after))
        steps.append(step.changed)
        after = step.last_domain
    assert steps == [500, 500, 200, 0]
    due = db.call(lambda s: s.exec(select(func.count()).where(MonitorTarget.next_due_at.is_not(None))).one())
    assert due == 1200 and db.call(lambda s: s.exec(select(func.count(MonitorTarget.id))).one()) == 1200

    # Cancelled: no longer checked; back in use: scheduled again (both in batches too).
    db.call(lambda s: s.execute(text("UPDATE domain SET status='已注销' WHERE name LIKE 'www.d1%'")))
    stopped = db.call(lambda s: s.exec(select(func.count()).select_from(MonitorTarget)
                                        .where(MonitorTarget.name.like("www.d1%"))).one())
    assert db.call(lambda s: service.sync_targets(s, settings, NOW)) == stopped
    db.call(lambda s: s.execute(text("UPDATE domain SET status='在用'")))
    assert db.call(lambda s: service.sync_targets(s, settings, NOW)) == stopped + 1  # www.gone too
    assert db.call(lambda s: service.sync_targets(s, settings, NOW)) == 0


async def test_the_bot_syncs_in_short_steps_and_only_after_a_change(db, monkeypatch):
    from types import SimpleNamespace

    from bot.monitoring import service
    from bot.registry.audit import audit
    from bot.runtime import monitor_jobs

    settings = load_settings(database_url=db.url)
    _domains(db, 1100)
    steps = []
    real_step = service.sync_step
    monkeypatch.setattr(service, "sync_step", lambda *a: steps.append(a[4]) or real_step(*a))  # a[4]: after
    monkeypatch.setattr(service, "SYNC_BATCH", 200)
    monkeypatch.setattr(monitor_jobs, "SYNC_STEPS", 3)

    async def nothing_due(*_args) -> int:
        return 0

    monkeypatch.setattr(service, "run_due", nothing_due)
    app = SimpleNamespace(bot_data=SimpleNamespace(db=db, settings=settings, clock=lambda: NOW))
    context = SimpleNamespace(application=app, job=SimpleNamespace(data=monitor_jobs._Synced()))

    await monitor_jobs._monitor_tick(context)  # 3 steps of 200: more is left
    assert steps == [0, 200, 400]  # each step looks after the last domain id of the one before
    await monitor_jobs._monitor_tick(context)  # the rest (500), then nothing
    assert len(steps) == 6 and db.call(lambda s: real_step(s, settings, NOW, limit=None).changed) == 0
    await monitor_jobs._monitor_tick(context)  # the registry did not change: no comparison at all
    assert len(steps) == 6
    db.call(lambda s: audit(s, "test", "update", "domain", 1, "www.d1.gov.cn", None, None))
    await monitor_jobs._monitor_tick(context)
    assert len(steps) == 7


def test_a_name_checked_by_hand_and_registered_later_is_scheduled(db):
    from sqlmodel import select

    from bot.db.models import MonitorTarget
    from bot.monitoring import service

    settings = load_settings(database_url=db.url)
    db.call(lambda s: service.target_for(s, "www.d0.gov.cn"))  # /monitor before the domain was registered
    _domains(db, 1)
    assert db.call(lambda s: service.sync_targets(s, settings, NOW)) == 2  # adopted, then scheduled
    target = db.call(lambda s: s.exec(select(MonitorTarget)).one())
    assert target.domain_id is not None and target.next_due_at is not None


@pytest.fixture
def sqlite_db(tmp_path, monkeypatch):
    """A SQLite database whose lock wait is short, and a second connection that can hold its write lock."""
    from bot.db import storage

    monkeypatch.setattr(storage, "LOCK_WAIT", 0.3)
    database = storage.Database(f"sqlite:///{tmp_path / 'jobs.sqlite3'}")
    database.upgrade()
    holder = sqlite3.connect(tmp_path / "jobs.sqlite3", isolation_level=None)
    yield database, holder
    holder.close()
    database.dispose()


def test_idle_ticks_take_no_write_lock(sqlite_db):
    """An import holds SQLite's write lock for seconds: the minute's monitoring sync and the outbox's second
    tick, with nothing to do, must answer at once instead of queueing for it (and failing after the wait)."""
    from bot.delivery import queue
    from bot.monitoring import service

    db, holder = sqlite_db
    settings = load_settings(database_url=db.url)
    _domains(db, 30)
    assert db.call(lambda s: service.sync_targets(s, settings, NOW)) == 30
    holder.execute("BEGIN IMMEDIATE")  # the import's transaction
    try:
        assert db.call(lambda s: service.sync_targets(s, settings, NOW)) == 0
        assert db.call(lambda s: queue.claim(s, "w", NOW)) == []
    finally:
        holder.execute("ROLLBACK")
    db.call(lambda s: queue.enqueue(s, "k1", 42, "提醒", NOW, "notice"))
    assert [c.chat_id for c in db.call(lambda s: queue.claim(s, "w", NOW))] == [42]


async def test_a_busy_database_is_one_warning_line(caplog):
    from bot.db.storage import DatabaseUnavailable
    from bot.runtime.jobs import background_job

    caplog.set_level(logging.INFO, logger="bot.runtime.jobs")
    with background_job("outbox"):
        raise DatabaseUnavailable("no answer within 4.0 s")
    with background_job("planning"):
        raise ValueError("a bug")
    busy, bug = caplog.records
    assert busy.levelno == logging.WARNING and busy.exc_info is None and "outbox" in busy.getMessage()
    assert bug.levelno == logging.ERROR and bug.exc_info is not None


def test_region_is_inferred_again_only_when_units_change(db, monkeypatch):
    from bot.registry import region

    calls = []
    real = region.parse_unit
    monkeypatch.setattr(region, "parse_unit", lambda name: calls.append(name) or real(name))
    monkeypatch.setattr(region, "_configured", [""])
    monkeypatch.setattr(region, "_cache", {})
    for name in ("武定县教育局", "武定县财政局", "禄丰市财政局"):
        db.call(lambda s, name=name: s.execute(text("INSERT INTO unit (name, short_name, kind, region, updated_at) VALUES (:n, '', 'department', '', CURRENT_TIMESTAMP)"),
                                               {"n": name}))
    assert db.call(region.home_region) == "云南省楚雄彝族自治州武定县"
    read = len(calls)
    region._cache.clear()  # the minute's cache expired
    assert db.call(region.home_region) == "云南省楚雄彝族自治州武定县" and len(calls) == read
    for name in ("禄丰市教育局", "禄丰市民政局"):  # another process adds units (no write counted here)
        db.call(lambda s, name=name: s.execute(text("INSERT INTO unit (name, short_name, kind, region, updated_at) VALUES (:n, '', 'department', '', CURRENT_TIMESTAMP)"),
                                               {"n": name}))
    region._cache.clear()
    assert db.call(region.home_region) == "云南省楚雄彝族自治州禄丰市" and len(calls) > read


async def test_a_minute_with_nothing_due_reads_no_names_and_names_are_read_once_per_change(db, monkeypatch):
    from bot.monitoring import service
    from bot.registry.audit import audit

    settings = load_settings(database_url=db.url)
    _domains(db, 3)
    reads = []
    real_own = service.own_domains
    monkeypatch.setattr(service, "own_domains", lambda s: reads.append(1) or real_own(s))
    assert await service.run_due(db, settings, "w", lambda: NOW) == 0  # no targets due: nothing read
    assert reads == []
    own, _units = await service._registry_names(db)
    again, _units = await service._registry_names(db)
    assert own == again == {f"www.d{i}.gov.cn" for i in range(3)} and len(reads) == 1
    db.call(lambda s: audit(s, "test", "create", "domain", 4, "www.d3.gov.cn", None, None))
    await service._registry_names(db)
    assert len(reads) == 2
