"""Offices in chat (notes/offices-at-every-level.md): the home admin adds offices with /office; a county admin
drives every command the bot registers and every button it is shown, and never meets a sibling county's (or the
level above's) unit, domain, contact or phone, in a reply, a button's label or data, or a payload a button
recalls; a forged button naming a sibling's unit or domain is refused and changes nothing."""
from __future__ import annotations

import itertools
import json

import pytest
from sqlmodel import select
from telegram.ext import CommandHandler, ConversationHandler

from bot.config.settings import load_settings
from tests.support.env import TEST_TOKEN

HOME_ADMIN, WUDING, LUFENG, GUEST = 42, 111, 222, 5001
BOT = 777000111  # the fake Bot API's own user: the author of the messages buttons sit on
_SENTINELS = itertools.count()
SHEET = """单位名称,域名,状态,联系人,联系电话
楚雄州人民政府,www.cxz.gov.cn,规范在用,周州府,13900000001
武定县人民政府,www.wuding.gov.cn,规范在用,王武定,13900000002
武定县教育体育局,jyj.wuding.gov.cn,规范在用,丁武教,13900000003
武定县教育体育局,www.wdjyj.com,不规范,丁武教,13900000003
武定县狮山镇人民政府,,,丁武教,13900000003
武定县人民医院,www.wdrmyy.cn,规范在用,,
武定县中医医院,www.wdzyy.cn,规范在用,,
禄丰市人民政府,www.lufeng.gov.cn,规范在用,庚禄府,13900000006
禄丰市教育体育局,jyj.lufeng.gov.cn,规范在用,辛禄教,13900000007
禄丰市财政局,czj.lufeng.gov.cn,规范在用,马建禄,13900000004
禄丰市财政局,www.lfczj.com,不规范,马建禄,13900000004
禄丰市财政局,sjj.wuding.gov.cn,闲置,马建禄,13900000004
"""
# What 武定县's admin may never be shown: 禄丰市's (a sibling) and the home office's own units.
UNSEEN = ("禄丰市人民政府", "禄丰市教育体育局", "禄丰市财政局", "楚雄州人民政府",
          "lufeng.gov.cn", "lfczj", "cxz.gov.cn",
          "庚禄府", "辛禄教", "马建禄", "周州府",
          "13900000006", "13900000007", "13900000004", "13900000001")
# Every command the bot registers, with what 武定县's admin sends: their own units, and probes that name a
# sibling's unit, domain, contact or phone (a probe's answer may repeat what was typed, nothing more).
DRIVE = {
    "start": ["/start"],
    "help": ["/help"],
    "ask": ["/ask 联系人换了多久内报备", "/ask czj.lufeng.gov.cn 还能用吗"],
    "policy": ["/policy"],
    # 审计局's name is held (by mistake) by 禄丰市's unit: it is said to be taken, not by whom
    "suggest": ["/suggest 教育局", "/suggest 武定县财政局", "/suggest 审计局", "/suggest 禄丰市财政局"],
    "check": ["/check jyj.wuding.gov.cn", "/check www.wdjyj.com", "/check czj.lufeng.gov.cn", "/check www.lfczj.com",
              "/check jyj.wuding.gov.cn 教育局"],
    "status": ["/status 教育局", "/status 教育", "/status 武定县", "/status 13900000003", "/status 财政局",
               "/status 13900000004", "/status 马建禄", "/status czj.lufeng.gov.cn", "/status 禄丰市财政局",
               "/status 人民政府", "/status 丁武教", "/status 医院", "/status 楚雄州人民政府"],
    "history": ["/history jyj.wuding.gov.cn", "/history 教育局", "/history czj.lufeng.gov.cn", "/history 禄丰市财政局"],
    "setstatus": ["/setstatus www.wdjyj.com 待注销 已迁移至 jyj.wuding.gov.cn", "/setstatus czj.lufeng.gov.cn 闲置",
                  "/setstatus www.lfczj.com 待注销"],
    "note": ["/note jyj.wuding.gov.cn 县里复核", "/note czj.lufeng.gov.cn 越权备注"],
    "setcontact": ["/setcontact 教育局 丁新 13900001111", "/setcontact 禄丰市财政局 冒充 13900002222",
                   "/setcontact 财政局 冒充 13900002222"],
    "invite": ["/invite 教育局", "/invite 禄丰市财政局", "/invite 财政局"],
    "report": ["/report"],
    "grant": ["/grant 123456"],
    "adddomain": ["/adddomain 武定县财政局 czj.wuding.gov.cn 在用", "/adddomain 禄丰市水务局 swj.lufeng.gov.cn 在用",
                  "/adddomain 禄丰市财政局 czj2.lufeng.gov.cn 在用", "/adddomain 禄丰市财政局x czj3.lufeng.gov.cn 在用"],
    "deldomain": ["/deldomain czj.lufeng.gov.cn", "/deldomain czj.wuding.gov.cn"],
    "primary": ["/primary jyj.wuding.gov.cn", "/primary czj.lufeng.gov.cn"],
    "region": ["/region", "/region 云南省楚雄彝族自治州禄丰市"],
    "office": ["/office", "/office add 牟定县 333"],
    "progress": ["/progress", "/progress 教育局", "/progress 财政局"],
    "due": ["/due"],
    "remind": ["/remind 30分钟 复核教育局网站"],
    "subscribe": ["/subscribe"],
    "unsubscribe": ["/unsubscribe"],
    "digest": ["/digest"],
    "broadcast": ["/broadcast 请各单位自查"],
    "holidays": ["/holidays"],
    "campaign": ["/campaign"],
    "applications": ["/applications"],
    "apply": ["/apply", "/cancel"],
    "cancel": ["/cancel"],
    "monitor": ["/monitor czj.lufeng.gov.cn", "/monitor www.lfczj.com"],
    "geoip": ["/geoip"],
}
PLAIN = ["教育局", "财政局", "czj.lufeng.gov.cn", "www.lfczj.com 怎么办", "jyj.wuding.gov.cn", "禄丰市财政局"]


@pytest.fixture
def settings(tmp_path, fake_api, monkeypatch):
    from bot.registry import region

    monkeypatch.setattr(region, "_configured", [""])  # the bot sets BOT_REGION process-wide at start: undone after
    return load_settings(
        telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake_api.base_url,
        database_url=f"sqlite:///{tmp_path / 'bot.sqlite3'}", bot_admin_ids=str(HOME_ADMIN),
        bot_region="楚雄彝族自治州", monitor_enabled=False,
        reply_pacing=False)  # hundreds of answers in one chat: paced, they would take minutes


def registered_commands(app) -> set[str]:
    """Every command the application answers, read from its handlers (a conversation's too)."""
    found: set[str] = set()

    def walk(handler) -> None:
        if isinstance(handler, CommandHandler):
            found.update(handler.commands)
        elif isinstance(handler, ConversationHandler):
            for inner in [*handler.entry_points, *handler.fallbacks,
                          *(h for hs in handler.states.values() for h in hs)]:
                walk(inner)

    for handlers in app.handlers.values():
        for handler in handlers:
            walk(handler)
    return found


class Chat:
    """One person's private chat with the bot. Messages and button presses go in batches, each followed by a
    sentinel command: a chat's updates are handled one after another, so what the bot did between two sentinels'
    answers is the answer to the action between them."""

    def __init__(self, fake_api, user: int) -> None:
        self.api, self.user = fake_api, user

    async def batch(self, actions: list[tuple[str, str]]) -> list[list]:
        """("say", text) or ("press", callback data): the calls answering each (messages, edits, alerts)."""
        start = len(self.api.calls)
        marks = []
        for kind, value in actions:
            if kind == "say":
                self.api.push_text(value, chat_id=self.user, user_id=self.user)
            else:
                message = self.api.make_message("x", chat_id=self.user, user_id=BOT)
                self.api.push_callback(value, message, user_id=self.user)
            marks.append(f"zsentinel{next(_SENTINELS)}.gov.cn")
            self.api.push_text(f"/check {marks[-1]}", chat_id=self.user, user_id=self.user)

        def answered(calls) -> bool:
            return any(str(c.params.get("chat_id")) == str(self.user) and marks[-1] in c.params.get("text", "")
                       for c in calls[start:])

        assert await self.api.until(answered, 30 + 2 * len(actions))
        groups: list[list] = [[]]
        for call in self.api.calls[start:]:
            if call.method != "answerCallbackQuery" and str(call.params.get("chat_id")) != str(self.user):
                continue
            if len(groups) <= len(marks) and marks[len(groups) - 1] in call.params.get("text", ""):
                groups.append([])
            else:
                groups[-1].append(call)
        assert len(groups) == len(actions) + 1
        return groups[:len(actions)]

    async def say(self, text: str) -> list:
        return (await self.batch([("say", text)]))[0]

    async def press(self, data: str) -> list:
        return (await self.batch([("press", data)]))[0]


def shown(calls, remembered: dict | None = None) -> list[tuple[str, str]]:
    """(what the person sees, where) of every answer: texts, alerts, button labels, their data and what the data
    recalls when pressed (the payload kept under a token)."""
    out = []
    for call in calls:
        for key in ("text", "caption"):
            if call.params.get(key):
                out.append((str(call.params[key]), f"{call.method}.{key}"))
        if call.params.get("reply_markup"):
            for row in json.loads(call.params["reply_markup"]).get("inline_keyboard", []):
                for button in row:
                    data = button.get("callback_data", "")
                    out += [(button.get("text", ""), "button label"), (data, "button data")]
                    out += [(json.dumps(remembered[part], ensure_ascii=False, default=str), f"payload of {data}")
                            for part in data.split(":") if remembered and part in remembered]
    return out


def buttons(calls) -> list[str]:
    """The callback data of every keyboard in `calls`."""
    out = []
    for call in calls:
        if call.method in ("sendMessage", "editMessageText") and call.params.get("reply_markup"):
            for row in json.loads(call.params["reply_markup"]).get("inline_keyboard", []):
                out += [b["callback_data"] for b in row if "callback_data" in b]
    return out


def unseen_in(calls, remembered: dict | None = None) -> set[str]:
    return {u for text, _ in shown(calls, remembered) for u in UNSEEN if u in text}


def leaks(calls, allowed: set[str], remembered: dict, what: str) -> list[str]:
    """What of UNSEEN the answer shows beyond `allowed` (what the person typed, and what anyone, a guest, is told
    for the same message: the naming rules' own answer for a name typed, the policy documents' text)."""
    return [f"{what}: {u!r} in {where}: {text[:160]!r}" for text, where in shown(calls, remembered)
            for u in UNSEEN if u in text and u not in allowed]


async def test_a_county_admin_sees_only_their_county_in_every_command_and_button(running_bot, fake_api):
    from bot.db.models import Domain, Unit

    app = running_bot
    await app.bot_data.warm_up
    db = app.bot_data.db
    home = Chat(fake_api, HOME_ADMIN)
    # the home admin sets up: the registry, the home region stored in chat, the two counties with their admins
    fake_api.push_document("全州.csv", SHEET.encode(), chat_id=HOME_ADMIN, user_id=HOME_ADMIN)
    assert await fake_api.until(lambda calls: any("共 " in t for t in fake_api.sent_texts(HOME_ADMIN)), 30)
    assert "已设置本地区" in (await home.say("/region 云南省楚雄彝族自治州"))[0].params["text"]
    added = await home.say(f"/office add 武定县 {WUDING}")
    assert "已添加 <b>武定县人民政府办公室</b>：5 个单位归入；管理员 111" in added[0].params["text"]
    assert "禄丰市人民政府办公室" in (await home.say(f"/office add 禄丰市 {LUFENG}"))[0].params["text"]
    tree = (await home.say("/office"))[0].params["text"]
    assert "楚雄彝族自治州人民政府办公室</b>：1 个单位" in tree and "　[1] <b>武定县人民政府办公室</b>：5 个单位；管理员 111" in tree
    ids = dict(db.call(lambda s: s.exec(select(Unit.name, Unit.id)).all()))
    sites = dict(db.call(lambda s: s.exec(select(Domain.name, Domain.id)).all()))
    before = db.call(lambda s: sorted((d.name, d.status, d.is_primary, d.unit_id) for d in s.exec(select(Domain)).all()))

    # every command the bot registers is driven (a new command fails here until it is added to DRIVE)
    missing = registered_commands(app) - set(DRIVE)
    assert not missing, f"commands not driven as a county admin: {missing}"
    county, guest = Chat(fake_api, WUDING), Chat(fake_api, GUEST)
    remembered = app.bot_data.pending_buttons
    found: list[str] = []
    answers: dict[str, list] = {}
    typed = [t for command in DRIVE.values() for t in command] + PLAIN
    mine, anyones = await county.batch([("say", t) for t in typed]), await guest.batch([("say", t) for t in typed])
    pressable: list[tuple[str, set[str]]] = []  # a button, and what its message was allowed to show
    for text, calls, public in zip(typed, mine, anyones):
        allowed = {u for u in UNSEEN if u in text} | unseen_in(public, remembered)
        answers[text] = calls
        found += leaks(calls, allowed, remembered, text)
        pressable += [(data, allowed) for data in buttons(calls)]
    # an upload: the county's own sheet, and one naming the sibling's unit (refused whole)
    for name, sheet in (("武定.csv", "单位名称,域名,联系人,联系电话\n教育局,jyj.wuding.gov.cn,丁武教,13900000003\n"
                                     "武定县水务局,swj.wuding.gov.cn,钱水务,13900000008\n"),
                        ("越权.csv", "单位名称,域名\n武定县水务局,swj.wuding.gov.cn\n禄丰市财政局,czj9.lufeng.gov.cn\n")):
        since = len(fake_api.calls)
        fake_api.push_document(name, sheet.encode(), chat_id=WUDING, user_id=WUDING)
        assert await fake_api.until(lambda calls, since=since: any(
            c.params.get("text", "").startswith(("导入完成", "导入未完成", "导入失败")) for c in calls[since:]), 30)
        answers[name] = [c for c in fake_api.calls[since:] if str(c.params.get("chat_id")) == str(WUDING)]
        found += leaks(answers[name], {u for u in UNSEEN if u in sheet}, remembered, name)

    # every button shown, pressed (the pages they open have buttons too); the same press by a guest says what
    # anyone is shown for it
    pressed: set[str] = set()
    while todo := [(data, allowed) for data, allowed in dict(pressable).items() if data not in pressed]:
        pressed.update(data for data, _ in todo)
        mine = await county.batch([("press", data) for data, _ in todo])
        anyones = await guest.batch([("press", data) for data, _ in todo])
        for (data, allowed), calls, public in zip(todo, mine, anyones):
            allowed = allowed | unseen_in(public, remembered)
            found += leaks(calls, allowed, remembered, f"button {data}")
            pressable += [(more, allowed) for more in buttons(calls)]
    assert not found, "\n".join(found)
    # what a guest is told (the measure of "public" above) holds no registry details of anyone
    contacts = [u for u in UNSEEN if u.startswith("139") or u in ("庚禄府", "辛禄教", "马建禄", "周州府")]
    assert not [u for calls in anyones for u in unseen_in(calls, remembered) if u in contacts]

    def said(text: str) -> str:
        return "\n".join(t for t, _ in shown(answers[text]))

    # the county's own work is done: 教育局 is their county's (the home office's /region notwithstanding)
    assert "武定县教育体育局" in said("/status 教育局") and "jyj.wuding.gov.cn" in said("/status 教育局")
    assert "sjj.wuding.gov.cn 已登记为“其他单位”的域名" in said("/suggest 审计局")
    assert "已更新" in said("/setstatus www.wdjyj.com 待注销 已迁移至 jyj.wuding.gov.cn")
    assert "已登记联系人 丁新" in said("/setcontact 教育局 丁新 13900001111")
    assert "t.me/" in said("/invite 教育局") and "武定县教育体育局" in said("/invite 教育局")
    assert "已登记" in said("/adddomain 武定县财政局 czj.wuding.gov.cn 在用")
    assert "已从登记册删除" in said("/deldomain czj.wuding.gov.cn")
    assert "本办公室地区：武定县" in said("/region")
    assert "武定县人民政府办公室" in said("/office") and "楚雄彝族自治州" not in said("/office")
    assert "导入完成" in "\n".join(t for t, _ in shown(answers["武定.csv"]))
    assert "属于其他办公室" in "\n".join(t for t, _ in shown(answers["越权.csv"]))
    assert {d.split(":")[0] for d in pressed} >= {"ss", "sv", "st"}, pressed
    # the probes were refused, not answered
    for probe in ("/status 财政局", "/status 13900000004", "/status czj.lufeng.gov.cn", "/history czj.lufeng.gov.cn",
                  "/setstatus czj.lufeng.gov.cn 闲置", "/note czj.lufeng.gov.cn 越权备注", "/primary czj.lufeng.gov.cn",
                  "/deldomain czj.lufeng.gov.cn", "/invite 禄丰市财政局", "/setcontact 禄丰市财政局 冒充 13900002222",
                  "/adddomain 禄丰市水务局 swj.lufeng.gov.cn 在用", "/adddomain 禄丰市财政局 czj2.lufeng.gov.cn 在用",
                  "/monitor czj.lufeng.gov.cn", "/office add 牟定县 333", "/region 云南省楚雄彝族自治州禄丰市"):
        assert any(word in said(probe) for word in ("不属于", "没有找到", "上级", "只能", "只有")), (probe, said(probe))

    # forged buttons carrying the sibling's unit and domain ids: refused on the press, nothing changed
    lufeng_unit, lufeng_site = ids["禄丰市财政局"], sites["czj.lufeng.gov.cn"]
    for data in (f"st:{lufeng_unit}", f"st:{ids['楚雄州人民政府']}", f"ss:{lufeng_site}", f"sv:{lufeng_site}:3",
                 f"sp:{sites['www.lfczj.com']}", f"sv:{sites['www.cxz.gov.cn']}:4"):
        calls = await county.press(data)
        alerts = [c.params.get("text", "") for c in calls if c.method == "answerCallbackQuery"]
        assert alerts and "不属于武定县人民政府办公室" in alerts[0], (data, alerts)
        assert not unseen_in(calls, remembered), data
        assert not [c for c in calls if c.method in ("sendMessage", "editMessageText")], data
    after = db.call(lambda s: sorted((d.name, d.status, d.is_primary, d.unit_id) for d in s.exec(select(Domain)).all()))
    sibling = [row for row in before if "lufeng" in row[0] or "lfczj" in row[0] or "cxz" in row[0]]
    assert sibling == [row for row in after if "lufeng" in row[0] or "lfczj" in row[0] or "cxz" in row[0]]
    assert not any("lufeng" in name for name, *_ in after if name not in {r[0] for r in before})


async def test_a_monitoring_alert_goes_to_the_sites_office_and_the_home_office_only(running_bot, fake_api):
    """A finding on 禄丰市's site reaches 禄丰市's admin and the home admins, never 武定县's."""
    import datetime as dt
    from types import SimpleNamespace

    from bot.db.models import Delivery, Domain
    from bot.monitoring import service
    from bot.offices.service import add_office

    app = running_bot
    await app.bot_data.warm_up
    db = app.bot_data.db
    from bot.registry.importer import import_file

    assert import_file(db.call, SHEET.encode(), "s.csv", "test", region="楚雄彝族自治州").written
    for region, admin in (("武定县", WUDING), ("禄丰市", LUFENG)):
        db.call(lambda s, r=region, a=admin: add_office(s, r, "楚雄彝族自治州", "test", (a,)))
    site = db.call(lambda s: s.exec(select(Domain.id).where(Domain.name == "czj.lufeng.gov.cn")).one())
    finding = SimpleNamespace(id=7, code="lookalike_registered", message="发现疑似冒名注册的相似域名", basis="五（四）")
    target = SimpleNamespace(name="czj.lufeng.gov.cn", domain_id=site)
    now = dt.datetime.now(dt.UTC)
    db.call(lambda s: service._alert(s, target, SimpleNamespace(lookalikes=[]), [finding], app.bot_data.settings, now))
    chats = db.call(lambda s: sorted(set(s.exec(select(Delivery.chat_id).where(Delivery.key.startswith("monitor:"))).all())))
    assert chats == [HOME_ADMIN, LUFENG]


def test_a_move_between_offices_reads_as_their_titles_in_history():
    from handlers.records import describe_change

    titles = {None: "楚雄彝族自治州人民政府办公室", 1: "武定县人民政府办公室"}
    assert describe_change('{"office": null}', '{"office": 1}', None, titles) == \
        "    所属办公室：楚雄彝族自治州人民政府办公室 → 武定县人民政府办公室"


def test_an_office_export_holds_only_its_units(db):
    """`domainbot export --office 武定县`: the office's units, their sites and contacts; nothing of 禄丰市 or home."""
    from bot.offices.service import add_office, chosen_office
    from bot.registry.export import export_rows
    from bot.registry.importer import import_file

    assert import_file(db.call, SHEET.encode(), "s.csv", "test", region="楚雄彝族自治州").written
    for region in ("武定县", "禄丰市"):
        db.call(lambda s, r=region: add_office(s, r, "楚雄彝族自治州", "test"))
    office = db.call(lambda s: chosen_office(s, "武定县"))
    rows = db.call(lambda s: [[str(v) for v in row] for row in export_rows(s, office.scope)])
    assert sorted({row[0] for row in rows}) == ["武定县中医医院", "武定县人民医院", "武定县人民政府", "武定县教育体育局",
                                                "武定县狮山镇人民政府"]
    assert "丁武教" in str(rows) and not [u for u in UNSEEN if u in str(rows)]
    everything = db.call(lambda s: list(export_rows(s)))
    assert len(everything) > len(rows) and any("马建禄" in str(row) for row in everything)


async def test_a_county_admin_s_help_shows_examples_in_their_county(running_bot, fake_api):
    """/help's examples are in the asker's places: 武定县's admin reads 武定县's, the home admin the prefecture's
    (an example in the home's places could name a real unit of the level above)."""
    from bot.offices.service import add_office

    app = running_bot
    await app.bot_data.warm_up
    app.bot_data.db.call(lambda s: add_office(s, "武定县", "楚雄彝族自治州", "test", (WUDING,)))
    county = " ".join(c.params.get("text", "") for c in await Chat(fake_api, WUDING).say("/help"))
    home = " ".join(c.params.get("text", "") for c in await Chat(fake_api, HOME_ADMIN).say("/help"))
    assert "/status 武定县财政局" in county and "楚雄彝族自治州财政局" not in county
    assert "楚雄彝族自治州财政局" in home
