"""Campaigns from chat (admins): /campaign lists them; `/campaign add` with a name, 文号 and one step a line
adds or edits one; a .yaml file sent to the bot does the same; `/campaign end 名称` ends one.
An office's admins do the same for their office: they see their office's campaigns, those below and those
above whose steps reach them; what they add is their office's (keyed by its place, so never a sibling's or the
home's); they end only their own office's or below. Permissions are checked on every update, button presses
included."""
from __future__ import annotations

import asyncio
import datetime as dt
import io
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.runtime.jobs import replan
from bot.runtime.state import BotContext
from bot.ui import texts
from bot.ui.buttons import CAMPAIGN, CAMPAIGN_LIST
from handlers.basics import BotCommandInfo
from handlers.common import esc, is_private, keyboard, mentions_bot, recall, remember, reply_html, show_page, user_role
from handlers.progress import local_today
from knowledge.campaigns import Campaign, CampaignError, parse_chat_campaign

if TYPE_CHECKING:
    from bot.registry.access import Role

COMMANDS = [
    BotCommandInfo("campaign", "（管理员）工作安排：查看、新增、修改、结束", "/campaign", group=False),
]
LIST_PAGE = 10  # campaigns a page of /campaign: at most 21 buttons
LIST_TITLE = "工作安排"
USAGE = ("新增或修改工作安排（同名即修改），一条消息写完：\n"
         "<code>/campaign add 2027年政府网站域名普查\n"
         "文号 武政办函〔2027〕1号\n"
         "2027-03-05 报送自查情况 | 各乡镇、县级部门 → 县政府办\n"
         "2027-03-20 汇总上报 | 县政府办 → 州政府办</code>\n"
         "也可以直接发送 .yaml 文件（格式同内置的 2019 年工作安排，/campaign show 可查看）。\n"
         "结束：<code>/campaign end 名称</code>")


def describe(campaign: Campaign, today: dt.date) -> str:
    lines = [f"<b>{esc(campaign.title)}</b>" + (f"（{esc(campaign.source)}）" if campaign.source else "")]
    for m in campaign.milestones:
        route = f"｜{m.who}" + (f" → {m.to}" if m.to else "") if m.who or m.to else ""
        mark = "✔" if m.date < today else "•"
        lines.append(f"{mark} {m.date.isoformat()} {esc(m.what)}{esc(route)}")
    return "\n".join(lines)


async def campaign_command(update: Update, context: BotContext) -> None:
    from bot.campaigns import store

    uid = update.effective_user.id if update.effective_user else None
    role = await user_role(update, context)
    if not role.any_admin:
        await reply_html(update, REFUSED)
        return
    raw = (update.effective_message.text or "").split(maxsplit=2)
    action = raw[1].lower() if len(raw) > 1 else "list"
    rest = raw[2] if len(raw) > 2 else ""
    actor = f"telegram:{uid}"
    today = local_today(context)
    db = context.bot_data.db
    if action in ("list", "列表"):
        text, markup = await _list_page(context, uid, role, 0, today)
        await reply_html(update, [text, USAGE], markup)
        return
    if action in ("add", "new", "edit", "新增", "修改"):
        if not rest.strip():
            await reply_html(update, USAGE)
            return
        try:
            campaign = parse_chat_campaign(rest)
        except CampaignError as exc:
            await reply_html(update, f"未保存：{esc(exc)}\n\n{USAGE}")
            return
        await _save(update, context, role, campaign, actor)
        return
    if action in ("end", "结束", "show", "查看"):
        items = await _campaigns(context, role)
        item = store.find_in(items, rest)
        if item is None:
            await reply_html(update, f"没有名为“{esc(rest[:80])}”的工作安排。发送 /campaign 查看列表。")
        elif action in ("show", "查看"):
            await reply_html(update, [describe(item.campaign, today),
                                      f"<pre>{esc(item.campaign.to_yaml())}</pre>"])
        elif not role.manages(item.office_id):
            await reply_html(update, NOT_YOURS)
        else:
            await db.run(lambda s: store.end_campaign(s, item.campaign.id, actor, items))
            await reply_html(update, f"已结束：{esc(item.campaign.title)}，不再提醒其中的步骤。")
        return
    await reply_html(update, USAGE)


REFUSED = "只有管理员可以管理工作安排。"
NOT_YOURS = "这是上级办公室的工作安排，只能查看；本办公室的工作安排可用 /campaign add 新增。"


async def _campaigns(context: BotContext, role: Role) -> list:
    """The campaigns the admin sees (store.visible): the rows from the database, their YAML read in a thread
    (200 campaigns took seconds)."""
    from bot.campaigns import store

    rows, above = await context.bot_data.db.run(lambda s: (store.stored(s), store.offices_above(s, role.office)))
    return store.visible(await asyncio.to_thread(store.listing, rows), role.scope, above)


async def _list_page(context: BotContext, uid: int | None, role: Role, page: int, today: dt.date):
    """One page of the campaign list (LIST_PAGE campaigns, a 查看 and, while it runs, a 结束 button each, ◀ ▶
    under them): the keyboard stays within Telegram's 100 buttons however many campaigns there are."""

    items = await _campaigns(context, role)
    pages = max(1, -(-len(items) // LIST_PAGE))
    page = min(page, pages - 1)
    lines = [f"<b>{LIST_TITLE}</b>" + (f"（{len(items)} 项，第 {page + 1}/{pages} 页）" if pages > 1 else "")]
    rows = []
    for item in items[page * LIST_PAGE:(page + 1) * LIST_PAGE]:
        state = "进行中" if item.active else "已结束"
        nxt = item.campaign.next_step(today)
        step = f"；下一步 {nxt.date.isoformat()} {esc(nxt.what[:40])}" if nxt and item.active else ""
        shipped = "（内置示例）" if item.shipped else ""
        whose = "" if item.office_id == role.office else "（上级）" if not role.manages(item.office_id) else "（下级）"
        lines.append(f"• {esc(item.campaign.title)}{shipped}{whose} [{state}]{step}")
        key = remember(context, {"campaign": item.campaign.id}, uid)
        row = [(f"查看：{item.campaign.title[:20]}", CAMPAIGN.encode("show", key))]
        if item.active and role.manages(item.office_id):
            row.append(("结束", CAMPAIGN.encode("end", key)))
        rows.append(row)
    nav = []
    if page > 0:
        nav.append(("◀ 上一页", CAMPAIGN_LIST.encode(page - 1)))
    if page + 1 < pages:
        nav.append(("下一页 ▶", CAMPAIGN_LIST.encode(page + 1)))
    return "\n".join(lines), keyboard([*rows, nav])


async def on_list_page(update: Update, context: BotContext) -> None:
    """cl:<page>: another page of the list, in the message pressed (admins only, checked on every press)."""
    query = update.callback_query
    decoded = CAMPAIGN_LIST.decode(query.data)
    if decoded is None:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    role = await user_role(update, context)
    if not role.any_admin:
        await query.answer(REFUSED, show_alert=True)
        return
    await query.answer()
    text, markup = await _list_page(context, query.from_user.id, role, decoded[0], local_today(context))
    await show_page(update, context, text, markup, LIST_TITLE)


async def _save(update: Update, context: BotContext, role: Role, campaign: Campaign, actor: str) -> None:
    """Save for the admin's office (a home admin: the home's); an office's is keyed by its place."""
    from bot.campaigns import store
    from bot.db.models import Office

    def save(session):
        mine = campaign
        if not role.admin:
            mine = store.office_key(campaign, session.get(Office, role.office).code)
        return mine, store.save_campaign(session, mine, actor, None if role.admin else role.office)

    try:
        saved, new = await context.bot_data.db.run(save)
    except CampaignError as exc:
        await reply_html(update, f"未保存：{esc(exc)}")
        return
    await replan(context.application)
    verb = "已新增" if new else "已修改"
    await reply_html(update, [f"{verb}工作安排：", describe(saved, local_today(context)),
                              "各步骤将按期提醒本级和承担步骤的下级办公室的订阅群和管理员；报表封面注明其文号。"])


async def on_campaign_file(update: Update, context: BotContext) -> None:
    """A .yaml document from an admin is a campaign; handled before the registry import (group -1)."""
    from bot.campaigns.files import read_campaign_file

    message = update.effective_message
    uid = update.effective_user.id if update.effective_user else None
    if not is_private(update) and not mentions_bot(message, context.bot.username):
        return  # a file shared in a group is for the people there: only one addressed to the bot is taken
    role = await user_role(update, context)
    if not role.any_admin:
        await reply_html(update, "只有管理员可以新增工作安排。")
        raise ApplicationHandlerStop
    document = message.document
    if document.file_size and document.file_size > 1024 * 1024:
        await reply_html(update, "工作安排文件不能超过 1 MB。")
        raise ApplicationHandlerStop
    buffer = io.BytesIO()
    await (await document.get_file()).download_to_memory(buffer)
    try:
        # off the event loop: parsing and checking a file is the one step whose cost the sender chooses
        campaign = await asyncio.to_thread(read_campaign_file, document.file_name or "campaign.yaml", buffer.getvalue())
    except CampaignError as exc:
        await reply_html(update, f"未保存：{esc(exc)}")
        raise ApplicationHandlerStop from None
    await _save(update, context, role, campaign, f"telegram:{uid}")
    raise ApplicationHandlerStop


async def on_button(update: Update, context: BotContext) -> None:
    from bot.campaigns import store

    query = update.callback_query
    decoded = CAMPAIGN.decode(query.data)
    if decoded is None:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    action, scope_key = decoded
    role = await user_role(update, context)
    if not role.any_admin:
        await query.answer(REFUSED, show_alert=True)
        return
    payload = recall(context, scope_key)
    if payload is None:
        await query.answer("按钮已过期，请重新发送 /campaign。", show_alert=True)
        return
    db = context.bot_data.db
    key = payload["campaign"]
    items = await _campaigns(context, role)  # what the presser sees now, whoever the button was made for
    item = store.find_in(items, key)
    if item is None:
        await query.answer("该工作安排已不存在。", show_alert=True)
        return
    if action == "end" and not role.manages(item.office_id):
        await query.answer(NOT_YOURS, show_alert=True)
        return
    await query.answer()
    if action == "show":
        await reply_html(update, describe(item.campaign, local_today(context)))
        return
    await db.run(lambda s: store.end_campaign(s, key, f"telegram:{query.from_user.id}", items))
    await reply_html(update, f"已结束：{esc(item.campaign.title)}，不再提醒其中的步骤。")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("campaign", campaign_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=CAMPAIGN.pattern))
    app.add_handler(CallbackQueryHandler(on_list_page, pattern=CAMPAIGN_LIST.pattern))
    yaml_files = filters.Document.FileExtension("yaml") | filters.Document.FileExtension("yml")
    app.add_handler(MessageHandler(yaml_files & filters.UpdateType.MESSAGE, on_campaign_file), group=-1)
