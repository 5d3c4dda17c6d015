"""How a unit's name becomes labels: one model for suggest, check, apply and the report (knowledge/naming.py)."""
from __future__ import annotations

import pytest

from bot.db.models import Domain, Unit
from knowledge.naming import department_spellings, suggest
from knowledge.rules import check
from knowledge.units import department_table, parse_unit

# Abbreviations offices really use: initials of a short name with the unit's suffix, initials of the name's
# words without a suffix, the pinyin with its suffix, English acronyms, a province or city prefix.
ACCEPTED = [
    ("zjt.hubei.gov.cn", "湖北省住房和城乡建设厅"),
    ("jtt.hunan.gov.cn", "湖南省交通运输厅"),
    ("jtw.beijing.gov.cn", "北京市交通委员会"),
    ("zjw.tj.gov.cn", "天津市住房和城乡建设委员会"),
    ("jst.fujian.gov.cn", "福建省住房和城乡建设厅"),  # 建设厅: the department's former short name
    ("zrzy.jiangxi.gov.cn", "江西省自然资源厅"),
    ("sthj.hubei.gov.cn", "湖北省生态环境厅"),
    ("ghzrzy.tj.gov.cn", "天津市规划和自然资源局"),
    ("fzgg.hunan.gov.cn", "湖南省发展和改革委员会"),
    ("drc.hubei.gov.cn", "湖北省发展和改革委员会"),
    ("dnr.hubei.gov.cn", "湖北省自然资源厅"),
    ("wr.hubei.gov.cn", "湖北省水利厅"),
    ("epb.wuhan.gov.cn", "湖北省武汉市生态环境局"),
    ("hbdrc.hebei.gov.cn", "河北省发展和改革委员会"),  # the province's initials in front
    ("hbwater.hubei.gov.cn", "湖北省水利厅"),
    ("slj.lichuan.gov.cn", "湖北省利川市水利和湖泊局"),
    ("zwfw.lichuan.gov.cn", "湖北省利川市政务服务和大数据管理局"),
    ("shangwuju.lichuan.gov.cn", "湖北省利川市商务局"),
    ("rst.hubei.gov.cn", "湖北省人力资源和社会保障厅"),
    ("mzzj.hubei.gov.cn", "湖北省民族宗教事务委员会"),
    ("czj.wuding.gov.cn", "武定县财政局"),
    ("smzt.gd.gov.cn", "广东省民政厅"),  # 省民政厅: the level's letter in front
    ("dara.gd.gov.cn", "广东省农业农村厅"),
    ("jshrss.jiangsu.gov.cn", "江苏省人力资源和社会保障厅"),
    ("rlsbt.zj.gov.cn", "浙江省人力资源和社会保障厅"),
]


@pytest.mark.parametrize("domain,unit", ACCEPTED)
def test_real_abbreviations_are_accepted(domain, unit):
    result = check(domain, unit)
    assert result.compliant, [p.code for p in result.problems]


@pytest.mark.parametrize("domain,unit", [
    ("fgw.yichang.gov.cn", "湖北省荆州市发展和改革委员会"),  # another city's department
    ("swj.jianshi.gov.cn", "湖北省利川市商务局"),  # the neighbouring county's 商务局
    ("rsj.lufeng.gov.cn", "武定县人力资源和社会保障局"),
])
def test_a_domain_under_another_regions_portal_is_a_name_mismatch(domain, unit):
    result = check(domain, unit)
    assert [p.code for p in result.problems] == ["name_mismatch"] and result.foreign
    assert "其他地区" in result.problems[0].message


@pytest.mark.parametrize("domain,unit", [
    ("gaj.wuding.gov.cn", "武定县财政局"),
    ("drc.wuding.gov.cn", "武定县财政局"),
    ("zjt.hubei.gov.cn", "湖北省交通运输厅"),
    ("hbdrc.hebei.gov.cn", "河北省水利厅"),
])
def test_another_departments_label_is_refused(domain, unit):
    result = check(domain, unit)
    assert [p.code for p in result.problems] == ["name_mismatch"] and not result.foreign


def test_suggestions_come_in_the_order_a_clerk_expects():
    assert suggest("湖北省利川市林业局").english[0] == "lyj.lichuan.gov.cn"  # not lcj (林草局)
    assert suggest("湖北省利川市林业和草原局").english[0] == "lcj.lichuan.gov.cn"
    assert suggest("湖北省利川市发展和改革局").english[0] == "fgj.lichuan.gov.cn"
    assert suggest("湖北省人力资源和社会保障厅").english[0] == "rst.hubei.gov.cn"
    assert suggest("湖北省利川市政务服务和大数据管理局").english[0] == "zwfw.lichuan.gov.cn"


def test_a_ministrys_acronym_is_accepted_but_never_suggested():
    national = {a for d in department_table() for a in d.national}
    assert {"mohurd", "nhc", "mva"} <= national
    for dept in department_table():
        advice = suggest("湖北省利川市" + dept.name)
        assert not {d.split(".")[0] for d in advice.english} & national, (dept.name, advice.english)
    assert check("mohurd.lichuan.gov.cn", "湖北省利川市住房和城乡建设局").compliant


def test_every_suggested_label_is_one_the_model_accepts():
    for dept in department_table():
        unit = parse_unit("武定县" + dept.name)
        for domain in suggest(unit.full).english:
            assert domain.split(".")[0] in department_spellings(unit), (dept.name, domain)


def test_suggestions_pass_over_names_another_unit_holds():
    advice = suggest("武定县审计局", taken=frozenset({"sjj.wuding.gov.cn"}))
    assert advice.english and "sjj.wuding.gov.cn" not in advice.english
    portal = suggest("武定县人民政府", taken=frozenset({"www.wuding.gov.cn"}))
    assert portal.english[0] != "www.wuding.gov.cn"


def test_a_bare_department_domain_is_read_as_a_department():
    result = check("rsj.lichuan.gov.cn")
    assert result.compliant and not any(p.code == "portal_not_www" for p in result.problems)
    assert any("部门网站" in n for n in result.notes)
    assert [p.code for p in check("lichuan.gov.cn").problems] == ["portal_not_www"]


def test_a_county_level_city_named_like_its_prefecture_gets_its_own_portal_first():
    for name, prefecture_portal in (("云南省大理白族自治州大理市人民政府", "www.dali.gov.cn"),
                                    ("湖北省恩施土家族苗族自治州恩施市人民政府", "www.enshi.gov.cn")):
        english = suggest(name).english
        assert english[0] != prefecture_portal and prefecture_portal not in english
        assert not any("xian." in d for d in english)  # a 市 is not a 县
    assert "www.lch.gov.cn" not in suggest("湖北省利川市人民政府").english


@pytest.mark.parametrize("unit,system", [
    ("湖北省利川市人民法院", "court"), ("湖北省利川市人民检察院", "procuratorate"),
    ("中共利川市委组织部", "party"), ("利川市人大常委会办公室", "congress"), ("政协利川市委员会办公室", "cppcc"),
])
def test_bodies_with_their_own_systems_are_not_held_to_government_department_domains(unit, system):
    advice = suggest(unit)
    assert advice.system == system and any("不属于政府网站" in n for n in advice.notes)
    assert advice.english == [] if system in ("court", "procuratorate") else advice.english  # offered, not demanded
    result = check("lcfy.hbfy.gov.cn" if system == "court" else "www.lcdj.gov.cn", unit)
    assert result.compliant and any("不属于政府网站" in n for n in result.notes)


def test_chinese_names_are_the_units_own():
    assert not any("发改委" in c or "委员会" in c for c in suggest("湖北省利川市发展和改革局").chinese)
    assert not any("委员会" in c for c in suggest("湖北省利川市住房和城乡建设局").chinese)
    assert "利川市住建局.政务" in suggest("湖北省利川市住房和城乡建设局").chinese
    party = suggest("中共利川市委组织部").chinese
    assert "利川市委组织部.政务" in party and "利川市组织部.政务" not in party
    assert not any("水利局" in c for c in suggest("湖北省利川市水利和湖泊局").chinese)


@pytest.mark.parametrize("name,label", [
    ("穆棱市", "muling"), ("绥棱县", "suileng"), ("佛冈县", "fogang"), ("覃塘区", "qintang"),
    ("宕昌县", "tanchang"), ("万柏林区", "wanbolin"), ("六枝特区", "luzhi"),
])
def test_polyphonic_place_readings(name, label):
    assert suggest(name + "人民政府").english[0] == f"www.{label}.gov.cn"


def test_a_towns_name_reads_as_a_place_name():
    assert "duting.lichuan.gov.cn" in suggest("湖北省利川市都亭街道办事处").english
    assert check("duting.lichuan.gov.cn", "湖北省利川市都亭街道办事处").compliant


def test_a_neighbours_domain_is_not_offered_for_cancellation(db):
    from bot.applications.records import cancel_candidates

    def setup(session):
        portal = Unit(name="利川市人民政府", kind="portal")
        ours = Unit(name="利川市商务局", kind="department")
        session.add_all([portal, ours])
        session.flush()
        session.add_all([Domain(unit_id=portal.id, name="www.lichuan.gov.cn"),
                         Domain(unit_id=ours.id, name="swj.lichuan.gov.cn"),
                         Domain(unit_id=ours.id, name="www.lcswj.com"),
                         Domain(unit_id=ours.id, name="swj.jianshi.gov.cn")])
        session.commit()

    db.call(setup)
    offered = db.call(lambda s: cancel_candidates(s, "利川市商务局"))
    assert "swj.jianshi.gov.cn" not in offered
    assert offered[0] == "www.lcswj.com" and "swj.lichuan.gov.cn" in offered


def test_the_report_never_suggests_a_name_another_unit_holds(db):
    from bot.registry.lookup import view_all, view_unit

    def setup(session):
        portal = Unit(name="武定县人民政府", kind="portal")
        civil = Unit(name="武定县民政局", kind="department")
        audit = Unit(name="武定县审计局", kind="department")
        session.add_all([portal, civil, audit])
        session.flush()
        session.add_all([Domain(unit_id=portal.id, name="www.wuding.gov.cn"),
                         Domain(unit_id=civil.id, name="sjj.wuding.gov.cn"),  # 民政局 holds 审计局's usual name
                         Domain(unit_id=audit.id, name="www.wdsjj.com")])
        session.commit()
        return audit.id

    audit_id = db.call(setup)
    assert check("www.wdsjj.com", "武定县审计局", "department").expected[0] == "sjj.wuding.gov.cn"
    views = [v for v in db.call(lambda s: list(view_all(s))) if v.unit.id == audit_id]
    expected = views[0].domains[0].expected
    assert expected and "sjj.wuding.gov.cn" not in expected
    single = db.call(lambda s: view_unit(s, s.get(Unit, audit_id)))
    assert single.domains[0].expected == expected


def test_the_cli_passes_over_registry_held_names_when_asked(db, capsys, monkeypatch):
    import json

    from bot.cli import main

    def setup(session):
        civil = Unit(name="武定县民政局", kind="department")
        session.add(civil)
        session.flush()
        session.add(Domain(unit_id=civil.id, name="sjj.wuding.gov.cn"))
        session.commit()

    db.call(setup)
    monkeypatch.setenv("DATABASE_URL", db.url.replace("postgresql+psycopg", "postgresql"))
    assert main(["suggest", "武定县审计局", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["english"][0] == "sjj.wuding.gov.cn"  # without the registry
    assert main(["suggest", "武定县审计局", "--registry", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert "sjj.wuding.gov.cn" not in out["english"] and any("武定县民政局" in n for n in out["notes"])


def test_a_portal_label_that_spells_no_place_is_not_called_another_regions():
    # Our department's label under a portal label no rule reads: perhaps ours, so the structure is questioned...
    assert [p.code for p in check("czj.wd2019.gov.cn", "武定县财政局").problems] == ["dept_not_under_portal"]
    # ...while another department's label there is a mismatch, and a label that spells another place is foreign.
    assert [p.code for p in check("gaj.wd2019.gov.cn", "武定县财政局").problems] == ["name_mismatch"]
    assert check("czj.tjhdq.gov.cn", "武定县财政局").foreign  # 天津 河东区: a region's spelling, then the place's


def test_any_shape_of_domain_must_name_the_unit():
    # a district's department under its city's portal is another region's for a province's 财政厅
    assert [p.code for p in check("czj.wuchang.wuhan.gov.cn", "湖南省财政厅").problems] == ["name_mismatch"]
    assert [p.code for p in check("czj.wuchang.wuhan.gov.cn", "湖北省武汉市武昌区财政局").problems] == [
        "dept_not_under_portal"]
    # a department's own old www name: the structure is wrong, and the label must still name the department
    assert [p.code for p in check("www.hbdrc.gov.cn", "河北省发展和改革委员会").problems] == ["dept_not_under_portal"]
    assert [p.code for p in check("www.hbdrc.gov.cn", "湖南省财政厅").problems] == ["dept_not_under_portal",
                                                                               "name_mismatch"]


def test_a_department_named_with_words_between_its_cores_is_found():
    from knowledge.units import find_department

    assert find_department("文化广播电视体育旅游局").name == "文化和旅游局"  # 文化…旅游, words between
    assert find_department("文体广电和旅游局").name == "文化和旅游局"  # 文体…旅
    assert check("wglj.wuding.gov.cn", "武定县文化广播电视体育旅游局").compliant  # 文广旅局
    assert find_department("住房和城市更新局") is None  # no known core in order: read by rule
