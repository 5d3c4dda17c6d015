"""Unit names, place readings, suggestions and the compliance check."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from knowledge.domains import looks_like_domain, parse_domain
from knowledge.naming import suggest
from knowledge.places import divisions, split_suffix
from knowledge.rules import check
from knowledge.units import parse_unit

# Readings a general pinyin dictionary gets wrong, from the issue and the place-name literature.
READINGS = {
    "长治市": "changzhi", "洪洞县": "hongtong", "单县": "shanxian", "六安市": "luan", "涡阳县": "guoyang",
    "蚌埠市": "bengbu", "朝阳市": "chaoyang", "繁峙县": "fanshi", "吕梁市": "lvliang", "歙县": "shexian",
    "乐亭县": "laoting", "乐清市": "yueqing", "长子县": "zhangzi", "闵行区": "minhang", "都昌县": "duchang",
    "漯河市": "luohe", "筠连县": "junlian", "泊头市": "botou", "蔚县": "yuxian", "浚县": "xunxian",
    "珲春市": "hunchun", "伽师县": "jiashi", "什邡市": "shifang", "六合区": "luhe", "荥经县": "yingjing",
    "阿勒泰地区": "aletai", "铅山县": "yanshan", "番禺区": "panyu", "亳州市": "bozhou", "长白朝鲜族自治县": "changbai",
}


@pytest.mark.parametrize("name,pinyin", READINGS.items())
def test_place_readings(name, pinyin):
    assert suggest(name + "人民政府").english[0] == f"www.{pinyin}.gov.cn"


@pytest.mark.parametrize("name,stem,suffix", [
    ("楚雄彝族自治州", "楚雄", "自治州"), ("黔东南苗族侗族自治州", "黔东南", "自治州"), ("碑林区", "碑林", "区"),
    ("莫力达瓦达斡尔族自治旗", "莫力达瓦", "自治旗"), ("沛县", "沛", "县"), ("管城回族区", "管城", "区"),
    ("神农架林区", "神农架", "林区"), ("巴音郭楞蒙古自治州", "巴音郭楞", "自治州"),
])
def test_split_suffix(name, stem, suffix):
    assert split_suffix(name) == (stem, suffix)


def test_parse_unit_names():
    unit = parse_unit("河北省唐山市丰南区人民政府")
    assert [p.name for p in unit.regions] == ["河北省", "唐山市"] and unit.place_name == "丰南区"
    assert unit.kind == "portal"
    unit = parse_unit("楚雄彝族自治州发展和改革委员会")
    assert unit.place.name == "楚雄彝族自治州" and unit.department.short == "发改委" and unit.kind == "department"
    unit = parse_unit("武定县人力资源和社会保障局")
    assert unit.department.abbr[0] == "rsj" and [p.name for p in unit.regions] == ["云南省", "楚雄彝族自治州"]
    assert parse_unit("山西省晋城市城区人民政府").place.code == "140502"  # not 阳泉's 城区
    assert parse_unit("禄丰县人民政府").place.name == "禄丰市"  # a county turned city keeps its old name
    assert parse_unit("武定县图书馆").kind is None  # an institution: the name cannot tell
    assert parse_unit("武定县政务服务平台").kind == "system"


def test_readings_without_pypinyin_phrases_match_readings_with_them():
    """The bot runs pypinyin without its phrase dictionary (memory); place_readings.yaml must make up for it."""
    script = ("import json; from knowledge.places import divisions, readings; "
              "print(json.dumps({p.code: ''.join(readings().syllables(p.stem)) for p in divisions().by_code.values()}))")
    results = []
    for value in ("true", ""):
        env = dict(__import__("os").environ, PYPINYIN_NO_PHRASES=value)
        out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120, check=True)
        results.append(json.loads(out.stdout))
    without, with_phrases = results
    assert {k for k in without if without[k] != with_phrases[k]} == set()


def test_every_place_in_the_table_parses_and_suggests():
    for place in list(divisions().by_code.values()):
        result = suggest(place.name + "人民政府")
        assert result.kind == "portal", place.name
        assert result.english and result.english[0].startswith("www.") and result.english[0].endswith(".gov.cn")


def test_suggest_portal_department_institution_system():
    assert suggest("歙县人民政府").english[0] == "www.shexian.gov.cn"
    same = suggest("铅山县人民政府")
    assert "www.jxyanshan.gov.cn" in same.english and any("盐山" in n for n in same.notes)
    dept = suggest("武定县人力资源和社会保障局")
    assert dept.english[0] == "rsj.wuding.gov.cn"
    assert dept.chinese[:2] == ["武定县人力资源和社会保障局.政务", "武定县人社局.政务"]
    assert suggest("武定县住房和城乡建设局").english[0] == "zjj.wuding.gov.cn"
    assert suggest("武定县财政局", parent="http://www.wd.gov.cn/").english[0] == "czj.wd.gov.cn"
    other = suggest("武定县人民医院")
    assert other.english == [] and any(".gov.cn" in n for n in other.notes)
    assert suggest("武定县图书馆").needs_kind
    assert suggest("武定县图书馆", kind="institution_admin").english[0].endswith(".wuding.gov.cn")
    assert suggest("武定县政务服务平台").english[0].startswith("www.wuding.gov.cn/")
    assert suggest("武定县人民政府").to_json()["chinese_ascii"][0].startswith("xn--")


@pytest.mark.parametrize("domain,unit,kind,code", [
    ("www.wuding.gov.cn", "武定县人民政府", None, None),
    ("WWW.WUDING.GOV.CN.", "武定县人民政府", None, None),
    ("https://www.wuding.gov.cn/zwgk/index.html", "武定县人民政府", None, None),
    ("www.bjfsh.gov.cn", "北京市房山区人民政府", None, None),
    ("www.ahshx.gov.cn", "安徽省黄山市歙县人民政府", None, None),
    ("www.jxyanshan.gov.cn", "江西省上饶市铅山县人民政府", None, None),
    ("www.zhangzhi.gov.cn", "长治市人民政府", None, "name_mismatch"),
    ("www.liuan.gov.cn", "六安市人民政府", None, "name_mismatch"),
    ("wuding.gov.cn", "武定县人民政府", None, "portal_not_www"),
    ("www.wuding.com", "武定县人民政府", None, "not_gov_cn"),
    ("rsj.wuding.gov.cn", "武定县人力资源和社会保障局", None, None),
    ("hrss.wuding.gov.cn", "武定县人力资源和社会保障局", None, None),
    ("www.wdrsj.gov.cn", "武定县人力资源和社会保障局", None, "dept_not_under_portal"),
    ("rsj.lufeng.gov.cn", "武定县人力资源和社会保障局", None, "name_mismatch"),  # another county's portal
    ("abc.wuding.gov.cn", "武定县人力资源和社会保障局", None, "name_mismatch"),
    ("rsj.wd.gov.cn", "武定县人力资源和社会保障局", None, None),
    ("czj.wd.gov.cn", "武定县财政局", None, None),
    ("www.wdxyy.gov.cn", "武定县人民医院", "institution_other", "institution_uses_gov_cn"),
    ("www.wdxyy.cn", "武定县人民医院", "institution_other", None),
    ("bsdt.wuding.gov.cn", "武定县网上办事大厅", "system", "system_as_site"),
    ("www.wuding.gov.cn/bsdt/", "武定县网上办事大厅", "system", None),
    ("武定县人民政府.政务", "武定县人民政府", None, None),
    ("武定县政府.政务", "武定县人民政府", None, None),
    ("武定县政府.中国", "武定县人民政府", None, "chinese_not_zhengwu"),
    ("禄丰县政府.政务", "武定县人民政府", None, "chinese_name_mismatch"),
    ("xn--gmq25jo2kfugc8hv5a.xn--zfr164b", "歙县人民政府", None, None),
    ("www.wu ding.gov.cn", "武定县人民政府", None, "invalid_syntax"),
    ("www.-wuding.gov.cn", "武定县人民政府", None, "invalid_syntax"),
])
def test_check_codes(domain, unit, kind, code):
    result = check(domain, unit, kind)
    codes = {p.code for p in result.problems}
    if code is None:
        assert result.compliant, codes
    else:
        assert code in codes and not result.compliant
        assert all(p.basis for p in result.problems)


def test_failed_check_names_the_domain_to_use():
    assert check("wuding.gov.cn").expected == ["www.wuding.gov.cn"]
    assert check("www.liuan.gov.cn", "六安市人民政府").expected[0] == "www.luan.gov.cn"
    assert check("www.wdrsj.gov.cn", "武定县人力资源和社会保障局").expected[0] == "rsj.wuding.gov.cn"


def test_parent_domain_decides_department_placement():
    assert check("rsj.wd.gov.cn", "武定县人力资源和社会保障局", parent="www.wd.gov.cn").compliant
    result = check("rsj.wuding.gov.cn", "武定县人力资源和社会保障局", parent="www.wd.gov.cn")
    assert {p.code for p in result.problems} == {"dept_not_under_portal"}


@pytest.mark.parametrize("text,expected", [
    ("wuding.gov.cn", True), ("https://www.wuding.gov.cn/x", True), ("武定县政府.政务", True),
    ("部门网站能自己注册gov.cn吗", False), ("联系人换了多久", False), ("1.5", False), ("", False),
])
def test_looks_like_domain(text, expected):
    assert looks_like_domain(text) is expected


def test_normalisation_is_idempotent():
    for raw in ["WWW.Wuding.GOV.CN.", "http://武定县政府。政务/a", "xn--gmq25jo2kfugc8hv5a.xn--zfr164b"]:
        first = parse_domain(raw)
        assert first.valid and parse_domain(first.ascii).ascii == first.ascii
        assert parse_domain(first.unicode).ascii == first.ascii


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin.encode() if stdin else None,
                          capture_output=True, timeout=120)


def test_cli_check_exit_codes_and_json():
    ok = _cli("check", "www.wuding.gov.cn", "--unit", "武定县人民政府", "--json")
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {"input": "www.wuding.gov.cn", "domain": "www.wuding.gov.cn",
                                     "unicode": "www.wuding.gov.cn", "compliant": True, "problems": [],
                                     "unit": "武定县人民政府", "kind": "portal"}
    bad = _cli("check", "wuding.gov.cn", "--json")
    assert bad.returncode == 1 and json.loads(bad.stdout)["problems"][0]["code"] == "portal_not_www"
    assert _cli("check").returncode == 2
    assert _cli("check", "x", "--kind", "nonsense").returncode == 2


def test_cli_suggest_and_batches():
    result = json.loads(_cli("suggest", "歙县人民政府", "--json").stdout)
    assert set(result) == {"unit", "kind", "place", "english", "chinese", "chinese_ascii", "notes"}
    assert result["english"][0] == "www.shexian.gov.cn"
    lines = ['{"unit": "六安市人民政府"}', '{"unit": ""}', '{"unit": "武定县财政局", "parent": "www.wd.gov.cn"}']
    out = [json.loads(x) for x in _cli("suggest", "--json", "--batch", stdin="\n".join(lines)).stdout.splitlines()]
    assert out[0]["english"][0] == "www.luan.gov.cn" and "error" in out[1] and out[2]["english"][0] == "czj.wd.gov.cn"
    lines = ['{"domain": "www.luan.gov.cn", "unit": "六安市人民政府"}', '{"unit": "x"}']
    out = [json.loads(x) for x in _cli("check", "--json", "--batch", stdin="\n".join(lines)).stdout.splitlines()]
    assert out[0]["compliant"] is True and "error" in out[1]
