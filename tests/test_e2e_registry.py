"""The registry through the bot: permissions on every update, import by document, report, invites."""
from __future__ import annotations

import asyncio
import io
import json
import re

from openpyxl import load_workbook

from tests.support.samples import ADMIN, GUEST, ROWS, import_as_admin


async def test_guest_is_told_how_to_register(running_bot, fake_api):
    fake_api.push_text("/status www.wuding.gov.cn", chat_id=GUEST, user_id=GUEST)
    assert "绑定链接" in (await fake_api.messages(1))[0]
    fake_api.push_text("/setstatus www.wuding.gov.cn 闲置", chat_id=GUEST, user_id=GUEST)
    assert "只有管理员" in (await fake_api.messages(2))[1]


async def test_admin_imports_a_document_with_progress_and_report(running_bot, fake_api, tmp_path):
    texts = await import_as_admin(fake_api, tmp_path)
    assert any("新增单位 4" in t for t in texts)
    assert any(c.method == "editMessageText" and "导入完成" in c.params.get("text", "") for c in fake_api.calls)
    fake_api.push_text("/status 武定县人力资源社会保障局", chat_id=ADMIN, user_id=ADMIN)  # misspelt on purpose
    await fake_api.until(lambda calls: any("rsj.wuding.gov.cn" in c.params.get("text", "") for c in calls))
    fake_api.push_text("/report", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any(c.method == "sendDocument" for c in calls), timeout=20)
    sent = fake_api.calls_to("sendDocument")[0].params
    assert sent["_filename"].endswith(".xlsx")
    assert "域名登记" in load_workbook(io.BytesIO(sent["_file"]), read_only=True).sheetnames  # streamed whole


async def test_bad_upload_changes_nothing(running_bot, fake_api, tmp_path):
    rows = [r[:] for r in ROWS]
    rows[2][3] = "bad..domain"
    texts = await import_as_admin(fake_api, tmp_path, rows)
    assert any("第4行" in t for t in texts) and any("未写入" in t for t in texts)
    assert not any("--" in t or "domainbot" in t for t in texts)  # no command-line option offered in a chat
    fake_api.push_document("broken.xlsx", b"PK\x03\x04garbage", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("导入失败" in c.params.get("text", "") for c in calls), timeout=20)
    fake_api.push_document("photo.jpg", b"\xff\xd8\xff", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any(".xls 或 .csv" in c.params.get("text", "") for c in calls))
    fake_api.push_text("/status www.wuding.gov.cn", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("没有找到" in c.params.get("text", "") for c in calls))


async def test_invite_links_a_contact_who_can_then_look_up_but_not_edit(running_bot, fake_api, tmp_path):
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("/invite 武定县财政局", chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: any("t.me/" in c.params.get("text", "") for c in calls))
    link = next(t for t in fake_api.sent_texts(ADMIN) if "t.me/" in t)
    code = re.search(r"start=([\w-]+)", link).group(1)
    fake_api.push_text(f"/start {code}", chat_id=GUEST, user_id=GUEST)
    assert await fake_api.until(lambda calls: any("绑定成功" in c.params.get("text", "") for c in calls))
    fake_api.push_text("/status czj.wuding.gov.cn", chat_id=GUEST, user_id=GUEST)
    assert await fake_api.until(lambda calls: any("公告期满" in c.params.get("text", "") for c in calls))
    fake_api.push_text(f"/start {code}", chat_id=7777, user_id=7777)  # the link is single use
    assert await fake_api.until(lambda calls: any("已被使用" in c.params.get("text", "") for c in calls))
    # A contact pressing an admin-only button is refused, checked on the press itself.
    message = fake_api.make_message("x", chat_id=GUEST, user_id=777000111)
    fake_api.push_callback("sv:1:2", message, user_id=GUEST)
    assert await fake_api.until(lambda calls: any(c.method == "answerCallbackQuery" and "管理员" in c.params.get("text", "")
                                                  for c in calls))


async def test_admin_changes_status_by_button_and_history_shows_it(running_bot, fake_api, tmp_path):
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("/status www.wdrsj.com", chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: any("reply_markup" in c.params and "ss:" in c.params["reply_markup"] for c in calls))
    markup = next(json.loads(c.params["reply_markup"]) for c in fake_api.calls_to("sendMessage") if "ss:" in c.params.get("reply_markup", ""))
    button = next(row[0]["callback_data"] for row in markup["inline_keyboard"] if "wdrsj" in row[0]["text"])
    message = fake_api.make_message("x", chat_id=ADMIN, user_id=777000111)
    fake_api.push_callback(button, message, user_id=ADMIN)
    await fake_api.until(lambda calls: any("sv:" in c.params.get("reply_markup", "") for c in calls))
    domain_id = button.split(":")[1]
    fake_api.push_callback(f"sv:{domain_id}:3", message, user_id=ADMIN)  # 待注销
    assert await fake_api.until(lambda calls: any("已更新" in c.params.get("text", "") for c in calls))
    fake_api.push_text("/history www.wdrsj.com", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("telegram:42" in c.params.get("text", "") and "状态：在用 → 待注销" in c.params.get("text", "")
                                                  for c in calls))


async def test_suggestions_use_the_portal_the_registry_knows(running_bot, fake_api, tmp_path):
    rows = [["武定县人民政府", "政府门户网站", "", "www.wd.gov.cn", "是", "规范在用"] + [""] * 11,
            ["武定县民政局", "政府部门网站", "", "sjj.wd.gov.cn", "", "不规范"] + [""] * 11]
    await import_as_admin(fake_api, tmp_path, rows)
    fake_api.push_text("/suggest 武定县审计局", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("sjj.wd.gov.cn" in c.params.get("text", "") for c in calls))
    text = next(c.params["text"] for c in fake_api.calls_to("sendMessage") if "sjj.wd.gov.cn" in c.params.get("text", ""))
    assert "已登记为“武定县民政局”的域名" in text
    assert "推荐英文域名：<code>sjj.wd.gov.cn" not in text  # never offered: the model's next spelling instead


async def test_a_question_about_a_registered_domain_uses_the_registered_unit(running_bot, fake_api, tmp_path):
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("我们的网站还在用 www.wdrsj.com，怎么办", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("rsj.wuding.gov.cn" in c.params.get("text", "") for c in calls))
    reply = next(t for t in fake_api.sent_texts(ADMIN) if "www.wdrsj.com" in t)
    assert "不合规" in reply and "公告3个月" in reply and "<blockquote>" in reply
    # A guest gets the rules, not the registry's unit.
    fake_api.push_text("我们的网站还在用 www.wdrsj.com，怎么办", chat_id=GUEST, user_id=GUEST)
    assert await fake_api.until(lambda calls: any(c.params.get("chat_id") in (GUEST, str(GUEST)) and "不合规" in c.params.get("text", "")
                                                  for c in calls))
    assert not any("rsj.wuding.gov.cn" in t for t in fake_api.sent_texts(GUEST))


async def test_chat_edits_cover_the_clean_up(running_bot, fake_api, tmp_path):
    """Dated status changes with appended notes, contact replacement, adding a domain and marking the 主域名,
    the region, and lookups by short name and phone (issue 11)."""
    await import_as_admin(fake_api, tmp_path)

    async def say(text: str, expect: str) -> str:
        seen = len(fake_api.calls_to("sendMessage"))
        fake_api.push_text(text, chat_id=ADMIN, user_id=ADMIN)
        assert await fake_api.until(lambda calls: any(expect in c.params.get("text", "")
                                                      for c in fake_api.calls_to("sendMessage")[seen:])), text
        return next(c.params["text"] for c in fake_api.calls_to("sendMessage")[seen:] if expect in c.params.get("text", ""))

    await say("/setstatus www.wdrsj.com 公告中 2019-02-25 已迁移至 rsj.wuding.gov.cn", "已更新")
    shown = await say("/status www.wdrsj.com", "公告期满")
    assert "2019-05-27" in shown  # 3 months end on Saturday 05-25: the next working day
    fake_api.push_text("/history www.wdrsj.com", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("2019-02-25" in c.params.get("text", "") and "已迁移至" in c.params.get("text", "")
                                                  for c in calls))
    replaced = await say("/setcontact 武定县人民政府 王五 0878-8711999 2019-03-01", "已登记联系人")
    assert "张晓霞" in replaced and "20个工作日" in replaced
    await say("/adddomain 武定县人力资源和社会保障局 武定县人社局.政务 在用", "单位：武定县人力资源和社会保障局")
    await say("/primary 武定县人社局.政务", "为主域名")
    await say("/region 云南省楚雄彝族自治州武定县", "已设置本地区")
    found = await say("/status 人社局", "武定县人力资源和社会保障局</b>")
    assert "武定县人社局.政务</code>（主域名）" in found
    await say("/status 8711999", "王五")
    await say("/setstatus www.wdrsj.com 乱写", "无法识别")
    await say("/deldomain 武定县人社局.政务", "已从登记册删除")


async def test_a_sheet_with_only_its_header_says_so(running_bot, fake_api, tmp_path):
    from tests.support.samples import xlsx

    fake_api.push_document("空表.xlsx", xlsx(tmp_path, [], "empty.xlsx").read_bytes(), chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any("表中没有数据行" in c.params.get("text", "") for c in calls), timeout=20)
    assert await fake_api.until(lambda calls: any(c.method == "editMessageText" and c.params.get("text") == "导入未完成。"
                                                  for c in calls))


async def test_the_report_survives_a_flood_wait_and_a_slow_answer(running_bot, fake_api, tmp_path):
    """Telegram's 429 is waited out and the workbook sent again from its file; an answer slower than the 5 s
    meant for short messages is waited for (the clerk got an error while the file still arrived)."""
    await import_as_admin(fake_api, tmp_path)
    fake_api.fail_next("sendDocument", 429, "Too Many Requests: retry after 1", {"retry_after": 1})
    fake_api.push_text("/report", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: len(fake_api.calls_to("sendDocument")) == 2, timeout=30)
    sent = fake_api.calls_to("sendDocument")[1].params["_file"]
    assert "域名登记" in load_workbook(io.BytesIO(sent), read_only=True).sheetnames
    fake_api.delays["sendDocument"] = 6.0
    fake_api.push_text("/report", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: len(fake_api.calls_to("sendDocument")) == 3, timeout=30)
    await asyncio.sleep(0.5)
    assert not any("出错" in t for t in fake_api.sent_texts(ADMIN))


async def test_a_bare_domain_is_checked_as_the_unit_the_registry_holds_it_for(running_bot, fake_api, tmp_path):
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("www.wdxrmyy.gov.cn", chat_id=ADMIN, user_id=ADMIN)  # 武定县人民医院's, a non-administrative institution
    assert await fake_api.until(lambda calls: any("wdxrmyy" in c.params.get("text", "") and "不符合" in c.params.get("text", "")
                                                  for c in calls))
    reply = next(t for t in fake_api.sent_texts(ADMIN) if "wdxrmyy" in t and "不符合" in t)
    assert "事业单位" in reply and "门户网站应使用" not in reply
    fake_api.push_text("rsj.wuding.gov.cn", chat_id=GUEST, user_id=GUEST)  # a guest: the labels alone, no registry
    assert await fake_api.until(lambda calls: any("rsj.wuding.gov.cn" in c.params.get("text", "") and int(c.params.get("chat_id", 0)) == GUEST
                                                  for c in calls))
    guest = next(t for t in fake_api.sent_texts(GUEST) if "rsj.wuding.gov.cn" in t)
    assert "符合规范" in guest and "门户网站应使用" not in guest
