"""What the import does for speed must not change what it does: a large file is read and checked in a child
process while this one writes (the registry, the audit log and the report come out exactly as from the one-process
import, errors still write nothing, a reading process that dies leaves nothing behind); the size guard scans the
sheet XML once (it sees exactly what its three scans saw)."""
from __future__ import annotations

import os
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlmodel import select

from bot.db.models import AuditLog, Contact, Deadline, Domain, Unit
from bot.db.storage import Database
from bot.registry import import_child, importer, sheets
from bot.registry.importer import import_file
from bot.registry.sheets import SpreadsheetError
from tests.support.registry_data import generate_rows
from tests.support.samples import xlsx

_STAMPS = {"updated_at", "created_at", "at", "done_at"}


def _dump(db: Database) -> dict[str, list[tuple]]:
    def read(session):
        out = {}
        for model in (Unit, Domain, Contact, Deadline, AuditLog):
            columns = [c for c in model.__table__.columns if c.name not in _STAMPS]
            out[model.__table__.name] = [tuple(r) for r in session.exec(select(*columns).order_by(model.id)).all()]
        return out
    return db.call(read)


def _fresh(db: Database, tmp_path, name: str) -> Database:
    """An empty database of the same kind as `db` (PostgreSQL: its schema made anew, so ids start again)."""
    if db.dialect == "postgresql":
        db.engine.dispose()
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.upgrade()
        return db
    other = Database(f"sqlite:///{tmp_path / name}")
    other.upgrade()
    return other


def _files(tmp_path):
    rows = generate_rows(400)
    rows[10][3] = f"{rows[10][3]}、extra-a.wuding.gov.cn、extra-b.wuding.gov.cn"  # one cell, three domains
    for later in (21, 120):  # the same contact again, other phone: the last row wins (120 is a later step)
        rows[later][:3] = rows[20][:3]
        rows[later][13] = rows[20][13] or "李四"
        rows[later][14] = f"0878-76543{later}"
    rows[20][13] = rows[20][13] or "李四"
    rows[30][5], rows[30][9] = "公告中", "2026-11-02"  # starts a deadline
    rows[31][5], rows[31][9], rows[31][10] = "已注销", "2026-11-03", "滇ICP备12345678号"
    rows[40][4] = rows[41][4] = "是"
    rows[41][:3] = rows[40][:3]
    first = xlsx(tmp_path, rows, "first.xlsx")
    changed = [r[:] for r in rows[:300]]
    for i, r in enumerate(changed):
        if i % 7 == 0:
            r[5], r[9] = "在用", ""  # backwards for rows under notice: kept
        if i % 11 == 0:
            r[14], r[15] = "0878-1234567", f"x{i}@example.cn"
        if i % 13 == 0:
            r[13] = f"新联系人{i}"
    changed.append(["武定县新单位", "政府部门网站", "", "xin.wuding.gov.cn", "否", "在用"] + [""] * 11)
    return first, xlsx(tmp_path, changed, "changed.xlsx")


def _import(db: Database, path, parallel: bool, monkeypatch, **kw):
    monkeypatch.setattr(importer, "PARALLEL_BYTES", 0 if parallel else 1 << 40)
    seen = []
    report = import_file(db.call, path.read_bytes(), path.name, "test", progress=lambda *a: seen.append(a), **kw)
    return report, seen


def test_parallel_import_writes_exactly_what_one_process_writes(db, tmp_path, monkeypatch):
    monkeypatch.setattr(import_child, "_STEP", 50)  # several steps, contacts and units spread over them
    first, changed = _files(tmp_path)
    results = []
    for parallel in (False, True):
        target = _fresh(db, tmp_path, f"{parallel}.sqlite3")
        one, seen = _import(target, first, parallel, monkeypatch)
        two, _ = _import(target, changed, parallel, monkeypatch)
        assert one.written and two.written and seen[-1][0] == "write" and seen[-1][1] == seen[-1][2]
        results.append((_dump(target), one.to_json(), two.to_json()))
    (state, *reports), (state_p, *reports_p) = results
    assert reports == reports_p
    assert state == state_p
    contact = [c for c in state["contact"] if "0878-76543120" in c]
    assert contact and len(state["deadline"]) >= 2 and reports[1]["kept_later_state"]


def test_parallel_import_with_errors_writes_nothing_and_reports_the_same(db, tmp_path, monkeypatch):
    rows = generate_rows(200)
    rows[5][3] = "bad..wuding.gov.cn"
    rows[150][3] = rows[3][3]  # a duplicate in a later step
    path = xlsx(tmp_path, rows)
    monkeypatch.setattr(import_child, "_STEP", 40)
    alone, _ = _import(db, path, False, monkeypatch)
    parallel, _ = _import(db, path, True, monkeypatch)
    assert not parallel.written and parallel.to_json() == alone.to_json() and parallel.error_count == 2
    assert all(not rows for rows in _dump(db).values())
    skipped = []
    for parallel_run in (False, True):
        target = _fresh(db, tmp_path, f"skip-{parallel_run}.sqlite3")
        report, _ = _import(target, path, parallel_run, monkeypatch, skip_invalid=True)
        skipped.append((report.to_json(), _dump(target)))
    assert skipped[0] == skipped[1] and skipped[0][0]["domains_created"] == 198


def test_a_reading_process_that_dies_leaves_nothing_written(db, tmp_path, monkeypatch):
    path = xlsx(tmp_path, generate_rows(200))
    steps = import_child._validate_steps

    def dies_after_one_step(*args, **kw):
        for n, rows in enumerate(steps(*args, **kw)):
            if n == 1:
                os._exit(9)  # runs in the child
            yield rows

    monkeypatch.setattr(import_child, "_validate_steps", dies_after_one_step)
    monkeypatch.setattr(import_child, "_STEP", 50)
    with pytest.raises(RuntimeError):
        _import(db, path, True, monkeypatch)
    assert all(not rows for rows in _dump(db).values())


def test_a_damaged_file_fails_the_same_in_the_reading_process(db, monkeypatch, tmp_path):
    monkeypatch.setattr(importer, "PARALLEL_BYTES", 0)
    with pytest.raises(SpreadsheetError, match="无法读取"):
        import_file(db.call, b"PK\x03\x04 not really a zip", "x.xlsx", "test")
    assert all(not rows for rows in _dump(db).values())


_OLD_WIDE = re.compile(rb' r="([A-Z]{2,3})\d')
_OLD_FAR_ROW = re.compile(rb' r="[A-Z]{1,3}(\d{6,})"')


def _old_block_span(block: bytes, max_row: int, max_col: int) -> tuple[int, int]:
    """The guard's scan before it was made one pass (three regular expressions over every block)."""
    for match in sheets._DIMENSION.finditer(block):
        max_col = max(max_col, sheets._col_number(match[1]))
        max_row = max(max_row, int(match[2]))
    for match in _OLD_WIDE.finditer(block):
        max_col = max(max_col, sheets._col_number(match[1]))
    rows = sheets._ROW_REF.findall(block[-4096:]) + [m[1] for m in _OLD_FAR_ROW.finditer(block)]
    if rows:
        max_row = max(max_row, *(int(r) for r in rows))
    return max_row, max_col


_PIECES = st.one_of(
    st.builds(lambda col, row, end: f' r="{col}{row}{end}'.encode(),
              st.text("ABXYZ", min_size=0, max_size=4), st.integers(0, 2_000_000),
              st.sampled_from(['"', '" ', "", "x", '"/>'])),
    st.builds(lambda row: f'<row r="{row}" spans="1:3">'.encode(), st.integers(1, 2_000_000)),
    st.builds(lambda a, b: f'<dimension ref="{a}:{b}"/>'.encode(),
              st.sampled_from(["A1", "B2", "AA10"]), st.sampled_from(["XFD1048576", "Q100001", "C3", "ZZ9"])),
    st.sampled_from([b"<c>", b"</c>", b"<v>12</v>", b" ", b'"', b"r=", b' r="', b"1234567", b"<sheetData>"]),
)


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PIECES, max_size=40), st.integers(0, 3), st.integers(26, 40))
def test_the_size_guard_scans_once_and_sees_what_its_three_scans_saw(pieces, before_row, before_col):
    block = b"".join(pieces)
    assert sheets._block_span(block, before_row, before_col) == _old_block_span(block, before_row, before_col)
