"""Progress, /due for admins, campaigns and the weekly digest through the running bot and the fake Bot API."""
from __future__ import annotations

import datetime as dt
import io
import json

from openpyxl import load_workbook
from sqlmodel import select

from bot.db.models import Chat, Deadline
from bot.deadlines import events
from bot.reporting.progress import enqueue_weekly_digests
from tests.support.samples import ADMIN, GUEST, import_as_admin


def _texts(fake_api) -> list[str]:
    return [c.params.get("text", "") for c in fake_api.calls if c.method in ("sendMessage", "editMessageText")]


def _buttons(fake_api, marker: str) -> list[dict]:
    call = next(c for c in reversed(fake_api.calls) if c.method in ("sendMessage", "editMessageText")
                and marker in c.params.get("text", "") and "reply_markup" in c.params)
    return [b for row in json.loads(call.params["reply_markup"])["inline_keyboard"] for b in row]


async def _wait_text(fake_api, *needles: str, timeout: float = 20) -> str:
    assert await fake_api.until(lambda calls: any(all(n in c.params.get("text", "") for n in needles) for c in calls),
                                timeout=timeout), f"no message with {needles}"
    return next(t for t in _texts(fake_api) if all(n in t for n in needles))


async def test_progress_shows_bars_urgent_items_and_lists_for_admins_only(running_bot, fake_api, tmp_path):
    await running_bot.bot_data.warm_up
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("/progress", chat_id=ADMIN, user_id=ADMIN)
    text = await _wait_text(fake_api, "清理进度", "合计")
    assert "▓" in text or "░" in text
    assert "已完成 2 · 办理中 1 · 未开始 2 · 已逾期 1" in text  # the five imported domains
    assert "最紧急的事项" in text and "czj.wuding.gov.cn" in text and "逾期" in text
    buttons = _buttons(fake_api, "最紧急的事项")
    overdue = next(b for b in buttons if b["text"].startswith("已逾期"))
    assert overdue["text"] == "已逾期 1"
    message = fake_api.make_message("x", chat_id=ADMIN, user_id=777000111)
    fake_api.push_callback(overdue["callback_data"], message, user_id=GUEST)  # a guest pressing is refused
    assert await fake_api.until(lambda calls: any(c.method == "answerCallbackQuery" and "管理员" in c.params.get("text", "")
                                                  for c in calls))
    fake_api.push_callback(overdue["callback_data"], message, user_id=ADMIN)
    listed = await _wait_text(fake_api, "已逾期：1 个域名")
    assert "武定县财政局" in listed and "czj.wuding.gov.cn" in listed and "www.wdrsj.com" not in listed
    fake_api.push_text("/progress 财政局", chat_id=ADMIN, user_id=ADMIN)
    one = await _wait_text(fake_api, "武定县财政局：清理进度")
    assert "1 个单位，1 个域名" in one
    fake_api.push_text("/progress 不存在的局", chat_id=ADMIN, user_id=ADMIN)
    await _wait_text(fake_api, "没有名称含")
    fake_api.push_text("/progress", chat_id=GUEST, user_id=GUEST)
    await _wait_text(fake_api, "只有管理员可以查看全部单位的进度")


async def test_due_for_an_admin_shows_overdue_and_pages(running_bot, fake_api, tmp_path, clock):
    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    await import_as_admin(fake_api, tmp_path)
    today = dt.datetime.now(dt.UTC).date()
    db.call(lambda s: [events.ensure_deadline(s, f"t{i}", f"测试事项{i:02d}", today + dt.timedelta(days=i + 1))
                       for i in range(25)])
    fake_api.push_text("/due", chat_id=ADMIN, user_id=ADMIN)
    first = await _wait_text(fake_api, "待办期限", "全部单位")
    assert "已逾期 1 项" in first and "czj.wuding.gov.cn" in first and "逾期" in first
    assert "即将到期 25 项" in first and "第 1/3 页" in first and "测试事项08" in first and "测试事项09" not in first
    nxt = next(b for b in _buttons(fake_api, "第 1/3 页") if "下一页" in b["text"])
    fake_api.push_callback(nxt["callback_data"], fake_api.make_message("x", chat_id=ADMIN, user_id=777000111), user_id=ADMIN)
    second = await _wait_text(fake_api, "第 2/3 页")
    assert "测试事项09" in second and "测试事项18" in second and "测试事项19" not in second
    assert any(c.method == "editMessageText" for c in fake_api.calls)
    # Someone without a unit sees none of the units' items, from the command or a page button.
    fake_api.push_text("/due", chat_id=GUEST, user_id=GUEST)
    assert await fake_api.until(lambda calls: bool(fake_api.sent_texts(GUEST)))
    guest = fake_api.sent_texts(GUEST)
    assert guest and all("czj.wuding.gov.cn" not in t and "测试事项" not in t for t in guest)


CAMPAIGN = ("/campaign add 2027年政府网站域名普查\n文号 武政办函〔2027〕1号\n"
            "{d1} 报送自查情况 | 各乡镇、县级部门 → 县政府办\n{d2} 汇总上报 | 县政府办 → 州政府办")


async def test_campaign_from_chat_reminds_is_on_the_report_and_ends(running_bot, fake_api, tmp_path):
    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    await import_as_admin(fake_api, tmp_path)
    today = dt.datetime.now(dt.UTC).date()
    d1, d2 = today + dt.timedelta(days=20), today + dt.timedelta(days=40)
    fake_api.push_text("/campaign add 普查\n2027-13-01 报送", chat_id=ADMIN, user_id=ADMIN)
    await _wait_text(fake_api, "未保存：第2行 date（日期）")
    fake_api.push_text(CAMPAIGN.format(d1=d1, d2=d2), chat_id=GUEST, user_id=GUEST)
    await _wait_text(fake_api, "只有管理员可以管理工作安排")
    fake_api.push_text(CAMPAIGN.format(d1=d1, d2=d2), chat_id=ADMIN, user_id=ADMIN)
    await _wait_text(fake_api, "已新增工作安排", "武政办函〔2027〕1号")
    rows = db.call(lambda s: s.exec(select(Deadline).where(Deadline.key.startswith("campaign:2027"))).all())
    assert sorted(r.due for r in rows) == [d1, d2] and all(r.status == "open" for r in rows)
    # An edit (same name) moves the dates.
    d3 = d1 + dt.timedelta(days=1)
    fake_api.push_text(CAMPAIGN.format(d1=d3, d2=d2), chat_id=ADMIN, user_id=ADMIN)
    await _wait_text(fake_api, "已修改工作安排")
    rows = db.call(lambda s: s.exec(select(Deadline).where(Deadline.key.startswith("campaign:2027"))).all())
    assert sorted(r.due for r in rows) == [d3, d2]
    fake_api.push_text("/report", chat_id=ADMIN, user_id=ADMIN)
    assert await fake_api.until(lambda calls: any(c.method == "sendDocument" for c in calls), timeout=30)
    data = fake_api.calls_to("sendDocument")[0].params["_file"]
    cover = load_workbook(io.BytesIO(data))["汇总"]
    assert cover["A1"].value == "武定县政府网站域名清理情况统计表" and "武政办函〔2027〕1号" in cover["A3"].value
    fake_api.push_text("/campaign", chat_id=ADMIN, user_id=ADMIN)
    listing = await _wait_text(fake_api, "<b>工作安排</b>")
    assert "2027年政府网站域名普查 [进行中]" in listing and "全州政府网站域名清理（2019年）（内置示例）" in listing
    fake_api.push_text("/campaign end 2027年政府网站域名普查", chat_id=ADMIN, user_id=ADMIN)
    await _wait_text(fake_api, "已结束：2027年政府网站域名普查")
    rows = db.call(lambda s: s.exec(select(Deadline).where(Deadline.key.startswith("campaign:2027"))).all())
    assert rows and all(r.status == "done" for r in rows)


async def test_campaign_yaml_file_from_chat_with_errors_by_line(running_bot, fake_api):
    await running_bot.bot_data.warm_up
    bad = "title: 2028年复查\nsource: 某文号\ndeadlines:\n  - date: 2028-02-30\n    what: 复查\n"
    fake_api.push_document("复查.yaml", bad.encode(), chat_id=ADMIN, user_id=ADMIN)
    await _wait_text(fake_api, "未保存：第4行 date（日期）")
    fake_api.push_document("复查.yaml", bad.replace("02-30", "02-28").encode(), chat_id=GUEST, user_id=GUEST)
    await _wait_text(fake_api, "只有管理员可以新增工作安排")
    fake_api.push_document("复查.yaml", bad.replace("02-30", "02-28").encode(), chat_id=ADMIN, user_id=ADMIN)
    await _wait_text(fake_api, "已新增工作安排", "2028-02-28 复查")


async def test_weekly_digest_reaches_digest_groups_and_admins_once(running_bot, fake_api, tmp_path):
    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("/digest on", chat_id=-88, user_id=ADMIN, chat_type="group")
    await _wait_text(fake_api, "已开启每周汇总", "每周一")
    now = dt.datetime.now(dt.UTC)
    monday = dt.date(2026, 11, 30)
    admins = running_bot.bot_data.settings.bot_admin_ids
    assert db.call(lambda s: enqueue_weekly_digests(s, now, monday + dt.timedelta(days=1), 1, admins)) == 0  # Tuesday
    assert db.call(lambda s: enqueue_weekly_digests(s, now, monday, 1, admins)) == 2
    assert db.call(lambda s: enqueue_weekly_digests(s, now, monday, 1, admins)) == 0  # once a week
    assert await fake_api.until(lambda calls: {int(c.params.get("chat_id", 0)) for c in calls if "域名清理每周汇总" in c.params.get("text", "")}
                                >= {-88, ADMIN}, timeout=20)
    text = next(t for t in _texts(fake_api) if "域名清理每周汇总" in t)
    assert "合计" in text and "已逾期 1" in text
    assert db.call(lambda s: s.get(Chat, -88)).digest


def _open_findings(db, found: dict[str, list[tuple[str, str]]]) -> None:
    """Open monitoring findings (code, variant) on registered domains, as a monitoring run leaves them."""
    from bot.db.models import Domain, MonitorFinding, MonitorTarget
    from knowledge.monitoring import FINDINGS, finding_message

    now = dt.datetime.now(dt.UTC)

    def seed(session):
        for name, codes in found.items():
            domain = session.exec(select(Domain).where(Domain.name == name)).one()
            target = MonitorTarget(name=name, domain_id=domain.id)
            session.add(target)
            session.flush()
            for code, variant in codes:
                session.add(MonitorFinding(target_id=target.id, code=code, variant=variant, message=finding_message(code, ""),
                                           basis=FINDINGS[code].basis, first_seen=now, last_seen=now))

    db.call(seed)


async def test_progress_shows_monitoring_findings_per_kind_and_the_urgent_ones_first(running_bot, fake_api, tmp_path):
    db = running_bot.bot_data.db
    await running_bot.bot_data.warm_up
    await import_as_admin(fake_api, tmp_path)
    fake_api.push_text("/progress", chat_id=ADMIN, user_id=ADMIN)
    quiet = await _wait_text(fake_api, "清理进度", "域名监测")
    assert "没有未解决的监测问题" in quiet
    _open_findings(db, {
        "www.wuding.gov.cn": [("ns_single", ""), ("answer_changed", "")],  # one domain under both clauses
        "czj.wuding.gov.cn": [("host_abroad", ""), ("cert_expiring", "30")],
        "rsj.wuding.gov.cn": [("cert_expiring", "7")],
        "www.wdxrmyy.gov.cn": [("unreachable", "")],  # 四（三）: not counted under 五（三）/五（四）, not urgent
    })
    fake_api.push_text("/progress", chat_id=ADMIN, user_id=ADMIN)
    text = await _wait_text(fake_api, "清理进度", "有未解决问题的域名")
    assert "政府门户网站：五（三） 1 个域名 · 五（四） 1 个域名" in text
    assert "政府部门网站：五（三） 1 个域名 · 五（四） 2 个域名" in text  # czj (cert at 30 days) and rsj
    assert "合计：五（三） 2 个域名 · 五（四） 3 个域名" in text
    urgent = text.split("最紧急的事项", 1)[1].split("\n")[1:6]
    assert len(urgent) == 5
    # Signs of hijacking first, then the certificate a week from expiry, then hosting abroad; then the clean-up.
    assert "www.wuding.gov.cn" in urgent[0] and "可能被劫持" in urgent[0]
    assert "rsj.wuding.gov.cn" in urgent[1] and "证书即将到期" in urgent[1]
    assert "czj.wuding.gov.cn" in urgent[2] and "境外" in urgent[2]
    assert all("🛡" not in line for line in urgent[3:]) and "逾期" in urgent[3]
    fake_api.push_text("/progress 财政局", chat_id=ADMIN, user_id=ADMIN)
    one = await _wait_text(fake_api, "武定县财政局：清理进度")
    assert "政府部门网站：五（三） 1 个域名 · 五（四） 1 个域名" in one and "合计" not in one.split("域名监测")[1].split("最紧急")[0]
    assert "www.wuding.gov.cn" not in one and "czj.wuding.gov.cn" in one.split("最紧急的事项")[1]
