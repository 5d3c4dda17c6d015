"""Bounded input: text cleaned where it enters, dates bounded, bombs refused, secrets never logged (issue 27,
items 3, 6 and 10)."""
from __future__ import annotations

import datetime as dt

import pytest

from knowledge.text import clean_text

POISON = "\x00\x07\x1b[31m\x85\u202e\u2066\ufffe\ud800\x0b\x0c"
STORED_POISON = "\x07\x1b[31m\x85\u202e\ufffe\x0b"  # what a database holds (no NUL, no lone surrogate)


# -- text cleaned at the door -----------------------------------------------------------------------------
def test_clean_text_removes_what_no_file_can_hold_and_keeps_lines():
    text = f"第一行\r\n第二{POISON}行\t完\u200d👩\u200d💻 e\u0301"
    assert clean_text(text) == "第一行\n第二[31m行\t完\u200d👩\u200d💻 é"
    assert clean_text("a\nb\tc", multiline=False) == "a b c"
    assert clean_text("x" * 50, limit=10) == "x" * 10
    assert clean_text(None) == ""


def test_a_message_cleaned_at_the_door_keeps_its_entities_on_their_text():
    from telegram import Update

    from bot.runtime.incoming import clean_update

    text = "/note\x00 @bot\u202e www.wuding.gov.cn 备\x07注"
    entities = [{"type": "bot_command", "offset": 0, "length": 6}, {"type": "mention", "offset": 7, "length": 4}]
    update = Update.de_json({"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": text, "entities": entities}}, None)
    message = clean_update(update).message
    assert message.text == "/note @bot www.wuding.gov.cn 备注"
    assert list(message.parse_entities().values()) == ["/note", "@bot"]
    clean = Update.de_json({"update_id": 2, "message": {
        "message_id": 2, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "干净的文字"}}, None)
    assert clean_update(clean) is clean


async def test_a_control_character_in_note_and_setstatus_never_breaks_report_or_export(running_bot, fake_api,
                                                                                       tmp_path):
    """Issue 27 item 6: one control character typed in /note or /setstatus made /report and export fail for good
    (notes are append-only). It is removed where it enters; the note is kept."""
    from sqlmodel import select

    from bot.db.models import Domain
    from tests.support.samples import ADMIN, import_as_admin

    await import_as_admin(fake_api, tmp_path)
    for text in (f"/note www.wdrsj.com 改版{POISON}完成", f"/setstatus www.wdrsj.com 待注销 已报{POISON}批"):
        seen = len(fake_api.calls_to("sendMessage"))
        fake_api.push_text(text, chat_id=ADMIN, user_id=ADMIN)
        assert await fake_api.until(lambda calls, seen=seen: len(fake_api.calls_to("sendMessage")) > seen)
    db = running_bot.bot_data.db
    notes = await db.run(lambda s: s.exec(select(Domain.notes).where(Domain.name == "www.wdrsj.com")).one())
    assert "改版[31m完成" in notes and "已报[31m批" in notes and clean_text(notes) == notes
    fake_api.push_text("/report", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any(c.method == "sendDocument" for c in calls), timeout=30)


def test_export_and_report_write_text_already_stored_with_control_characters(db, tmp_path):
    """A database written before the door was cleaned: the stored note still writes (cleaned as it is written)."""
    import openpyxl
    from sqlalchemy import update

    from bot.db.models import Domain
    from bot.registry.export import export_file
    from bot.registry.importer import import_file
    from bot.reporting.report import write_report
    from tests.support.samples import ROWS, xlsx

    import_file(db.call, xlsx(tmp_path, ROWS).read_bytes(), "in.xlsx", "test")
    db.call(lambda s: s.exec(update(Domain).where(Domain.name == "www.wdrsj.com").values(notes=f"旧{STORED_POISON}备注")))
    db.call(lambda s: export_file(s, tmp_path / "out.xlsx"))
    db.call(lambda s: export_file(s, tmp_path / "out.csv"))
    db.call(lambda s: write_report(s, tmp_path / "report.xlsx", dt.date(2026, 12, 1)))
    cells = [c.value for row in openpyxl.load_workbook(tmp_path / "out.xlsx").active.iter_rows() for c in row]
    assert "旧[31m备注" in cells
    assert "旧[31m备注" in (tmp_path / "out.csv").read_text(encoding="utf-8-sig")


# -- dates bounded ---------------------------------------------------------------------------------------
def test_a_campaign_step_dated_9999_is_refused_in_every_form():
    from bot.campaigns.files import read_campaign_file
    from knowledge.campaigns import CampaignError, parse_chat_campaign

    yaml_text = "title: 测试\ndeadlines:\n  - date: 9999-12-31\n    what: 报送\n"
    with pytest.raises(CampaignError, match="第3行 date（日期） 9999-12-31 超出范围"):
        read_campaign_file("c.yaml", yaml_text.encode())
    with pytest.raises(CampaignError, match="超出范围"):
        parse_chat_campaign("测试\n9999-12-31 报送")
    with pytest.raises(CampaignError, match="超出范围"):
        parse_chat_campaign("测试\n1999-12-31 报送")
    assert parse_chat_campaign(f"测试\n{dt.date.today().year + 1}-03-05 报送").milestones


def test_a_stored_step_dated_9999_does_not_stop_reminder_planning_for_everyone(db):
    """Issue 27 item 6: a campaign step on 9999-12-31 overflowed the working-day arithmetic and every planning
    run failed. One stored before dates were bounded is skipped; the other deadlines are still planned."""
    from sqlmodel import select

    from bot.campaigns import store
    from bot.db.models import Deadline, Delivery
    from bot.deadlines import events
    from bot.deadlines.planning import ReminderSettings, plan
    from knowledge.campaigns import Campaign, Milestone

    today = dt.date.today()
    poisoned = Campaign("bomb", "坏", "", "groups", (Milestone("bomb:s1", dt.date(9999, 12, 31), "做事", "", ""),))
    good = Campaign("good", "好", "", "groups", (Milestone("good:s1", today + dt.timedelta(days=20), "报送", "", ""),))
    for campaign in (poisoned, good):
        db.call(lambda s, c=campaign: store.save_campaign(s, c, "t"))
    db.call(events.sync_campaigns)
    # what a database written before the bound holds: the step's deadline, open
    db.call(lambda s: s.add(Deadline(key="campaign:bomb:s1", title="坏：做事", due=dt.date(9999, 12, 31),
                                     audience="groups")))
    settings = ReminderSettings(timezone=dt.UTC, send_time=dt.time(9), offsets=(5, 0), admins=frozenset({42}))
    db.call(lambda s: plan(s, settings, dt.datetime.now(dt.UTC)))
    keys = db.call(lambda s: s.exec(select(Delivery.key)).all())
    assert keys and all("9999" not in k for k in keys)


async def test_setstatus_and_setcontact_refuse_a_day_that_has_not_come(running_bot, fake_api, tmp_path):
    from tests.support.samples import ADMIN, import_as_admin

    await import_as_admin(fake_api, tmp_path)
    ahead = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    for text in (f"/setstatus www.wdrsj.com 公告中 {ahead}", f"/setcontact 武定县人民政府 王五 0878-8711999 {ahead}",
                 "/setstatus www.wdrsj.com 公告中 9999-12-31"):
        seen = len(fake_api.calls_to("sendMessage"))
        fake_api.push_text(text, chat_id=ADMIN, user_id=ADMIN)
        assert await fake_api.until(lambda calls, seen=seen: len(fake_api.calls_to("sendMessage")) > seen), text
        reply = fake_api.calls_to("sendMessage")[seen].params["text"]
        assert "还没到" in reply and "没有做任何修改" in reply, (text, reply)


def test_an_import_refuses_a_change_dated_in_the_future_and_an_expiry_centuries_ahead(db):
    from bot.registry.importer import import_file

    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    later = (dt.date.today() + dt.timedelta(days=900)).isoformat()
    text = ("单位名称,域名,状态,注册日期,到期日期,状态变更日期\n"
            f"武定县财政局,www.wdczj.cn,公告中,2019-01-01,{later},{future}\n"
            "武定县教育局,www.wdjyj.cn,在用,2019-01-01,9999-12-31,\n"
            "武定县民政局,www.wdmzj.cn,在用,1900-01-01,,\n")
    report = import_file(db.call, text.encode(), "a.csv", "test")
    assert not report.written
    errors = "\n".join(str(e) for e in report.errors)
    assert f"{future} 还没到" in errors, errors
    assert "9999-12-31 超出范围" in errors and "1900-01-01 太早" in errors and later not in errors


# -- bombs -----------------------------------------------------------------------------------------------
def _alias_bomb(levels: int = 10) -> bytes:
    """The billion laughs: each level nine aliases of the one before (10 levels: 554 bytes, ~30 GB expanded)."""
    lines = ["title: 炸弹", "a0: &a0 [" + ",".join(['"lol"'] * 9) + "]"]
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    lines.append(f"deadlines:\n  - date: *a{levels - 1}\n    what: x")
    return ("\n".join(lines) + "\n").encode()


def test_a_yaml_alias_bomb_is_refused_at_once():
    import time

    from bot.campaigns.files import read_campaign_file
    from knowledge.campaigns import CampaignError

    for data, said in ((_alias_bomb(), "锚点和别名"), (b"title: x\ndeadlines: " + b"[" * 5000 + b"]" * 5000, "YAML"),
                       (b"title: x\ndeadlines: !!python/object/apply:os.system [ls]", "标签"),
                       (b"title: x\n#" + b"x" * 300_000, "KB")):
        started = time.perf_counter()
        with pytest.raises(CampaignError, match=said):
            read_campaign_file("c.yaml", data)
        assert time.perf_counter() - started < 1.0


async def test_a_yaml_bomb_sent_in_chat_is_refused_and_other_chats_keep_their_answers(running_bot, fake_api):
    """Issue 27 item 3: a 554-byte alias bomb froze every chat for 32 s. It is refused, off the event loop."""
    import time

    from tests.support.samples import ADMIN

    fake_api.push_document("bomb.yaml", _alias_bomb(7), chat_id=ADMIN, user_id=ADMIN)  # 7 levels: ~5 s expanded
    started = time.perf_counter()
    fake_api.push_text("/help", chat_id=7001, user_id=7001)
    assert await fake_api.until(lambda calls: fake_api.sent_texts(7001))
    assert await fake_api.until(lambda calls: any("锚点和别名" in c.params.get("text", "")
                                                  for c in fake_api.calls_to("sendMessage")))
    assert time.perf_counter() - started < 3.0


def _with_sheet_xml(rows: list[list], merges: list[str]) -> bytes:
    """A workbook of `rows` whose sheet XML also declares the merged ranges `merges` (written into the XML:
    openpyxl would make a cell object per merged cell)."""
    import io
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    plain = io.BytesIO()
    book.save(plain)
    source, out = zipfile.ZipFile(plain), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                cells = "".join(f'<mergeCell ref="{m}"/>' for m in merges)
                data = data.replace(b"</sheetData>", f'</sheetData><mergeCells count="{len(merges)}">{cells}'
                                                     f"</mergeCells>".encode())
            target.writestr(info, data)
    return out.getvalue()


def test_a_workbook_of_merged_ranges_costs_bounded_time_and_memory():
    """Issue 27 item 3: a 2 KB workbook of merged cells used 1 GB (4 KB: MemoryError), each range expanded cell by
    cell. Ranges are cut to the cells the sheet has and followed row by row; too many covered cells are refused."""
    import time
    import tracemalloc

    from bot.registry.sheets import SpreadsheetError, read_table

    header = [["单位名称", "域名"], ["武定县财政局", "www.wdczj.cn"]]
    tiny = _with_sheet_xml(header, ["A3:F100000"] * 5000 + [f"{c}3:{c}100000" for c in "ABCDEFGH"])
    assert len(tiny) < 8_000
    tracemalloc.start()
    started = time.perf_counter()
    assert [record for _, record, _ in read_table(tiny, "b.xlsx")] == [{"单位名称": "武定县财政局", "域名": "www.wdczj.cn"}]
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.perf_counter() - started < 2.0 and peak < 30 * 1024 * 1024, peak

    rows = header + [[f"武定县单位{i}", f"d{i}.wuding.gov.cn"] for i in range(2000)]
    overlapping = _with_sheet_xml(rows, [f"A3:B{len(rows)}"] * 800)  # 800 × 4,000 cells over the same rows
    with pytest.raises(SpreadsheetError, match="合并单元格合计超过"):
        list(read_table(overlapping, "b.xlsx"))
    with pytest.raises(SpreadsheetError, match="处合并单元格"):
        list(read_table(_with_sheet_xml(header, ["A3:A4"] * 100_001), "b.xlsx"))


def test_merged_unit_names_are_still_filled_down_their_rows():
    from bot.registry.sheets import read_table

    rows = [["单位名称", "域名", "联系人"], ["武定县财政局", "a.wdczj.cn", "张三"], [None, "b.wdczj.cn", None],
            [None, "c.wdczj.cn", None], ["武定县教育局", "d.wdjyj.cn", "李四"], [None, "e.wdjyj.cn", "王五"]]
    data = _with_sheet_xml(rows, ["A2:A4", "C2:C4", "A5:A6"])
    got = [(r["单位名称"], r["域名"], r.get("联系人")) for _, r, _ in read_table(data, "b.xlsx")]
    assert got == [("武定县财政局", "a.wdczj.cn", "张三"), ("武定县财政局", "b.wdczj.cn", "张三"),
                   ("武定县财政局", "c.wdczj.cn", "张三"), ("武定县教育局", "d.wdjyj.cn", "李四"),
                   ("武定县教育局", "e.wdjyj.cn", "王五")]


def _allocate(_job: int, size: int) -> int:
    return len(bytearray(size))


def _address_space_limit(_job: int) -> int:
    import resource

    return resource.getrlimit(resource.RLIMIT_AS)[0]


async def test_the_worker_has_bounded_memory_and_a_job_beyond_it_fails_alone(db, tmp_path):
    """A file that needs more memory than any registry fails its own job, the worker is started afresh, and the
    bot's process (this one) is untouched."""
    import resource

    from bot import workers
    from bot.workers.jobs import WORKER_MEMORY_LIMIT
    from tests.support.samples import ROWS, xlsx

    assert await workers._submit(_address_space_limit) == WORKER_MEMORY_LIMIT
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != WORKER_MEMORY_LIMIT  # the bot's own stays as it was
    with pytest.raises(workers.WorkerFailed, match="MemoryError"):
        await workers._submit(_allocate, WORKER_MEMORY_LIMIT + (64 << 20))
    assert workers._pool is None  # the next job gets a new process
    assert await workers._submit(_allocate, 1 << 20) == 1 << 20
    data = xlsx(tmp_path, ROWS).read_bytes()
    report = await workers.import_registry(db, data, "in.xlsx", "test")
    assert report.written


async def test_an_import_whose_worker_dies_gets_a_chinese_refusal(db, tmp_path, monkeypatch):
    import os

    from bot import workers
    from bot.registry.sheets import SpreadsheetError
    from tests.support.samples import ROWS, xlsx

    monkeypatch.setattr(workers.jobs, "import_registry", _die)
    with pytest.raises(SpreadsheetError, match="内存上限"):
        await workers.import_registry(db, xlsx(tmp_path, ROWS).read_bytes(), "in.xlsx", "test")
    assert os.getpid()  # still here


def _die(*_args):
    import os

    os._exit(9)


# -- secrets never logged --------------------------------------------------------------------------------
async def test_debug_logs_of_a_file_download_never_show_the_token(running_bot, fake_api, tmp_path, capsys):
    """Issue 27 item 10: at LOG_LEVEL=DEBUG httpx logged the file download URL with the token's colon
    percent-encoded (/file/bot123%3AAA…), which the redaction did not recognise."""
    import logging

    from bot.config.logs import setup_logging
    from tests.support.env import TEST_TOKEN
    from tests.support.samples import import_as_admin

    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("httpx").level
    setup_logging("DEBUG", TEST_TOKEN, "webhook-secret_0123456789")
    try:
        await import_as_admin(fake_api, tmp_path)  # downloads the file through /file/bot<token>/…
    finally:
        root.handlers[:], level, httpx_level = saved
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(httpx_level)
    err = capsys.readouterr().err
    assert "/file/bot<secret>/documents/" in err  # the download was logged, redacted
    secret_part = TEST_TOKEN.split(":")[1]
    assert secret_part not in err and secret_part[:20] not in err


def test_the_token_is_redacted_in_every_encoding():
    import base64
    import json
    from urllib.parse import quote, quote_plus

    from bot.config.logs import RedactTokenFilter
    from tests.support.env import TEST_TOKEN

    redact = RedactTokenFilter(TEST_TOKEN)._redact
    forms = [TEST_TOKEN, quote(TEST_TOKEN, safe=""), quote(TEST_TOKEN, safe="").lower(), quote_plus(TEST_TOKEN),
             quote(quote(TEST_TOKEN, safe=""), safe=""), json.dumps(TEST_TOKEN)[1:-1], TEST_TOKEN.encode().hex(),
             base64.b64encode(TEST_TOKEN.encode()).decode(), "".join(f"%{b:02x}" for b in TEST_TOKEN.encode())]
    for form in forms:
        assert TEST_TOKEN.split(":")[1][:10] not in redact(f"GET /x/{form}/y"), form
        assert "secret" in redact(f"GET /x/{form}/y") or "token" in redact(f"GET /x/{form}/y"), form
    assert "<token>" in RedactTokenFilter()._redact("/bot987654321%3ABBBotherTokenShaped-abcdefghij/getMe")


# -- the command line ------------------------------------------------------------------------------------
GOOD_SPEC = {"action": "register", "unit": "武定县财政局", "domains": ["czj.wuding.gov.cn"], "years": 1,
             "contact": {"name": "张三", "post": "主任", "phone": "0878-8711677", "email": "zs@example.cn"}}


def _odd_specs() -> list[tuple[object, str]]:
    import json

    good = json.dumps(GOOD_SPEC)
    return [({**GOOD_SPEC, "kind": ["portal"]}, "kind 须为文字"), ({**GOOD_SPEC, "kind": "mayor"}, "kind 须为 portal"),
            ("[" * 30000 + "]" * 30000, "嵌套过深"), ('{"a": ' * 5 + "1" + "}" * 5, "嵌套过深"),
            (good[:-1] + ', "years": 1' + "0" * 5000 + "}", "数字过长"), ({**GOOD_SPEC, "years": True}, "years 须为整数或文字"),
            ({**GOOD_SPEC, "contact": {"name": ["x"]}}, "contact"), ("[1, 2]", "JSON 对象"), ("x" * 70000, "超过 64 KB")]


@pytest.mark.parametrize(("value", "said"), _odd_specs())
def test_domainbot_apply_refuses_an_odd_spec_in_one_chinese_line(tmp_path, capsys, value, said):
    """Issue 27 item 10: a list `kind`, deep JSON, a 5000-digit year … each ended in a traceback."""
    import json

    from bot.cli import main

    spec = tmp_path / "spec.json"
    spec.write_text(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False), encoding="utf-8")
    assert main(["apply", str(spec), "--out", str(tmp_path / "form.docx")]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert not (tmp_path / "form.docx").exists()


def test_domainbot_apply_cleans_control_characters_and_names_a_missing_folder(tmp_path, capsys):
    import json

    import docx

    from bot.cli import main

    spec = tmp_path / "spec.json"
    poisoned = {**GOOD_SPEC, "unit": "武定县\x00财政局\u202e", "reason": "原因\x0b说明",
                "contact": {**GOOD_SPEC["contact"], "name": "张\x07三"}}
    spec.write_text(json.dumps(poisoned), encoding="utf-8")
    assert main(["apply", str(spec), "--out", str(tmp_path / "missing" / "form.docx")]) == 2
    assert capsys.readouterr().err.strip() == f"输出文件夹不存在：{tmp_path / 'missing'}（请先建好文件夹）"
    assert main(["apply", str(spec), "--out", str(tmp_path / "form.docx"), "--out", str(tmp_path / "form.xlsx")]) == 0
    text = "\n".join(c.text for t in docx.Document(str(tmp_path / "form.docx")).tables for r in t.rows for c in r.cells)
    assert "武定县财政局" in text and "张三" in text


def test_cli_suggest_and_check_read_names_in_the_region_chat_uses(tmp_path, monkeypatch, capsys):
    """Issue 27 item 10: `domainbot suggest 教育局` ignored BOT_REGION (chat honours it), and the region an admin
    set with /region. The CLI now takes it from the same source; a database that does not exist is not created."""
    import json

    from bot.cli import main, naming
    from bot.db.storage import Database
    from bot.registry import region

    def suggested(*args: str) -> dict:
        naming.office_region.cache_clear()
        region._cache.clear()
        capsys.readouterr()
        main(["suggest", *args, "--json"])
        return json.loads(capsys.readouterr().out)

    path = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("BOT_REGION", "云南省楚雄彝族自治州武定县")
    assert suggested("教育局")["unit"] == "武定县教育局" and not path.exists()
    assert "jyj.wuding.gov.cn" in suggested("教育局")["english"]
    naming.office_region.cache_clear()
    assert main(["check", "www.jyj.cn", "--unit", "教育局", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["unit"] == "武定县教育局"

    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.call(lambda s: region.set_region(s, "云南省楚雄彝族自治州禄丰市", "test"))
    db.dispose()
    assert suggested("教育局")["unit"].startswith("禄丰")  # /region comes first, as in chat
    monkeypatch.delenv("BOT_REGION")
    assert suggested("武定县财政局")["unit"] == "武定县财政局"  # a name with its place is taken as written


# -- a stalled database ----------------------------------------------------------------------------------
async def test_help_is_answered_at_once_while_other_chats_wait_on_a_stalled_database(running_bot, fake_api):
    """Issue 27 item 3: with the database stalled, /help (which needs none) waited 40 s behind 40 updates that
    each waited 4 s on it, 4 at a time. An update gives up its place while it waits on the database."""
    import threading
    import time

    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up  # the stall comes while the bot runs, not during its start-up warm-up
    stalled = threading.Event()
    real_call = db.call

    def stalled_call(fn, *args):
        stalled.wait(30)
        return real_call(fn, *args)

    db.call = stalled_call
    try:
        for chat in range(7100, 7112):  # guests: their role is read from the database
            fake_api.push_text("/status 教育局", chat_id=chat, user_id=chat)
        started = time.perf_counter()
        fake_api.push_text("/help", chat_id=7200, user_id=7200)
        assert await fake_api.until(lambda calls: fake_api.sent_texts(7200), timeout=15)
        assert time.perf_counter() - started < 1.5
        assert await fake_api.until(lambda calls: all(fake_api.sent_texts(c) for c in range(7100, 7112)), timeout=15)
        assert all("数据库暂时不可用" in fake_api.sent_texts(c)[0] for c in range(7100, 7112))
    finally:
        stalled.set()
        db.call = real_call


def test_an_import_with_control_characters_stores_clean_text_that_exports(db, tmp_path):
    from sqlmodel import select

    from bot.db.models import Domain
    from bot.registry.export import export_file
    from bot.registry.importer import import_file

    text = f"单位名称,域名,备注\n武定县\u202e财政局,www.wdczj.cn,改版{STORED_POISON}完成\n"
    assert import_file(db.call, text.encode(), "a.csv", "test").written
    notes = db.call(lambda s: s.exec(select(Domain.notes)).one())
    assert clean_text(notes) == notes and "改版" in notes and "完成" in notes
    db.call(lambda s: export_file(s, tmp_path / "out.xlsx"))



async def test_an_apply_reason_with_control_characters_makes_its_form_once(running_bot, fake_api):
    """Issue 27 item 6: a control character in an /apply reason registered the application, said the form was made,
    then crashed writing it (each retry added another). The reason is cleaned where it enters."""
    import json

    from sqlmodel import select

    from bot.db.models import Application
    from tests.support.samples import ADMIN

    async def answer(text: str | None = None, button: str | None = None) -> None:
        seen = len(fake_api.sent_texts(ADMIN))
        if button:
            fake_api.push_callback(button, fake_api.make_message("x", chat_id=ADMIN, user_id=777000111), user_id=ADMIN)
        else:
            fake_api.push_text(text, chat_id=ADMIN, user_id=ADMIN)
        assert await fake_api.until(lambda calls: len(fake_api.sent_texts(ADMIN)) > seen, timeout=15), (text, button)

    for text, button in (("/apply", None), (None, "ap:act:change_holder"), ("武定县人民政府", None),
                         ("www.wuding.gov.cn", None), ("张三 办公室主任 0878-8711677 zs@example.cn", None),
                         ("划转\x07给\u202e县融媒体中心\x1b", None), (None, "ap:submit")):
        await answer(text, button)
    assert await fake_api.until(lambda calls: len(fake_api.calls_to("sendDocument")) >= 2, timeout=20)
    specs = running_bot.bot_data.db.call(lambda s: s.exec(select(Application.spec)).all())
    assert len(specs) == 1 and json.loads(specs[0])["reason"] == "划转给县融媒体中心"


def test_a_note_written_by_a_service_call_is_cleaned_too(db, tmp_path):
    from sqlmodel import select

    from bot.db.models import Domain
    from bot.registry.edits import add_note, set_status
    from bot.registry.importer import import_file

    import_file(db.call, "单位名称,域名\n武定县财政局,www.wdczj.cn\n".encode(), "a.csv", "test")
    db.call(lambda s: add_note(s, "www.wdczj.cn", "cli", f"备{STORED_POISON}注"))
    db.call(lambda s: set_status(s, "www.wdczj.cn", "cli", "待注销", note=f"理{STORED_POISON}由"))
    notes = db.call(lambda s: s.exec(select(Domain.notes)).one())
    assert clean_text(notes) == notes and "备[31m注" in notes and "理[31m由" in notes


def test_command_line_text_is_cleaned_where_it_enters(tmp_path, monkeypatch, capsys):
    from sqlmodel import select

    from bot.cli import main
    from bot.db.models import Delivery
    from bot.db.storage import Database

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    at = (dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
    assert main(["remind", "--chat", "-1001", "--at", at, "--text", f"开会{STORED_POISON}材料"]) == 0
    db = Database(url)
    try:
        text = db.call(lambda s: s.exec(select(Delivery.text)).one())
    finally:
        db.dispose()
    assert "开会[31m材料" in text and clean_text(text) == text
