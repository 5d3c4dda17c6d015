"""Any region (issue 26): a deployment outside 楚雄州 sees its own offices and places — 利川市 → 恩施州 → 湖北省 — in
help texts, usage lines, application forms and routes, the register's template and import fixes, and monitoring's
report; the policy documents stay cited as they are. A 武定县 deployment still reads 武定县 / 楚雄州 / 云南省."""
from __future__ import annotations

import io
import json
import re

import pytest

from bot.config.settings import load_settings
from knowledge.examples import MODEL_REGION, localize, region_words
from knowledge.offices import offices_above, plan_office, plan_office_words, read_place, region_chain, superior
from tests.support.env import TEST_TOKEN

LICHUAN = "湖北省恩施土家族苗族自治州利川市"
LICHUAN_OFFICES = ("利川市人民政府办公室", "恩施土家族苗族自治州人民政府办公室", "湖北省人民政府办公厅")
WUDING_OFFICES = ("武定县人民政府办公室", "楚雄彝族自治州人民政府办公室", "云南省人民政府办公厅")
SEED_WORDS = re.compile(r"楚雄|武定|云南|wuding|chuxiong|yunnan")  # the seed's places: never in another region's text
ADMIN = 42
CONTACT_LINE = "张三 办公室主任 13812345678 zs@example.cn"


def _above(region: str) -> list[tuple[str, str, str]]:
    return [(o.title, o.short, o.spoken) for o in offices_above(read_place(region))]


# -- the offices above a region (pure) ------------------------------------------------------------------------
@pytest.mark.parametrize(("region", "above"), [
    # a 县级市 under a 自治州: county level, its prefecture then its province
    ("利川市", [("恩施土家族苗族自治州人民政府办公室", "恩施州", "恩施州政府办"), ("湖北省人民政府办公厅", "湖北省", "湖北省政府办公厅")]),
    (LICHUAN, [("恩施土家族苗族自治州人民政府办公室", "恩施州", "恩施州政府办"), ("湖北省人民政府办公厅", "湖北省", "湖北省政府办公厅")]),
    # a county in a 地级市
    ("中牟县", [("郑州市人民政府办公室", "郑州市", "郑州市政府办"), ("河南省人民政府办公厅", "河南省", "河南省政府办公厅")]),
    # the seed's own county
    ("武定县", [("楚雄彝族自治州人民政府办公室", "楚雄州", "楚雄州政府办"), ("云南省人民政府办公厅", "云南省", "云南省政府办公厅")]),
    # a 直辖市's district, and a county of 重庆市 (whose 县 list is named 重庆市 too): the municipality's 办公厅 only
    ("北京市东城区", [("北京市人民政府办公厅", "北京市", "北京市政府办公厅")]),
    ("城口县", [("重庆市人民政府办公厅", "重庆市", "重庆市政府办公厅")]),
    # 省直辖县级行政单位: straight to the province
    ("仙桃市", [("湖北省人民政府办公厅", "湖北省", "湖北省政府办公厅")]),
    ("神农架林区", [("湖北省人民政府办公厅", "湖北省", "湖北省政府办公厅")]),
    # a county-level city under a 地区 and a 盟
    ("阿克苏市", [("阿克苏地区人民政府办公室", "阿克苏地区", "阿克苏地区政府办"),
                 ("新疆维吾尔自治区人民政府办公厅", "新疆维吾尔自治区", "新疆维吾尔自治区政府办公厅")]),
    ("乌兰浩特市", [("兴安盟人民政府办公室", "兴安盟", "兴安盟政府办"),
                  ("内蒙古自治区人民政府办公厅", "内蒙古自治区", "内蒙古自治区政府办公厅")]),
    # a prefecture, a prefecture-level city without counties, a province
    ("恩施州", [("湖北省人民政府办公厅", "湖北省", "湖北省政府办公厅")]),
    ("东莞市", [("广东省人民政府办公厅", "广东省", "广东省政府办公厅")]),
    ("湖北省", []),
])
def test_offices_above_a_region(region, above):
    assert _above(region) == above


def test_autonomous_prefectures_are_said_as_people_say_them():
    from knowledge.offices import short_place
    from knowledge.places import divisions

    said = {p.name: short_place(p) for p in divisions().by_code.values() if p.name.endswith("自治州")}
    assert len(said) == 30 and len(set(said.values())) == 30
    assert said["黔东南苗族侗族自治州"] == "黔东南州" and said["黔西南布依族苗族自治州"] == "黔西南州"
    assert said["西双版纳傣族自治州"] == "西双版纳州" and said["巴音郭楞蒙古自治州"] == "巴州"
    assert said["楚雄彝族自治州"] == "楚雄州" and said["恩施土家族苗族自治州"] == "恩施州"


def test_the_chain_starts_with_the_own_office_and_the_superior_is_the_next():
    chain = region_chain(LICHUAN)
    assert [o.title for o in chain] == list(LICHUAN_OFFICES)
    assert chain[0].level == "county" and chain[0].short == "利川市"  # a 县级市 is county level
    assert superior(read_place("利川市")).short == "恩施州" and superior(read_place("湖北省")) is None
    assert region_chain("") == region_chain("不存在的地方") == []


@pytest.mark.parametrize(("region", "office"), [
    ("利川市", "恩施州政府办"), ("恩施州", "恩施州政府办"), ("武定县", "楚雄州政府办"), ("中牟县", "郑州市政府办"),
    ("仙桃市", "湖北省政府办公厅"), ("北京市东城区", "北京市政府办公厅"), ("湖北省", "湖北省政府办公厅")])
def test_the_plan_office_is_the_prefectures_else_the_highest(region, office):
    """The seed's 州政府办公室 (a prefecture's plan) in each region: the office its units report to."""
    assert plan_office(read_place(region)).spoken == plan_office_words(region) == office
    assert plan_office_words("") == ""


# -- examples in the deployment's places (pure) -----------------------------------------------------------------
def test_examples_are_rewritten_into_the_deployments_places():
    text = ("/adddomain 武定县财政局 czj.wuding.gov.cn 在用；czxt.wdczj.com；/region 云南省楚雄彝族自治州武定县；"
            "县政府办 → 州政府办；楚雄州直部门")
    assert localize(text, LICHUAN) == (
        "/adddomain 利川市财政局 czj.lichuan.gov.cn 在用；czxt.lcczj.com；/region 湖北省恩施土家族苗族自治州利川市；"
        "利川市政府办 → 恩施州政府办；恩施州直部门")
    assert localize(text, "利川市") == localize(text, LICHUAN)  # the short region names the same place
    zhongmu = localize(text, "中牟县")
    assert "中牟县财政局 czj.zhongmu.gov.cn" in zhongmu and "河南省郑州市中牟县" in zhongmu
    assert "中牟县政府办 → 郑州市政府办" in zhongmu
    dongcheng = localize(text, "北京市东城区")
    assert "/region 北京市东城区" in dongcheng and "东城区政府办 → 北京市政府办公厅" in dongcheng
    assert "湖北省仙桃市" in localize(text, "仙桃市")
    for region in (LICHUAN, "中牟县", "北京市东城区", "仙桃市", "恩施州"):
        assert not SEED_WORDS.search(localize(text, region)), region


def test_the_seed_region_and_an_unknown_region_keep_the_text():
    text = "/suggest 武定县人力资源和社会保障局；县政府办 → 州政府办；www.wuding.gov.cn"
    for region in ("", "武定县", MODEL_REGION, "云南省武定县", "不是地名"):
        assert localize(text, region) == text
    # 禄丰市 shares the level above with the seed: only its own place changes
    assert localize(text, "禄丰市") == "/suggest 禄丰市人力资源和社会保障局；禄丰市政府办 → 州政府办；www.lufeng.gov.cn"


def test_citations_and_other_words_stay():
    """Document numbers, 各县 (every county), 全州 in a document's title: not examples, never rewritten."""
    text = "依据《全州政府网站域名清理工作方案》（楚政办函〔2019〕8号）、武政办函〔2019〕1号；各县政府办；/policy wd"
    assert localize(text, LICHUAN) == text
    words = region_words(LICHUAN)
    assert (words.full, words.label, words.initials) == (LICHUAN, "lichuan", "lc")


# -- the bot in a region --------------------------------------------------------------------------------------
@pytest.fixture(params=[LICHUAN, "武定县"])
def region(request) -> str:
    return request.param


@pytest.fixture
def settings(tmp_path, fake_api, region):
    return load_settings(
        telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake_api.base_url,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", bot_admin_ids=str(ADMIN), bot_region=region,
        monitor_enabled=False)


def _count(fake_api, chat: int = ADMIN) -> int:
    return sum(1 for c in fake_api.calls_to("sendMessage") if int(c.params.get("chat_id", 0)) == chat)


async def _say(fake_api, text: str, expect: str, user: int = ADMIN) -> str:
    before = _count(fake_api, user)
    fake_api.push_text(text, chat_id=user, user_id=user)
    return await _reply(fake_api, before, expect, user)


async def _press(fake_api, data: str, expect: str, user: int = ADMIN) -> str:
    before = _count(fake_api, user)
    fake_api.push_callback(data, fake_api.make_message("x", chat_id=user, user_id=777000111), user_id=user)
    return await _reply(fake_api, before, expect, user)


async def _reply(fake_api, before: int, expect: str, user: int) -> str:
    def found(calls):
        texts = [c.params.get("text", "") for c in calls
                 if c.method == "sendMessage" and int(c.params.get("chat_id", 0)) == user]
        return any(expect in t for t in texts[before:])

    assert await fake_api.until(found, timeout=15), f"no reply with {expect!r}; got {fake_api.sent_texts(user)[before:]}"
    return "\n".join(fake_api.sent_texts(user)[before:])


def _expected(region: str) -> tuple[str, str, tuple[str, ...]]:
    """(own place, the region written out, the offices) the replies must name; the seed's words are refused
    outside 楚雄州."""
    if region == LICHUAN:
        return "利川市", LICHUAN, LICHUAN_OFFICES
    return "武定县", MODEL_REGION, WUDING_OFFICES


def _foreign(region: str, text: str) -> list[str]:
    return SEED_WORDS.findall(text) if region == LICHUAN else []


async def test_start_help_and_usage_lines_name_the_deployments_places(running_bot, fake_api, region):
    own, full, _ = _expected(region)
    for command in ("/start", "/help"):
        text = await _say(fake_api, command, "政府网站域名助手")
        assert f"帮助{own}各单位" in text and f"/suggest {own}人力资源和社会保障局" in text
        assert f"/region {full}" in text and f"/adddomain {own}财政局" in text
        assert "楚政办函〔2019〕8号" in text  # the rules' source stays cited
        assert not _foreign(region, text), _foreign(region, text)
    for command, expect in (("/suggest", f"/suggest {own}人力资源和社会保障局"), ("/check", f"{own}人民政府"),
                            ("/adddomain", f"/adddomain {own}财政局"), ("/region", f"/region {full}"),
                            ("/monitor", "/monitor www.")):
        text = await _say(fake_api, command, expect)
        assert not _foreign(region, text), (command, text)
    text = await _say(fake_api, "/monitor http://x", "例如 www.")
    assert not _foreign(region, text), text
    text = await _say(fake_api, "/region 火星", "没有认出")
    assert f"例如 {full}" in text, text


async def test_an_application_of_the_education_bureau_names_the_regions_offices(running_bot, fake_api, region):
    own, _, offices = _expected(region)
    await running_bot.bot_data.warm_up
    await _say(fake_api, "/apply", "请选择申请的业务")
    await _press(fake_api, "ap:act:register", "申请单位全称")
    text = await _say(fake_api, "某局", "请写出完整名称")  # no place, nothing registered: the example is the region's
    assert f"{own}人力资源和社会保障局" in text and not _foreign(region, text)
    await _say(fake_api, f"{own}教育局", "请选择要注册的域名")
    await _press(fake_api, "ap:dom:0", "注册年限")
    await _press(fake_api, "ap:yr:10", "域名联系人")
    await _say(fake_api, CONTACT_LINE, "请核对后提交")
    text = await _press(fake_api, "ap:submit", "已登记申请")
    assert all(o in text for o in offices), text
    assert await fake_api.until(lambda calls: sum(c.method == "sendDocument" for c in calls) >= 2)
    docs = {c.params["_filename"].rsplit(".", 1)[1]: c.params["_file"] for c in fake_api.calls_to("sendDocument")}
    from docx import Document
    from openpyxl import load_workbook

    document = Document(io.BytesIO(docs["docx"]))
    docx_text = "\n".join([p.text for p in document.paragraphs]
                          + [cell.text for table in document.tables for row in table.rows for cell in row.cells])
    sheet = load_workbook(io.BytesIO(docs["xlsx"])).active
    xlsx_text = "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    for form in (docx_text, xlsx_text):
        assert f"{own}教育局" in form and all(o in form for o in offices), form
        assert not _foreign(region, form), _foreign(region, form)
    routes = await _say(fake_api, "/applications", offices[1])
    assert all(o in routes for o in offices) and not _foreign(region, routes)
    db = running_bot.bot_data.db
    from sqlmodel import select

    from bot.db.models import Application

    route = db.call(lambda s: json.loads(s.exec(select(Application.route)).one()))
    holders = [step["holder"] for step in route]
    assert [h for h in holders if h in offices] == list(offices)
    assert not _foreign(region, " ".join(holders))


@pytest.mark.parametrize("region", [""])
async def test_a_region_set_in_chat_is_the_one_the_help_speaks_of(running_bot, fake_api, region):
    await _say(fake_api, f"/region {LICHUAN}", "已设置本地区")
    text = await _say(fake_api, "/help", "政府网站域名助手")
    assert "帮助利川市各单位" in text and f"/region {LICHUAN}" in text and "/suggest 利川市人力资源和社会保障局" in text
    assert not SEED_WORDS.findall(text), SEED_WORDS.findall(text)
    text = await _say(fake_api, "/suggest", "用法")
    assert "/suggest 利川市人力资源和社会保障局" in text and not SEED_WORDS.findall(text)
    await _say(fake_api, "/region 默认", "已设置本地区")
    text = await _say(fake_api, "/help", "政府网站域名助手")  # no region: the examples as written
    assert "帮助各单位" in text and "/suggest 武定县人力资源和社会保障局" in text


@pytest.mark.parametrize(("region", "own", "above"), [
    ("楚雄彝族自治州", "楚雄彝族自治州", "云南省"), ("恩施州", "恩施土家族苗族自治州", "湖北省"),
    ("北京市东城区", "东城区", "北京市"), (LICHUAN, "利川市", "湖北省")])
def test_help_for_every_kind_of_region_names_its_own_place(region, own, above):
    """The help of a prefecture's deployment is the prefecture's (its own name is never rewritten as if it were
    the seed's 楚雄州, the level above a county)."""
    from handlers import applications, basics, domains, monitoring, naming, notices, records

    commands = [*basics.COMMANDS, *naming.COMMANDS, *records.COMMANDS, *domains.COMMANDS, *notices.COMMANDS,
                *monitoring.COMMANDS, *applications.COMMANDS]
    text = basics.help_text(commands, True, region)[0]
    assert f"帮助{own}各单位" in text and f"/suggest {own}人力资源和社会保障局" in text and f"/invite {own}财政局" in text
    assert f"/region {above}" in text
    if region != "楚雄彝族自治州":
        assert not SEED_WORDS.search(text), SEED_WORDS.findall(text)


def test_notes_with_the_seeds_example_follow_the_region_and_no_other_note_does():
    from knowledge.examples import note_text
    from knowledge.naming import NOTE_NO_PARENT, NOTE_NO_PLACE, suggest

    assert "利川市人力资源和社会保障局" in note_text(NOTE_NO_PLACE, LICHUAN)
    assert "例如“利川市××镇人民政府”" in note_text(NOTE_NO_PARENT, LICHUAN)  # 狮山镇 is 武定县's town
    assert note_text(NOTE_NO_PLACE, "") == NOTE_NO_PLACE and NOTE_NO_PLACE in suggest("某局").notes
    own = "与云南省楚雄彝族自治州武定县拼音相同，可加地区前缀区分"  # about the asker's own place: as the model said it
    assert note_text(own, LICHUAN) == own


async def test_a_unit_named_by_the_asker_is_never_rewritten(running_bot, fake_api, region):
    """Only the bot's own examples follow the region: a 利川 deployment asked about 武定县 answers about 武定县."""
    text = await _say(fake_api, "/suggest 武定县人力资源和社会保障局", "rsj.wuding.gov.cn")
    assert "武定县人力资源和社会保障局" in text


# -- files and reports -------------------------------------------------------------------------------------
@pytest.mark.parametrize("region", [LICHUAN, "武定县"])
def test_the_register_template_and_import_fixes_follow_the_region(tmp_path, region):
    from openpyxl import load_workbook

    from bot.registry.export import write_template
    from bot.registry.sheet_rows import parse_rows

    own, _, _ = _expected(region)
    path = tmp_path / "template.xlsx"
    write_template(path, region)
    notes = "\n".join(str(v) for row in load_workbook(path)["填写说明"].iter_rows(values_only=True) for v in row if v)
    assert f"例如 {own}人力资源和社会保障局" in notes and not _foreign(region, notes)
    assert ("rsj.lichuan.gov.cn" if region == LICHUAN else "rsj.wuding.gov.cn") in notes
    _, errors, _ = parse_rows(2, {"单位名称": "", "域名": "http://"}, region)
    assert f"例如 {own}教育体育局" in errors[0] and not _foreign(region, "\n".join(errors))


def test_an_impersonation_report_goes_to_the_regions_office():
    from bot.monitoring.service import alert_text
    from knowledge.monitoring import impersonation_report, todo_text

    office = plan_office_words(LICHUAN)
    report = impersonation_report("利川市人民政府", "www.lichuan.gov.cn", [("lichuan-gov.cn", ["1.2.3.4"], "")], office)
    assert report.splitlines()[2] == "恩施州政府办："
    assert "向恩施州政府办报告" in todo_text("lookalike_registered", office)
    assert "向州政府办报告" in todo_text("lookalike_registered")  # no region: the plan's words

    class Finding:
        code, message, basis = "lookalike_registered", "发现疑似冒名注册的相似域名", "五（四）"

    assert "向恩施州政府办报告" in alert_text("www.lichuan.gov.cn", None, Finding(), office)
