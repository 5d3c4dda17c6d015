"""A unit's name keeps its case (R&D): it is stored and shown as written and still found whatever case is typed."""
from __future__ import annotations

from sqlmodel import select

from bot.db.models import Unit
from bot.registry.edits import add_domain
from bot.registry.export import export_file
from bot.registry.importer import import_file
from bot.registry.lookup import lookup
from tests.support.samples import ROWS, xlsx

RD = ["武定县R&D中心", "承担行政职能的事业单位", "", "rd.wuding.gov.cn", "", "规范在用", "", "", "", "", "", "", "", "", "", "", ""]


def test_r_and_d_keeps_its_case_through_import_lookup_reimport_and_export(db, tmp_path):
    path = xlsx(tmp_path, [*ROWS, RD])
    assert import_file(db.call, path.read_bytes(), path.name, "test").units_created == 5
    names = db.call(lambda s: set(s.exec(select(Unit.name)).all()))
    assert "武定县R&D中心" in names and "武定县r&d中心" not in names
    for typed in ("武定县R&D中心", "武定县r&d中心"):
        assert [v.unit.name for v in db.call(lambda s, t=typed: lookup(s, t))] == ["武定县R&D中心"]
    again = import_file(db.call, path.read_bytes(), path.name, "test")  # typed in lower case: the same unit
    assert again.units_created == 0 and again.changes == 0
    lower = xlsx(tmp_path, [[RD[0].lower(), *RD[1:]]], "lower.xlsx")
    assert import_file(db.call, lower.read_bytes(), lower.name, "test").units_created == 0
    out = tmp_path / "out.csv"
    db.call(lambda s: export_file(s, out))
    assert "武定县R&D中心" in out.read_text(encoding="utf-8-sig")


def test_a_unit_added_in_chat_keeps_its_case(db):
    db.call(lambda s: add_domain(s, "武定县IT服务中心", "it.wuding.gov.cn", "test", "在用", "承担行政职能的事业单位"))
    assert db.call(lambda s: s.exec(select(Unit.name)).all()) == ["武定县IT服务中心"]
    db.call(lambda s: add_domain(s, "武定县it服务中心", "www.wdit.cn", "test", "在用"))
    assert db.call(lambda s: s.exec(select(Unit.name)).all()) == ["武定县IT服务中心"]
