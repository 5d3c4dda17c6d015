"""The fuzzy unit-name index follows the unit table by reading only the units that changed, gives the same
answers as an index read in full, and is brought up to date after an import before anyone looks a name up; the
import worker runs in the batch scheduling class at nice 10."""
from __future__ import annotations

import logging
import os
import subprocess
import sys

import pytest
from sqlmodel import select

from bot import workers
from bot.db.models import Unit, utcnow
from bot.registry import lookup as lookup_module
from bot.registry.export import write_table
from bot.registry.lookup import UnitNameIndex
from tests.support.samples import ROWS

NAMES = ["武定县财政局", "武定县教育局", "武定县民政局", "禄丰县财政局", "武定县人力资源和社会保障局"]
QUERIES = ["武定县财正局", "武定县教育体育局", "武定县民证局", "武定县审记局", "禄丰县财政", "武定县人力资源社会保障局"]


def _answers(db, index: UnitNameIndex) -> list[list[tuple[int, float]]]:
    return [db.call(lambda s, q=q: index.search(s, q, 3)) for q in QUERIES]


def _read_kinds(caplog) -> list[str]:
    return [r.getMessage().split(",")[0] for r in caplog.records if r.getMessage().startswith("unit name index")]


def test_index_reads_only_changed_units_and_answers_as_a_full_read(db, caplog):
    caplog.set_level(logging.INFO, logger="bot.registry.lookup")
    at = utcnow()  # an import stamps all its rows with one time
    db.call(lambda s: s.add_all([Unit(name=n, updated_at=at) for n in NAMES]))
    index = UnitNameIndex()
    index.RECHECK_SECONDS = 0  # these writes leave no audit entry: the unit table's own stamp is read every time
    first = _answers(db, index)
    assert _read_kinds(caplog) == ["unit name index: all read"]
    assert db.call(lambda s: s.get(Unit, first[0][0][0]).name) == "武定县财政局"
    assert first == _answers(db, UnitNameIndex())
    caplog.clear()

    db.call(lambda s: s.add(Unit(name="武定县审计局")))  # a new unit

    def rename(s) -> None:
        unit = s.exec(select(Unit).where(Unit.name == "武定县教育局")).one()
        unit.name, unit.updated_at = "武定县教育体育局", utcnow()
        s.add(unit)

    db.call(rename)
    changed = _answers(db, index)
    assert _read_kinds(caplog) == ["unit name index: changed read"]  # once, and not in full
    assert " 2 rows, 6 names" in caplog.records[-1].getMessage()  # the two changed units, not those of the import
    assert changed == _answers(db, UnitNameIndex())
    found = {q: db.call(lambda s, a=a: s.get(Unit, a[0][0]).name) for q, a in zip(QUERIES, changed) if a}
    assert found["武定县审记局"] == "武定县审计局" and found["武定县教育体育局"] == "武定县教育体育局"
    caplog.clear()

    db.call(lambda s: s.delete(s.exec(select(Unit).where(Unit.name == "武定县民政局")).one()))
    removed = _answers(db, index)
    assert _read_kinds(caplog) == ["unit name index: all read"]  # a unit gone: read in full
    assert removed == _answers(db, UnitNameIndex())
    assert not any(db.call(lambda s, i=i: s.get(Unit, i)) is None for a in removed for i, _ in a)
    caplog.clear()
    assert _answers(db, index) == removed and _read_kinds(caplog) == []  # nothing changed: nothing read


def test_index_knows_from_the_audit_trail_that_nothing_changed(db):
    """Between registry changes a search reads no more than the newest audit entry (the unit table's stamp, a
    scan of the table, at most every RECHECK_SECONDS); a change, which writes an audit entry, is seen at once."""
    from bot.registry.edits import ensure_unit
    from tests.support.plans import captured_statements

    for name in NAMES:
        db.call(lambda s, n=name: ensure_unit(s, n, "test"))
    index = UnitNameIndex()
    index.RECHECK_SECONDS = 3600
    assert _answers(db, index)
    with captured_statements(db.engine) as statements:
        _answers(db, index)
    assert statements and not [st for st, _ in statements if "FROM unit" in st], statements
    db.call(lambda s: ensure_unit(s, "武定县审计局", "test"))
    found = db.call(lambda s: index.search(s, "武定县审记局", 1))
    assert db.call(lambda s: s.get(Unit, found[0][0]).name) == "武定县审计局"


async def test_import_leaves_the_index_current_before_it_returns(db, tmp_path, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="bot.registry.lookup")
    index = UnitNameIndex()
    monkeypatch.setattr(lookup_module, "NAME_INDEX", index)
    path = tmp_path / "in.xlsx"
    write_table(path, ROWS)
    report = await workers.import_registry(db, path.read_bytes(), "in.xlsx", "test")
    assert report.written and report.units_created
    assert _read_kinds(caplog) == ["unit name index: all read"]  # done by the import, not by a lookup
    caplog.clear()
    assert db.call(lambda s: index.search(s, "武定县财正局", 1))
    assert _read_kinds(caplog) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_BATCH is Linux only")
def test_worker_priority_is_batch_at_nice_10():
    code = ("import os; from bot.workers.jobs import lower_priority; before = os.nice(0); "
            "print(lower_priority().replace(' ', '_'), os.sched_getscheduler(0) == os.SCHED_BATCH, os.nice(0) - before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(__file__))).stdout.split()
    assert out == ["batch,_nice_10", "True", "10"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SCHED_BATCH is Linux only")
def test_the_bot_lowers_a_worker_it_started_once():
    """The bot lowers the worker it has just started (its imports then run lowered too); the worker's own
    initializer doing it again must not push it further down."""
    from bot.workers.jobs import lower_priority

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        lower_priority(child.pid)
        lower_priority(child.pid)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == mine + 10
        assert os.sched_getscheduler(child.pid) == os.SCHED_BATCH
        assert os.getpriority(os.PRIO_PROCESS, 0) == mine  # the bot itself is untouched
    finally:
        child.kill()
        child.wait()


def test_lookups_do_not_wait_for_another_process_writing(db):
    """The import worker holds a write transaction for seconds; the bot's lookups and index refreshes only read,
    and a reader never waits for a writer (SQLite WAL, PostgreSQL MVCC)."""
    import threading
    import time

    from sqlalchemy import text

    db.call(lambda s: s.add_all([Unit(name=n) for n in NAMES]))
    index = UnitNameIndex()
    db.call(index.refresh)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:  # another connection: an import half-way through its transaction
        with db.engine.connect() as conn:
            if db.dialect == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            conn.execute(text("INSERT INTO unit (name, short_name, kind, region, updated_at) "
                              "VALUES ('武定县审计局', '', 'department', '', '2099-01-01 00:00:00')"))
            holding.set()
            release.wait(10)
            conn.rollback()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.perf_counter()
        found = db.call(lambda s: index.search(s, "武定县审记局", 3))
        fresh = db.call(lambda s: UnitNameIndex().search(s, "武定县财正局", 1))
        waited = time.perf_counter() - started
    finally:
        release.set()
        thread.join()
    assert waited < 1.0  # the busy time-out is 10 s: a reader that waited for the lock would show it
    assert fresh and not any(db.call(lambda s, i=i: s.get(Unit, i)).name == "武定县审计局" for i, _ in found)


def test_a_scoped_search_follows_units_into_an_office_added_later(db):
    """The index holds each unit's office for scoped searches: an office added after the index was read takes
    its units, and its admin's misspelt name finds them at once (and a sibling's scope does not)."""
    from bot.offices.service import add_office
    from bot.registry.edits import ensure_unit
    from bot.registry.lookup import UnitScope

    for name in NAMES:
        db.call(lambda s, n=name: ensure_unit(s, n, "test"))
    index = UnitNameIndex()
    assert _answers(db, index)  # read with every unit at home
    wuding = db.call(lambda s: add_office(s, "武定县", "楚雄彝族自治州", "test").id)
    lufeng = db.call(lambda s: add_office(s, "禄丰市", "楚雄彝族自治州", "test").id)
    found = db.call(lambda s: index.search(s, "武定县财正局", 3, UnitScope(frozenset({wuding}))))
    assert found and db.call(lambda s: s.get(Unit, found[0][0]).name) == "武定县财政局"
    assert db.call(lambda s: index.search(s, "武定县财正局", 3, UnitScope(frozenset({lufeng})))) == []
