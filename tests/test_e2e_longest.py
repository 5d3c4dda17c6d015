"""Every command and button with the longest realistic data, against the strict fake Bot API: 200 campaigns,
500 due items, 150 look-alike findings, a 30-part question, hostile header cells in an imported sheet. Not one
request may be refused (the fake records what the real server would refuse)."""
from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

from tests.support.registry_data import generate_rows
from tests.support.samples import ADMIN, ROWS, xlsx

SENTINEL = "/nosuchcommand"


async def _settle(fake_api, marker: int) -> int:
    """Push a sentinel and wait for its answer: everything pushed before it (one chat, in order) was handled."""
    fake_api.push_text(SENTINEL, chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: sum("没有这个命令" in t for t in fake_api.sent_texts(ADMIN)) > marker, 60)
    return marker + 1


def _pressable(fake_api, since: int) -> list[tuple[str, dict]]:
    """(callback data, the message it sits on) of every keyboard the bot showed since call `since`."""
    out = []
    for call in fake_api.calls[since:]:
        if call.method in ("sendMessage", "editMessageText") and call.params.get("reply_markup"):
            text = call.params.get("text", "")
            for row in json.loads(call.params["reply_markup"]).get("inline_keyboard", []):
                for button in row:
                    if "callback_data" in button:
                        out.append((button["callback_data"], text))
    return out


async def test_every_command_and_button_with_the_longest_data(running_bot, fake_api, tmp_path):
    from bot.campaigns import store
    from bot.deadlines import events
    from bot.monitoring import service
    from knowledge.campaigns import parse_chat_campaign

    app = running_bot
    await app.bot_data.warm_up
    db = app.bot_data.db
    marker = 0
    # A sheet whose header cells are hostile: the import names them in its answer.
    hostile = [["单位名称", "域名", "<备注>", "a<b", "&amp;", "</pre>"]] + [[row[0], row[3], "<x>", "<", "&", "<b>"]
                                                                        for row in ROWS]
    csv = "\n".join(",".join(cells) for cells in hostile).encode()
    fake_api.push_document("登记表.csv", csv, chat_id=ADMIN, user_id=ADMIN)
    fake_api.push_document("坏表.csv", "<备注>,<pre>,名称\n1,2,3\n".encode(), chat_id=ADMIN, user_id=ADMIN)
    big = generate_rows(200) + [["武定县研发R&D中心<测试>", "", "", "www.wdrd.cn", "", "不规范", "", "", "", "", "", "", "",
                                 "<张三>", "0878-1234567", "a&b@example.cn", "<script>alert(1)</script>" * 10]]
    fake_api.push_document("全州.xlsx", xlsx(tmp_path, big, "big.xlsx").read_bytes(), chat_id=ADMIN, user_id=ADMIN)
    await fake_api.until(lambda calls: sum(c.method == "editMessageText" and c.params.get("text", "").startswith(
        ("导入完成", "导入未完成", "导入失败")) for c in calls) == 3, 120)  # imports run beside the chat's updates

    for i in range(200):
        campaign = parse_chat_campaign(f"第{i:03d}号<专项>工作&安排\n文号 武政办函〔2027〕{i}号\n"
                                       + "\n".join(f"2027-{m:02d}-05 报送<自查>情况{m} | 各乡镇 → 县政府办" for m in range(1, 13)))
        db.call(lambda s, c=campaign: store.save_campaign(s, c, "test"))
    today = dt.datetime.now(dt.UTC).date()
    db.call(lambda s: [events.ensure_deadline(s, f"t{i}", f"事项<{i:03d}>&" + "很长的说明" * 30,
                                              today + dt.timedelta(days=i % 90 - 30)) for i in range(500)])
    found = [{"domain": f"wud{i:03d}ing-zhengfu.com", "addresses": [f"127.0.0.{i % 250}"], "ns": [],
              "registrant": f"某某<公司>{i}"} for i in range(150)]
    finding = SimpleNamespace(id=99, code="lookalike_registered", message="发现疑似冒名注册的相似域名", basis="五（四）")
    target = SimpleNamespace(name="www.wuding.gov.cn", domain_id=None)
    now = dt.datetime.now(dt.UTC)
    db.call(lambda s: service._alert(s, target, SimpleNamespace(lookalikes=found), [finding], app.bot_data.settings, now))

    question = "\n".join(f"{i + 1}. {p}" for i, p in enumerate(["联系人换了多久内报备", "公告期多长", "门户网站用什么域名",
                                                               "乡镇可以有自己的域名吗", "事业单位能用gov.cn吗",
                                                               "中文域名怎么注册"] * 5))  # 30 parts
    commands = ["/start", "/help", f"/ask {question}", question, "/policy", "/suggest 武定县人力资源和社会保障局",
                "/check wuding.gov.cn 武定县人民政府", "/status 教育局", "/status www.wdrd.cn", "/history www.wdrd.cn",
                "/progress", "/progress 教育局", "/due", "/campaign", "/campaign show 第199号<专项>工作&安排",
                "/applications", "/report", "/region", "/holidays", "/remind 30分钟 <开会>&" + "说明" * 200,
                "/invite 武定县研发R&D中心<测试>", "/note www.wdrd.cn <备注>&" + "长" * 300, "/setstatus www.wdrd.cn 闲置",
                "/adddomain 武定县研发R&D中心<测试> rd.wuding.gov.cn 在用", "/primary rd.wuding.gov.cn",
                "/broadcast <通知>&" + "内容" * 1700, "/geoip", "/monitor 8.8.8.8", "/grant 123"]
    for command in commands:
        fake_api.push_text(command, chat_id=ADMIN, user_id=ADMIN)
    marker = await _settle(fake_api, marker)

    # Every button shown so far, each pressed twice (a double tap), on the message that carries it.
    pressed: set[str] = set()
    for _ in range(2):  # the pages a press opens have buttons too
        since = len(fake_api.calls)
        for data, text in _pressable(fake_api, 0):
            if data in pressed or data.startswith(("cp:end", "ap:")):
                continue
            pressed.add(data)
            message = fake_api.make_message(text, chat_id=ADMIN, user_id=777000111)
            fake_api.push_callback(data, message, user_id=ADMIN)
            fake_api.push_callback(data, message, user_id=ADMIN)
        marker = await _settle(fake_api, marker)
        assert len(fake_api.calls) > since

    # The outbox delivers the look-alike alert (in parts) and the broadcast queue to the admins.
    await fake_api.until(lambda calls: any("wud149ing-zhengfu.com" in t for t in fake_api.sent_texts(ADMIN)), 30)
    texts = fake_api.sent_texts(ADMIN) + [c.params.get("text", "") for c in fake_api.calls_to("editMessageText")]
    assert not [t for t in texts if "抱歉" in t or "暂时不可用" in t]  # every command and button answered
    kinds = {data.split(":")[0] for data in pressed}
    assert {"pg", "du", "cl", "cp", "sec", "clause", "st" if "st" in kinds else "pg"} <= kinds, kinds
    assert any(t.startswith("<b>工作安排</b>（201 项") for t in texts)
    assert fake_api.refusals == [], "\n".join(fake_api.refused())
