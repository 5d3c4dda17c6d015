"""Deadlines in chat: /due, /remind, buttons on reminders, group subscriptions, broadcasts, the holiday
schedule. Permissions are checked on every update, button presses included."""
from __future__ import annotations

import datetime as dt
import secrets

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.runtime.jobs import replan
from bot.runtime.state import BotContext
from bot.ui import texts
from bot.ui.buttons import DEADLINE_DONE, DEADLINE_SNOOZE, DUE_LIST, DUE_OFFICE, OLD_SNOOZE
from handlers.basics import BotCommandInfo
from handlers.common import esc, keyboard, reply_html, show_page, user_role
from knowledge.when import parse_schedule, parse_when

COMMANDS = [
    BotCommandInfo("due", "查看已逾期和即将到期的事项（管理员可写下级办公室，如 /due 武定县）", "/due"),
    BotCommandInfo("remind", texts.REMIND_HELP, "/remind 2026-12-01 09:00 报送清理情况"),
    BotCommandInfo("subscribe", "（管理员或单位联系人）本群接收通知和提醒；可指定本群所属单位", "/subscribe 武定县财政局",
                   private=False),
    BotCommandInfo("unsubscribe", "（群管理员）本群不再接收通知", "/unsubscribe", private=False),
    BotCommandInfo("digest", "（管理员或单位联系人）每周清理进度汇总 开/关", "/digest on", private=False),
    BotCommandInfo("broadcast", "（管理员）向所有订阅群发通知", "/broadcast 请于本周五前报送清理情况", group=False),
    BotCommandInfo("holidays", "（管理员）录入下一年节假日安排", "/holidays 2027 休 2027-01-01 2027-02-10~2027-02-16 班 2027-02-07",
                   group=False),
]


def _now(context: BotContext) -> dt.datetime:
    return context.bot_data.clock()


def _tz(context: BotContext):
    return context.bot_data.settings.timezone


async def _is_group_admin(update: Update, context: BotContext) -> bool:
    """A bot admin, an administrator or the owner of the group, or an anonymous admin of this group (Telegram sends
    their messages from @GroupAnonymousBot with sender_chat the group itself; only its admins can post so)."""
    message = update.effective_message
    if message is not None and message.sender_chat is not None and message.sender_chat.id == update.effective_chat.id:
        return True
    if (await user_role(update, context)).admin:
        return True
    member = await context.bot.get_chat_member(update.effective_chat.id, update.effective_user.id)
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


# -- /due ---------------------------------------------------------------------------------------------------
DUE_PAGE = 10


async def due_command(update: Update, context: BotContext) -> None:
    named = " ".join(context.args or []).strip()
    text, markup = await _due_page(update, context, 0, named=named)
    await reply_html(update, text, markup)


async def _due_page(update: Update, context: BotContext, page: int, *, office: int | None = None, named: str = ""):
    """What is overdue and what falls due next (bot.deadlines.agenda). An admin in private: their office's
    campaign steps and units' deadlines, the offices below as counts with a button each (`/due 武定县` or the
    button opens one of them, within what the admin manages); a contact: their units' and their offices' steps;
    a group: its unit's, or its office's, or the home's steps. Ten a page."""
    from bot.campaigns import store
    from bot.deadlines import agenda
    from bot.offices.service import find_office, office_title_by_id
    from bot.registry.access import role_of

    chat = update.effective_chat
    uid = update.effective_user.id if update.effective_user else None
    admins = context.bot_data.settings.bot_admin_ids
    region = context.bot_data.settings.bot_region
    today = _now(context).astimezone(_tz(context)).date()

    def read(session, page):
        """(the list's owner as shown, or None: refused; the office shown; the page; offices below; titles)"""
        store.sync_for_offices(session)  # an office added since the last planning run: its steps
        role = role_of(session, uid, admins)
        if chat.type != ChatType.PRIVATE or not role.any_admin:
            where = (agenda.group_items(session, chat.id) if chat.type != ChatType.PRIVATE
                     else agenda.unit_items(session, list(role.units)))
            return "本人/本群", None, agenda.listing(session, today, where, offset=page * DUE_PAGE, limit=DUE_PAGE), [], {}
        shown = office
        if named:
            found = find_office(session, named)
            shown = found.id if found is not None else -1
        if shown is not None and not role.manages(shown):
            return None, None, None, [], {}
        shown = shown if shown is not None or role.admin else role.office
        below = agenda.below_counts(session, shown, today)
        titles = {o.office_id: office_title_by_id(session, o.office_id, region) for o in below}
        label = office_title_by_id(session, shown, region) if shown is not None or below else "全部单位"
        return label, shown, agenda.listing(session, today, agenda.office_items(shown), offset=page * DUE_PAGE,
                                            limit=DUE_PAGE), below, titles

    label, shown, found, below, titles = await context.bot_data.db.run(lambda s: read(s, page))
    if label is None:
        return "没有这个下级办公室，或不在您管理的范围内。发送 /due 查看本办公室的期限。", None
    total = found.total_overdue + found.total_upcoming
    pages = max(1, -(-total // DUE_PAGE))
    if total and page >= pages:  # a forged (or outdated) page number: the last page, read again
        page = pages - 1
        label, shown, found, below, titles = await context.bot_data.db.run(lambda s: read(s, page))
        total = found.total_overdue + found.total_upcoming
        pages = max(1, -(-total // DUE_PAGE))
    blocks = []
    if total:
        blocks.append(f"<b>待办期限</b>（{esc(label)}：已逾期 {found.total_overdue} 项，即将到期 {found.total_upcoming} 项"
                      + (f"，第 {page + 1}/{pages} 页" if pages > 1 else "") + "）")
    else:
        blocks.append(f"{esc(label)}近期没有待办的期限。" if shown is not None or below else "近期没有待办的期限。")
    if found.overdue:
        blocks.append("<b>已逾期</b>")
        blocks += [f"• ⚠️ {r.due.isoformat()}（逾期 {(today - r.due).days} 天） {esc(r.title[:200])}" for r in found.overdue]
    if found.upcoming:
        blocks.append("<b>即将到期</b>")
        for r in found.upcoming:
            flag = "（暂定）" if r.provisional else ""
            blocks.append(f"• {r.due.isoformat()}{flag}（{(r.due - today).days} 天后） {esc(r.title[:200])}")
    rows = []
    if below and page == 0:
        blocks.append("<b>下级办公室</b>（点按钮查看各自的期限）")
        for item in below:
            blocks.append(f"• {esc(titles[item.office_id])}：已逾期 {item.overdue} 项，即将到期 {item.upcoming} 项")
        rows = [[(titles[item.office_id][:30], DUE_OFFICE.encode(item.office_id, 0))]
                for item in below[:MAX_OFFICE_BUTTONS]]

    def turn(to: int) -> str:
        return DUE_OFFICE.encode(shown, to) if shown is not None else DUE_LIST.encode(to)

    nav = []
    if page > 0:
        nav.append(("◀ 上一页", turn(page - 1)))
    if page + 1 < pages:
        nav.append(("下一页 ▶", turn(page + 1)))
    return "\n".join(blocks), keyboard([*rows, nav])


MAX_OFFICE_BUTTONS = 90  # Telegram's keyboard holds 100 buttons; the list above names every office anyway


async def on_due_page(update: Update, context: BotContext) -> None:
    """du:<page>, duo:<office>:<page>; the list is read again for the person pressing, so a button shows them
    only what /due would (an office page only to those who manage that office)."""
    query = update.callback_query
    page, office_page = DUE_LIST.decode(query.data), DUE_OFFICE.decode(query.data)
    if page is None and office_page is None:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    if office_page is not None and update.effective_chat.type != ChatType.PRIVATE:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    office, number = office_page if office_page is not None else (None, page[0])
    text, markup = await _due_page(update, context, number, office=office)
    await query.answer()
    await show_page(update, context, text, markup)  # du buttons are only on a /due page: it is edited


# -- /remind ------------------------------------------------------------------------------------------------
async def remind_command(update: Update, context: BotContext) -> None:
    from bot.delivery import queue, receipts

    chat = update.effective_chat
    if chat.type != ChatType.PRIVATE and not await _is_group_admin(update, context):
        await reply_html(update, "在群里设置提醒需要群管理员权限。")
        return
    raw = (update.effective_message.text or "").split(maxsplit=1)
    try:
        when, text = parse_when(raw[1] if len(raw) > 1 else "", _now(context), _tz(context))
    except ValueError as exc:
        await reply_html(update, esc(exc))
        return
    uid = update.effective_user.id if update.effective_user else 0
    local = when.astimezone(_tz(context))
    answer = f"好的，将在 {local:%Y-%m-%d %H:%M} 提醒：{esc(text)}"
    # The same request again (a retry after 数据库暂时不可用, a re-delivered update) sets nothing new.
    key = receipts.request_key("remind", chat.id, uid, raw[1] if len(raw) > 1 else "")

    def schedule(session):
        earlier = receipts.first(session, key, _now(context))
        if earlier is not None:
            return earlier
        queue.schedule_oneoff(session, chat.id, text, when, uid)
        receipts.settle(session, key, answer)
        return answer

    try:
        answer = await context.bot_data.db.run(schedule)
    except queue.QuotaExceeded as exc:
        await reply_html(update, esc(exc))
        return
    await reply_html(update, answer)


# -- reminder buttons ---------------------------------------------------------------------------------------
async def on_button(update: Update, context: BotContext) -> None:
    from bot.db.models import Deadline
    from bot.deadlines import events
    from bot.registry.access import check_unit, role_of
    from bot.registry.lookup import RegistryError

    query = update.callback_query
    done, snooze = DEADLINE_DONE.decode(query.data), DEADLINE_SNOOZE.decode(query.data)
    if not done and not snooze:
        spent = OLD_SNOOZE.decode(query.data) is not None
        await query.answer("这个按钮已失效，请使用最新提醒中的按钮。" if spent else texts.INVALID_BUTTON, show_alert=True)
        return
    action = "done" if done else "snooze"
    # A 推迟 button carries the due date it was sent for: pressed once, it is spent (a replay moves nothing).
    deadline_id, shown_due = (done[0], None) if done else snooze
    uid = query.from_user.id
    admins = context.bot_data.settings.bot_admin_ids
    actor = f"telegram:{uid}"

    def act(session):
        row = session.get(Deadline, deadline_id)
        if row is None:
            return "gone", None
        role = role_of(session, uid, admins)
        if row.unit_id is None and not role.manages(row.office_id):  # a campaign step: its office's admins
            return "forbidden", None
        try:
            if row.unit_id is not None:
                check_unit(session, role, row.unit_id)
        except RegistryError:
            return "forbidden", None
        if action == "done":
            return "ok", events.mark_done(session, deadline_id, actor, _now(context))
        row, moved = events.snooze_once(session, deadline_id, actor, shown_due)
        return ("ok" if moved else "spent"), row

    outcome, row = await context.bot_data.db.run(act)
    if outcome == "gone":
        await query.answer("该事项已不存在。", show_alert=True)
    elif outcome == "spent":
        state = "已完成" if row.status == "done" else f"期限现为 {row.due.isoformat()}"
        await query.answer(f"这个按钮已经用过了（{state}），没有再推迟。", show_alert=True)
    elif outcome == "forbidden":
        await query.answer("只有负责的联系人或管理员可以操作。", show_alert=True)
    else:
        await query.answer("已标记完成" if action == "done" else f"已推迟到 {row.due.isoformat()}")
        await replan(context.application)
        note = "✅ 已完成" if action == "done" else f"⏩ 已推迟到 {row.due.isoformat()}"
        await reply_html(update, f"{note}：{esc(row.title)}")


# -- groups and broadcasts ----------------------------------------------------------------------------------
# What a group may receive is decided by who bound it: bot.delivery.groups (home admins, an office's admins,
# a unit's contacts; anyone else, a group's own admins included, nothing).


async def _bind(update: Update, context: BotContext, unit_name: str, **changes: object) -> str | None:
    """Bind this group as the sender may (see above) and apply `changes`; what it is bound to ("" when it
    receives the home office's notices, else a unit's name or an office's title); None after telling the sender
    why not (nothing changed)."""
    from bot.delivery import groups
    from bot.registry.lookup import RegistryError

    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        await reply_html(update, "请在群里使用这个命令。")
        return None
    uid = update.effective_user.id if update.effective_user else None
    admins = context.bot_data.settings.bot_admin_ids
    region = context.bot_data.settings.bot_region

    def bind(session):
        return groups.bind_group(session, uid, admins, region, chat.id, chat.title or "", chat.type, unit_name,
                                **changes)

    try:
        binding = await context.bot_data.db.run(bind)
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return None
    if binding.refused:
        await reply_html(update, binding.refused)
        return None
    return binding.name


async def subscribe_command(update: Update, context: BotContext) -> None:
    """/subscribe (a bot admin: broadcasts to this group; a contact: this is their unit's group; an office's
    admin: this is their office's group), /subscribe 单位全称 to make this the unit's group (its contacts without
    a linked Telegram account are reminded here, and overdue notices for the unit come here too), or
    /subscribe 武定县 (an admin of that office or above) to make it that office's group: its campaign steps'
    reminders and its units' overdue notices."""
    unit_name = " ".join(context.args or []).strip()
    bound = await _bind(update, context, unit_name, subscribed=True)
    if bound is not None:
        await replan(context.application)
        linked = f"，并作为“{esc(bound)}”的工作群接收{'本办公室' if _is_office(bound) else '该单位'}的提醒" if bound else ""
        await reply_html(update, f"本群已订阅：将收到广播通知和清理工作的期限提醒{linked}。")


def _is_office(title: str) -> bool:
    return title.endswith(("办公室", "办公厅", "直部门"))


async def _may_stop(update: Update, context: BotContext) -> bool:
    """/unsubscribe, /digest off: stopping is never a leak, so the group's own admins may too, besides those who
    may bind it (a bot admin, the bound unit's contact). Told why not otherwise."""
    from bot.db.models import Chat
    from bot.registry.access import role_of

    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        await reply_html(update, "请在群里使用这个命令。")
        return False
    uid = update.effective_user.id if update.effective_user else None
    admins = context.bot_data.settings.bot_admin_ids
    def read(session):
        from bot.delivery.groups import may_rebind

        row = session.get(Chat, chat.id)
        role = role_of(session, uid, admins)
        return role, row is not None and (row.unit_id is not None or row.office_id is not None) and may_rebind(
            session, role, row)

    role, holder = await context.bot_data.db.run(read)
    if role.admin or holder or await _is_group_admin(update, context):
        return True
    await reply_html(update, "只有群管理员、机器人管理员或本单位联系人可以设置。")
    return False


async def unsubscribe_command(update: Update, context: BotContext) -> None:
    from bot.delivery import chats

    chat = update.effective_chat
    if await _may_stop(update, context):
        await context.bot_data.db.run(lambda s: chats.remember_chat(s, chat.id, chat.title or "", chat.type,
                                                                    subscribed=False, digest=False))
        await reply_html(update, "本群已取消订阅。")


async def digest_command(update: Update, context: BotContext) -> None:
    from bot.delivery import chats

    choice = (context.args or [""])[0].lower()
    if choice not in ("on", "off", "开", "关"):
        await reply_html(update, "用法：/digest on 或 /digest off")
        return
    if choice in ("on", "开"):
        bound = await _bind(update, context, "", digest=True, subscribed=True)
        if bound is not None:
            await reply_html(update, _digest_on_text(context, f"“{esc(bound)}”的" if bound else "全部单位的"))
        return
    chat = update.effective_chat
    if await _may_stop(update, context):
        await context.bot_data.db.run(lambda s: chats.remember_chat(s, chat.id, chat.title or "", chat.type, digest=False))
        await reply_html(update, "已关闭每周汇总。")


def _digest_on_text(context: BotContext, scope: str) -> str:
    day = "一二三四五六日"[context.bot_data.settings.digest_weekday - 1]
    return (f"已开启每周汇总：每周{day}（遇节假日顺延到下一个工作日）发送{scope}清理进度和未来一周到期的事项；"
            "没有待办时不发。")


async def broadcast_command(update: Update, context: BotContext) -> None:
    from bot.delivery import queue, receipts

    if not (await user_role(update, context)).admin:
        await reply_html(update, "只有管理员可以广播。")
        return
    raw = (update.effective_message.text or "").split(maxsplit=1)
    text = raw[1].strip() if len(raw) > 1 else ""
    if not text or len(text) > 3500:
        await reply_html(update, "用法：/broadcast 通知内容（不超过 3500 字）")
        return
    tag = secrets.token_hex(8)
    # The same text from the same admin again within minutes (a retry after 数据库暂时不可用, a re-delivered
    # update) is the same broadcast: it is not queued twice.
    key = receipts.request_key("broadcast", update.effective_user.id, text)

    def queue_once(session):
        earlier = receipts.first(session, key, _now(context))
        if earlier is not None:
            return earlier + "（相同内容刚才已提交，没有重复发送。）"
        answer = f"已排入发送队列：{queue.broadcast(session, text, _now(context), tag)} 个订阅群。"
        receipts.settle(session, key, answer)
        return answer

    await reply_html(update, await context.bot_data.db.run(queue_once))


async def holidays_command(update: Update, context: BotContext) -> None:
    from bot.deadlines import calendar

    if not (await user_role(update, context)).admin:
        await reply_html(update, "只有管理员可以录入节假日安排。")
        return
    try:
        year, off, work = parse_schedule(context.args or [])
        await context.bot_data.db.run(lambda s: calendar.enter_schedule(s, year, off, work, f"telegram:{update.effective_user.id}"))
    except ValueError as exc:
        await reply_html(update, esc(exc))
        return
    await replan(context.application)
    await reply_html(update, calendar.schedule_summary(year, off, work))


async def on_migrated(update: Update, context: BotContext) -> None:
    """A group became a supergroup: Telegram says so in both chats (migrate_to_chat_id in the old,
    migrate_from_chat_id in the new). Its subscription, unit binding and queued messages move once."""
    from bot.delivery import chats

    message = update.effective_message
    if message.migrate_to_chat_id:
        old, new = message.chat_id, message.migrate_to_chat_id
    else:
        old, new = message.migrate_from_chat_id, message.chat_id
    await context.bot_data.db.run(lambda s: chats.migrate_chat(s, old, new))


def register(app: Application) -> None:
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, on_migrated), group=-1)
    app.add_handler(CommandHandler("due", due_command))
    app.add_handler(CommandHandler("remind", remind_command))
    app.add_handler(CommandHandler("subscribe", subscribe_command))
    app.add_handler(CommandHandler("unsubscribe", unsubscribe_command))
    app.add_handler(CommandHandler("digest", digest_command))
    app.add_handler(CommandHandler("broadcast", broadcast_command))
    app.add_handler(CommandHandler("holidays", holidays_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=r"^dl:"))  # DEADLINE_DONE, DEADLINE_SNOOZE
    app.add_handler(CallbackQueryHandler(on_due_page, pattern=DUE_LIST.pattern))
    app.add_handler(CallbackQueryHandler(on_due_page, pattern=DUE_OFFICE.pattern))
