"""Offices under the home office (notes/offices-at-every-level.md): added from the CLI, units read into them by
their place, an office's admins seeing their office and those below and never a sibling's or the level above,
sheets imported for an office, and a single-office database upgraded in place with nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlmodel import select

from bot.db.models import Admin, AuditLog, Domain, Office, Unit
from bot.offices.service import OfficeError, add_office, below, office_views
from bot.registry.access import NotAllowed, Role, check_unit, domain_by_id, role_of, unit_for, views_for
from bot.registry.import_writer import ImportTarget
from bot.registry.importer import import_file
from bot.registry.sheets import SpreadsheetError
from knowledge.offices import read_place

HOME = "楚雄彝族自治州"
PREFECTURE_SHEET = """单位名称,域名,联系人,联系电话
楚雄州人民政府,www.cxz.gov.cn,甲,13900000000
楚雄州林业和草原局,lcj.cxz.gov.cn,乙,13900000001
武定县人民政府,www.wuding.gov.cn,丙,13900000002
武定县教育体育局,jyj.wuding.gov.cn,丁,13900000003
禄丰市财政局,czj.lufeng.gov.cn,戊,13900000004
武定县狮山镇人民政府,,己,13900000005
"""
LUFENG_SHEET = """单位名称,域名,联系人,联系电话
禄丰市人民政府,www.lufeng.gov.cn,庚,13900000006
教育体育局,jyj.lufeng.gov.cn,辛,13900000007
"""


def _import(db, sheet: str, region: str = HOME, target: ImportTarget | None = None):
    return import_file(db.call, sheet.encode("utf-8"), "sheet.csv", "test", region=region, target=target)


def _offices_of(db) -> dict[str, int | None]:
    return dict(db.call(lambda s: s.exec(select(Unit.name, Unit.office_id)).all()))


@pytest.fixture
def prefecture(db):
    """楚雄州 at home; 武定县 (admin 111), 禄丰市 (admin 222) and the 州直部门 group (admin 333) under it."""
    assert _import(db, PREFECTURE_SHEET).written
    ids = {}
    for region, admin, departments in (("武定县", 111, False), ("禄丰市", 222, False), ("楚雄州", 333, True)):
        ids[region] = db.call(lambda s, r=region, a=admin, d=departments: add_office(s, r, HOME, "cli", (a,), d).id)
    return ids


def test_units_read_into_the_office_of_their_place(db, prefecture):
    offices = _offices_of(db)
    assert offices["武定县人民政府"] == offices["武定县教育体育局"] == offices["武定县狮山镇人民政府"] == prefecture["武定县"]
    assert offices["禄丰市财政局"] == prefecture["禄丰市"]
    assert offices["楚雄州林业和草原局"] == prefecture["楚雄州"]  # a prefecture department: its group
    assert offices["楚雄州人民政府"] is None  # the prefecture's own government stays at home
    views = db.call(lambda s: office_views(s, HOME))
    assert [(v.title, v.units, v.admins) for v in views] == [
        ("楚雄彝族自治州人民政府办公室", 1, ()), ("楚雄州直部门", 1, (333,)),
        ("禄丰市人民政府办公室", 1, (222,)), ("武定县人民政府办公室", 3, (111,))]
    # a new unit of a county joins that county's office, whoever adds it
    assert _import(db, "单位名称,域名\n武定县财政局,czj.wuding.gov.cn\n").written
    assert _offices_of(db)["武定县财政局"] == prefecture["武定县"]


def test_an_office_outside_the_deployment_or_the_home_itself_is_refused(db):
    with pytest.raises(OfficeError, match="不在本部署的地区"):
        db.call(lambda s: add_office(s, "利川市", HOME, "cli"))
    with pytest.raises(OfficeError, match="本级办公室"):
        db.call(lambda s: add_office(s, "楚雄州", HOME, "cli"))
    with pytest.raises(OfficeError, match="没有认出"):
        db.call(lambda s: add_office(s, "火星县", HOME, "cli"))
    assert db.call(lambda s: s.exec(select(Office)).all()) == []


def test_an_office_added_above_existing_ones_takes_them_under_it(db):
    """A province deployment: counties added first, then their prefecture: the counties move under it."""
    province = "云南省"
    wuding = db.call(lambda s: add_office(s, "武定县", province, "cli").id)
    chuxiong = db.call(lambda s: add_office(s, "楚雄州", province, "cli").id)
    kunming = db.call(lambda s: add_office(s, "昆明市", province, "cli").id)
    parents = dict(db.call(lambda s: s.exec(select(Office.id, Office.parent_id)).all()))
    assert parents == {wuding: chuxiong, chuxiong: None, kunming: None}
    assert db.call(lambda s: below(s, chuxiong)) == {chuxiong, wuding}


def test_an_office_admin_sees_their_office_and_below_never_a_sibling_or_home(db, prefecture):
    wuding = db.call(lambda s: role_of(s, 111, frozenset()))
    assert not wuding.admin and wuding.any_admin and wuding.offices == {prefecture["武定县"]}
    unit = {n: i for i, n in db.call(lambda s: s.exec(select(Unit.id, Unit.name)).all())}
    db.call(lambda s: check_unit(s, wuding, unit["武定县教育体育局"], admin_only=True))
    for other in ("禄丰市财政局", "楚雄州人民政府", "楚雄州林业和草原局"):
        with pytest.raises(NotAllowed, match="不属于武定县人民政府办公室"):
            db.call(lambda s, o=other: check_unit(s, wuding, unit[o], o))
        with pytest.raises(NotAllowed):
            db.call(lambda s, o=other: unit_for(s, wuding, o, region="武定县"))
    assert db.call(lambda s: unit_for(s, wuding, "教育体育局", region="武定县").name) == "武定县教育体育局"
    lufeng_site = db.call(lambda s: s.exec(select(Domain.id).where(Domain.name == "czj.lufeng.gov.cn")).one())
    with pytest.raises(NotAllowed):
        db.call(lambda s: domain_by_id(s, wuding, lufeng_site, admin_only=True))
    # a search: the sibling's unit, its contact's phone and name find nothing, said as for an unknown unit
    for query in ("禄丰市财政局", "13900000004", "戊", "财政局", "czj.lufeng.gov.cn"):
        with pytest.raises(NotAllowed):
            db.call(lambda s, q=query: views_for(s, wuding, q, region="武定县"))
    assert [v.unit.name for v in db.call(lambda s: views_for(s, wuding, "武定县教育", region="武定县"))] == ["武定县教育体育局"]
    # the home office's admin sees everything
    home = Role(True, ())
    assert db.call(lambda s: views_for(s, home, "禄丰市财政局", region=HOME))[0].unit.name == "禄丰市财政局"


def test_a_prefecture_office_in_a_province_deployment_sees_its_counties(db):
    assert _import(db, PREFECTURE_SHEET).written
    chuxiong = db.call(lambda s: add_office(s, "楚雄州", "云南省", "cli", (500,)).id)
    db.call(lambda s: add_office(s, "武定县", "云南省", "cli", (501,)))
    prefecture = db.call(lambda s: role_of(s, 500, frozenset()))
    county = db.call(lambda s: role_of(s, 501, frozenset()))
    assert db.call(lambda s: unit_for(s, prefecture, "武定县教育体育局").name) == "武定县教育体育局"
    assert db.call(lambda s: unit_for(s, prefecture, "楚雄州林业和草原局").office_id) == chuxiong
    with pytest.raises(NotAllowed):
        db.call(lambda s: unit_for(s, county, "楚雄州林业和草原局"))


def test_a_county_sheet_imported_for_its_office(db, prefecture):
    lufeng = db.call(lambda s: add_office(s, "禄丰市", HOME, "cli"))
    target = ImportTarget(lufeng.id, read_place("禄丰市"))
    report = _import(db, LUFENG_SHEET, "禄丰市", target)
    assert report.written and report.units_created == 2
    offices = _offices_of(db)
    assert offices["禄丰市教育体育局"] == offices["禄丰市人民政府"] == prefecture["禄丰市"]


def test_a_sheet_naming_another_offices_unit_changes_nothing(db, prefecture):
    """An office admin's upload (scope set) naming a sibling's unit, or a place outside the office, is refused
    whole: no row is written."""
    wuding = db.call(lambda s: role_of(s, 111, frozenset()))
    target = ImportTarget(prefecture["武定县"], read_place("武定县"), wuding.scope)
    before = db.call(lambda s: (s.exec(select(Domain.name)).all(), s.exec(select(AuditLog.id)).all()))
    for sheet, refusal in (
            ("单位名称,域名\n武定县财政局,czj.wuding.gov.cn\n禄丰市财政局,czj2.lufeng.gov.cn\n", "属于其他办公室"),
            ("单位名称,域名\n武定县财政局,czj.wuding.gov.cn\n牟定县财政局,czj.mouding.gov.cn\n", "不属于武定县")):
        with pytest.raises(SpreadsheetError, match=refusal):
            _import(db, sheet, "武定县", target)
    assert db.call(lambda s: (s.exec(select(Domain.name)).all(), s.exec(select(AuditLog.id)).all())) == before


def test_a_single_office_database_upgrades_in_place(database_url):
    """Units, admins and groups of a database made before offices keep working, all at the home office."""
    from bot.db.storage import Database

    database = Database(database_url)
    if database.dialect == "postgresql":
        with database.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    from bot.db.migrate import upgrade

    upgrade(database.engine, "0010_sites")
    with database.engine.begin() as conn:
        conn.execute(text("INSERT INTO unit (name, short_name, kind, region, updated_at) "
                          "VALUES ('武定县财政局', '', 'department', '武定县', CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO admin (telegram_id, granted_by, granted_at) VALUES (77, 'x', CURRENT_TIMESTAMP)"))
    database.upgrade()
    assert database.call(lambda s: s.exec(select(Unit.office_id)).all()) == [None]
    assert database.call(lambda s: s.exec(select(Admin.office_id)).all()) == [None]
    assert database.call(lambda s: role_of(s, 77, frozenset())).admin  # still the admin of everything
    database.dispose()


def test_a_county_admin_s_names_are_read_in_the_county_after_the_home_sets_its_region(db, prefecture):
    """/region is the home office's: a county admin's 教育体育局 stays their county's after the prefecture sets it."""
    from bot.offices.service import office_region
    from bot.registry.region import home_region, set_region

    db.call(lambda s: set_region(s, HOME, "test"))
    assert _import(db, "单位名称,域名\n禄丰市教育体育局,jyj.lufeng.gov.cn\n").written
    lufeng = db.call(lambda s: role_of(s, 222, frozenset()))
    name = db.call(lambda s: unit_for(s, lufeng, "教育体育局",
                                      region=office_region(s, lufeng.office, home_region(s))).name)
    assert name == "禄丰市教育体育局"
    assert db.call(lambda s: home_region(s)) == HOME


def test_a_scoped_search_finds_no_unit_of_another_office_by_any_form(db, prefecture):
    """`domainbot status --office 武定县` (lookup with a scope): a sibling's or the home's unit is found by no form,
    its domain included."""
    from bot.offices.service import chosen_office
    from bot.registry.lookup import lookup

    office = db.call(lambda s: chosen_office(s, "武定县"))
    for query in ("czj.lufeng.gov.cn", "https://lcj.cxz.gov.cn/", "禄丰市财政局", "楚雄州林业和草原局", "13900000004", "戊"):
        assert db.call(lambda s, q=query: lookup(s, q, region=office.region, scope=office.scope)) == [], query
    found = db.call(lambda s: [v.unit.name for v in lookup(s, "jyj.wuding.gov.cn", scope=office.scope)])
    assert found == ["武定县教育体育局"]


def test_the_region_column_places_a_name_written_without_one(db, prefecture):
    """所属地区 on a row places its unit (教育体育局 of 禄丰市 is 禄丰市教育体育局, in 禄丰市's office); an empty cell
    falls back to the import's region."""
    sheet = "单位名称,所属地区,域名\n水务局,禄丰市,swj.lufeng.gov.cn\n水务局,云南省楚雄彝族自治州武定县,swj.wuding.gov.cn\n" \
            "档案馆,,daj.cxz.gov.cn\n"
    report = _import(db, sheet)
    assert report.written and report.units_created == 3
    offices = _offices_of(db)
    assert offices["禄丰市水务局"] == prefecture["禄丰市"] and offices["武定县水务局"] == prefecture["武定县"]
    assert "楚雄彝族自治州档案馆" in offices


def test_a_fresh_sqlite_database_upgrades_without_warnings(tmp_path):
    """The first `domainbot` command a clerk runs migrates the database: nothing on stderr but what it prints."""
    import warnings

    from bot.db.storage import Database

    database = Database(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        database.upgrade()
    database.dispose()
    assert [str(w.message) for w in seen] == []
