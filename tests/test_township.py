"""Towns and streets are a kind of their own; party organs, congress and CPPCC offices are named like departments."""
from __future__ import annotations

import pytest

from knowledge.naming import suggest
from knowledge.registry_model import read_kind
from knowledge.rules import check
from knowledge.units import parse_unit, qualify


@pytest.mark.parametrize("name,town", [
    ("武定县狮山镇人民政府", "狮山镇"), ("武定县狮山镇", "狮山镇"), ("狮山镇", "狮山镇"), ("武定县东坡傣族乡", "东坡傣族乡"),
    ("武定县狮山街道办事处", "狮山街道办事处"), ("楚雄市鹿城镇人民政府", "鹿城镇"),
])
def test_towns_are_read_with_or_without_the_county(name, town):
    unit = parse_unit(name)
    assert unit.kind == "township" and unit.town == town


def test_a_town_is_a_column_or_a_sub_domain_of_the_county_portal():
    advice = suggest("武定县狮山镇人民政府")
    assert advice.english[:2] == ["www.wuding.gov.cn/ssz/", "ssz.wuding.gov.cn"]
    assert any("政府网站发展指引" in n for n in advice.notes)
    assert suggest("武定县狮山镇人民政府", parent="www.wdx.gov.cn").english[1] == "ssz.wdx.gov.cn"
    for domain in advice.english:
        assert check(domain, "武定县狮山镇人民政府").compliant, domain
    ok = check("ssz.wuding.gov.cn", "武定县狮山镇人民政府")
    assert ok.compliant and any("发展指引" in n for n in ok.notes)
    own = check("wdssz.gov.cn", "武定县狮山镇人民政府")
    assert [p.code for p in own.problems] == ["township_own_domain"] and own.expected[0] == "www.wuding.gov.cn/ssz/"
    assert [p.code for p in check("ssz.com", "武定县狮山镇人民政府").problems] == ["not_gov_cn"]
    assert [p.code for p in check("abc.wuding.gov.cn", "武定县狮山镇人民政府").problems] == ["name_mismatch"]
    assert [p.code for p in check("ssz.wuding.gov.cn", "武定县狮山镇人民政府", parent="www.wdx.gov.cn").problems] == [
        "township_own_domain"]


@pytest.mark.parametrize("name,first", [
    ("中共武定县委组织部", "zzb.wuding.gov.cn"), ("武定县委宣传部", "xcb.wuding.gov.cn"),
    ("武定县人大常委会办公室", "rd.wuding.gov.cn"), ("政协武定县委员会办公室", "zx.wuding.gov.cn"),
    ("武定县不动产登记中心", "bdc.wuding.gov.cn"),
])
def test_organs_in_the_notice_get_department_style_domains(name, first):
    """Offered, not demanded, for party organs, 人大 and 政协 (tests/test_unit_names.py); courts and
    procuratorates get none: their systems hold their domains."""
    advice = suggest(name)
    assert advice.english[0] == first
    assert check(first, name).compliant


def test_names_without_a_place_are_read_in_the_region():
    region = "云南省楚雄彝族自治州武定县"
    assert qualify("教育局", region) == "武定县教育局"
    assert qualify("县融媒体中心", region) == "武定县融媒体中心"
    assert qualify("狮山镇", region) == "武定县狮山镇"
    assert qualify("禄丰县教育局", region) == "禄丰县教育局"
    assert qualify("教育局", "") == "教育局"
    assert read_kind("乡镇") == read_kind("乡镇（街道）") == "township"


def test_an_ip_address_site_is_named_as_such():
    result = check("http://10.2.3.4:8080/x", "武定县财政局")
    assert [p.code for p in result.problems] == ["ip_address"] and result.expected[0] == "czj.wuding.gov.cn"


def test_long_names_get_no_chinese_label_over_63_octets():
    from knowledge.naming import punycode

    advice = suggest("双江拉祜族佤族布朗族傣族自治县人民政府办公室")
    assert advice.chinese and all(punycode(c) for c in advice.chinese)
    for name in advice.chinese:
        assert check(name, "双江拉祜族佤族布朗族傣族自治县人民政府办公室").compliant
