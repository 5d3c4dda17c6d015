"""The registry: import/export round trip, validation, lookup, edits with audit, report, invites — on SQLite
and, where it answers, PostgreSQL."""
from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from sqlmodel import select

from bot.db.models import AuditLog, Contact, Domain, Unit
from bot.db.storage import Database
from bot.registry.access import Role, create_invite, redeem_invite
from bot.registry.edits import set_domain_fields
from bot.registry.export import export_file
from bot.registry.importer import import_file
from bot.registry.lookup import RegistryError, history, lookup
from bot.registry.sheets import SpreadsheetError
from knowledge.registry_model import HEADERS
from tests.support.registry_data import generate_rows
from tests.support.samples import ROWS, xlsx


def counts(db: Database) -> tuple[int, int, int, int]:
    return db.call(lambda s: tuple(s.exec(select(__import__("sqlalchemy").func.count()).select_from(m)).one()
                                   for m in (Unit, Domain, Contact, AuditLog)))


def test_import_export_round_trip_and_idempotence(db, tmp_path):
    path = xlsx(tmp_path, ROWS)
    report = import_file(db.call, path.read_bytes(), path.name, "test")
    assert report.written and not report.errors
    assert (report.units_created, report.domains_created, report.contacts_created) == (4, 5, 2)
    before = counts(db)
    again = import_file(db.call, path.read_bytes(), path.name, "test")
    assert again.written and again.changes == 0 and again.unchanged == 5
    assert counts(db) == before  # nothing changed, not even the audit log
    out = tmp_path / "out.xlsx"
    assert db.call(lambda s: export_file(s, out)) == 5
    third = import_file(db.call, out.read_bytes(), out.name, "test")
    assert third.changes == 0 and third.unchanged == 5 and counts(db) == before
    csv_out = tmp_path / "out.csv"
    db.call(lambda s: export_file(s, csv_out))
    assert import_file(db.call, csv_out.read_bytes(), csv_out.name, "test").changes == 0
    notes = db.call(lambda s: s.exec(select(Domain.notes).where(Domain.name == "czj.wuding.gov.cn")).one())
    assert notes == "=cmd|' /C calc'!A0"  # kept as text, never run as a formula


def test_bad_rows_are_reported_and_nothing_written(db, tmp_path):
    rows = [r[:] for r in ROWS]
    rows[1][3] = "rsj..wuding.gov.cn"
    rows[2][5] = "乱填"
    rows[3][14] = "电话打不通"
    rows.append(rows[0][:])  # duplicate domain
    path = xlsx(tmp_path, rows)
    report = import_file(db.call, path.read_bytes(), path.name, "test")
    assert not report.written
    assert [row for row, _ in report.errors] == [3, 4, 5, 7]
    assert "重复" in report.errors[-1][1] and "状态" in report.errors[1][1]
    assert counts(db) == (0, 0, 0, 0)
    partial = import_file(db.call, path.read_bytes(), path.name, "test", skip_invalid=True)
    assert partial.written and partial.domains_created == 2


@pytest.mark.parametrize("payload,name,message", [
    (b"PK\x03\x04 not really a zip", "x.xlsx", "无法读取"),
    (b"", "x.xlsx", "无法读取"),
    (b"\x00\x01binary", "x.csv", "不是文本"),
    ("单位名称,备注\n武定县人民政府,x\n".encode(), "x.csv", "缺少"),
    (b"hello", "x.pdf", "只支持"),
])
def test_malformed_files_are_refused_with_a_reason(db, payload, name, message):
    with pytest.raises(SpreadsheetError, match=message):
        import_file(db.call, payload, name, "test")
    assert counts(db) == (0, 0, 0, 0)


def test_sheet_with_a_million_empty_rows_is_read_quickly(db, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(HEADERS))
    sheet.append(ROWS[0])
    sheet.cell(row=1_000_000, column=1, value="")  # claims a million rows
    sheet.cell(row=1_000_000, column=2, value=" ")
    path = tmp_path / "big.xlsx"
    workbook.save(path)
    report = import_file(db.call, path.read_bytes(), path.name, "test")
    assert report.rows == 1 and report.written


def test_lookup_by_domain_url_punycode_fuzzy_and_contact(db, tmp_path):
    path = xlsx(tmp_path, ROWS)
    import_file(db.call, path.read_bytes(), path.name, "test")
    for query in ("www.wuding.gov.cn", "HTTP://WWW.WUDING.GOV.CN/zwgk/", "www.wuding.gov.cn."):
        assert [m.unit.name for m in db.call(lambda s, q=query: lookup(s, q))] == ["武定县人民政府"]
    fuzzy = db.call(lambda s: lookup(s, "武定县人力资源社会保障局"))
    assert fuzzy[0].unit.name == "武定县人力资源和社会保障局"
    assert db.call(lambda s: lookup(s, "张晓霞"))[0].unit.name == "武定县人民政府"
    view = db.call(lambda s: lookup(s, "武定县人力资源和社会保障局"))[0]
    by_domain = {d.domain.name: d for d in view.domains}
    assert by_domain["rsj.wuding.gov.cn"].compliant and not by_domain["rsj.wuding.gov.cn"].action.needed
    assert not by_domain["www.wdrsj.com"].compliant and "已有规范域名 rsj.wuding.gov.cn" in by_domain["www.wdrsj.com"].action.action
    notice = db.call(lambda s: lookup(s, "czj.wuding.gov.cn"))[0].domains[0]
    assert notice.action.due == dt.date(2026, 4, 30)  # 3 months from 2026-01-31 ends on the month's last day
    assert db.call(lambda s: lookup(s, "nothing-like-this.example")) == []
    status = json.loads(json.dumps({"matches": [m.to_json() for m in db.call(lambda s: lookup(s, "www.wuding.gov.cn"))]}))
    assert set(status["matches"][0]["domains"][0]) >= {"domain", "unicode", "status", "compliant", "problems",
                                                       "next_action", "due"}


def test_edits_are_audited_and_history_shows_them(db, tmp_path):
    path = xlsx(tmp_path, ROWS)
    import_file(db.call, path.read_bytes(), path.name, "test")
    db.call(lambda s: set_domain_fields(s, "www.wdrsj.com", "telegram:42", status="待注销", notes="已迁移"))
    entries = db.call(lambda s: history(s, "WWW.WDRSJ.COM"))
    assert entries[0].actor == "telegram:42"
    assert json.loads(entries[0].before)["status"] == "在用" and json.loads(entries[0].after)["status"] == "待注销"
    with pytest.raises(RegistryError):
        db.call(lambda s: set_domain_fields(s, "www.wdrsj.com", "x", status="随便"))
    with pytest.raises(RegistryError):
        db.call(lambda s: history(s, "unknown.gov.cn"))


def test_invites_are_single_use_and_expire(db, tmp_path):
    path = xlsx(tmp_path, ROWS)
    import_file(db.call, path.read_bytes(), path.name, "test")
    invite = db.call(lambda s: create_invite(s, Role(True, ()), "武定县财政局", "telegram:42"))
    unit = db.call(lambda s: redeem_invite(s, invite.code, 777, "王五"))
    assert unit.name == "武定县财政局"
    with pytest.raises(RegistryError, match="已被使用"):
        db.call(lambda s: redeem_invite(s, invite.code, 778, "赵六"))
    old = db.call(lambda s: create_invite(s, Role(True, ()), "武定县财政局", "x", now=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)))
    with pytest.raises(RegistryError, match="过期"):
        db.call(lambda s: redeem_invite(s, old.code, 779, "孙七"))
    with pytest.raises(RegistryError):
        db.call(lambda s: create_invite(s, Role(True, ()), "不存在的单位", "x"))


def test_generated_spreadsheet_through_the_cli(db, tmp_path):
    rows = generate_rows(2000)
    rows[5][3] = "not a domain"
    rows[9][0] = ""
    path = xlsx(tmp_path, rows, "gen.xlsx")
    env = dict(os.environ, DATABASE_URL=db.url.replace("postgresql+psycopg", "postgresql"))

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, cwd=tmp_path, capture_output=True,
                              timeout=300)

    first = cli("import", str(path), "--json")
    assert first.returncode == 1 and json.loads(first.stdout)["written"] is False
    assert [e["row"] for e in json.loads(first.stdout)["errors"]] == [7, 11]
    second = cli("import", str(path), "--skip-invalid", "--json")
    assert second.returncode == 0 and json.loads(second.stdout)["domains_created"] == 1998
    third = json.loads(cli("import", str(path), "--skip-invalid", "--json").stdout)
    assert third["domains_created"] == third["domains_updated"] == 0 and third["unchanged"] == 1998
    status = json.loads(cli("status", rows[0][3].upper(), "--json").stdout)
    assert status["matches"][0]["unit"] == rows[0][0]
    assert cli("export", str(tmp_path / "e.xlsx")).returncode == 0
    assert cli("report", str(tmp_path / "r.xlsx")).returncode == 0 and (tmp_path / "r.xlsx").exists()
    assert cli("template", str(tmp_path / "t.xlsx")).returncode == 0


def test_role_reads_admins_and_contacts_in_one_query(db):
    from bot.registry.access import Role, grant_admin, role_of

    def setup(session):
        units = [Unit(name=n, kind="department") for n in ("武定县财政局", "武定县教育体育局")]
        session.add_all(units)
        session.flush()
        session.add_all([Contact(unit_id=units[0].id, name="甲", telegram_id=701),
                         Contact(unit_id=units[1].id, name="甲", telegram_id=701),
                         Contact(unit_id=units[1].id, name="乙", telegram_id=702)])
        grant_admin(session, 702, "test")
        return sorted(u.id for u in units)

    unit_ids = db.call(setup)
    configured = frozenset({900})
    assert db.call(lambda s: role_of(s, 701, configured)) == Role(False, tuple(unit_ids))
    assert db.call(lambda s: role_of(s, 701, configured)).name == "contact"
    both = db.call(lambda s: role_of(s, 702, configured))
    assert (both.admin, both.units, both.name) == (True, (unit_ids[1],), "admin")
    assert db.call(lambda s: role_of(s, 900, configured)) == Role(True, ())
    assert db.call(lambda s: role_of(s, 703, configured)).name == "guest"
    assert db.call(lambda s: role_of(s, None, configured)) == Role(False, ())


def test_a_unit_imported_before_the_region_was_known_is_found_again(db, tmp_path):
    """A first import with no region known stores 狮山镇 as written; once the region is known (inferred from the
    registry), the same sheet again must not make a second unit 武定县狮山镇 and leave the first without domains."""
    from bot.registry.region import home_region

    rows = [["武定县人民政府", "政府门户网站", "", "www.wuding.gov.cn", "是", "规范在用", "", "", "", "", "", "", "",
             "张三", "0878-8711677", "", ""],
            ["武定县教育局", "政府部门网站", "", "jyj.wuding.gov.cn", "否", "规范在用", "", "", "", "", "", "", "",
             "李四", "0878-8711678", "", ""],
            ["狮山镇", "乡镇网站", "", "ssz.wuding.gov.cn", "否", "规范在用", "", "", "", "", "", "", "",
             "王五", "0878-8711679", "", ""]]
    data = xlsx(tmp_path, rows, "v1.xlsx").read_bytes()
    first = import_file(db.call, data, "v1.xlsx", "test", region=db.call(lambda s: home_region(s, "")))
    assert first.units_created == 3
    region = db.call(lambda s: home_region(s, ""))
    assert region.endswith("武定县")
    again = import_file(db.call, data, "v1.xlsx", "test", region=region)
    assert again.units_created == 0 and again.domains_updated == 0 and again.unchanged == 3
    assert db.call(lambda s: s.exec(select(Unit.name)).all()).count("狮山镇") == 1


def test_a_corrected_unit_type_in_a_re_import_is_taken_and_audited(db, tmp_path):
    """A clerk corrects 单位类型 in the sheet: the registered unit takes it (audited); a row that leaves the
    column empty (the kind read from the name) never overrides what the registry holds."""
    first = import_file(db.call, xlsx(tmp_path, ROWS).read_bytes(), "in.xlsx", "test")
    assert first.written and first.units_updated == 0
    rows = [list(r) for r in ROWS]
    rows[4][1] = "承担行政职能的事业单位"  # 武定县人民医院, imported as institution_other
    again = import_file(db.call, xlsx(tmp_path, rows, "again.xlsx").read_bytes(), "again.xlsx", "test")
    assert again.units_updated == 1 and "更新单位类型 1" in again.summary()
    hospital = db.call(lambda s: s.exec(select(Unit).where(Unit.name == "武定县人民医院")).one())
    assert hospital.kind == "institution_admin"
    audit = db.call(lambda s: s.exec(select(AuditLog).where(AuditLog.entity == "unit", AuditLog.action == "update")).all())
    assert [(a.entity_id, json.loads(a.before), json.loads(a.after)) for a in audit] == [
        (hospital.id, {"kind": "institution_other"}, {"kind": "institution_admin"})]
    rows[4][1] = ""  # read from the name again: the registry keeps what the clerk set
    third = import_file(db.call, xlsx(tmp_path, rows, "third.xlsx").read_bytes(), "third.xlsx", "test")
    assert third.written and third.units_updated == 0
    assert db.call(lambda s: s.exec(select(Unit.kind).where(Unit.name == "武定县人民医院")).one()) == "institution_admin"
