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
from bot.ui.buttons import DEADLINE_DONE, DEADLINE_SNOOZE, DUE_LIST, OLD_SNOOZE
from handlers.basics import BotCommandInfo
from handlers.common import esc, keyboard, reply_html, show_page, user_role
from knowledge.when import parse_schedule, parse_when

COMMANDS = [
    BotCommandInfo("due", "查看已逾期和即将到期的事项", "/due"),
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
    text, markup = await _due_page(update, context, 0)
    await reply_html(update, text, markup)


async def _due_page(update: Update, context: BotContext, page: int):
    """What is overdue and what falls due next: for an admin (in private) across the registry; for a
    contact their own units'; in a group, the group's unit and the campaign steps. Ten a page."""
    from bot.db.models import Chat
    from bot.registry.access import role_of
    from bot.reporting import progress

    chat = update.effective_chat
    uid = update.effective_user.id if update.effective_user else None
    admins = context.bot_data.settings.bot_admin_ids
    today = _now(context).astimezone(_tz(context)).date()

    def read(session):
        if chat.type == ChatType.PRIVATE:
            found = role_of(session, uid, admins)
            everything, units = found.admin, list(found.units)
        else:
            row = session.get(Chat, chat.id)
            everything, units = False, [row.unit_id] if row and row.unit_id else []
        return everything, progress.agenda(session, today, unit_ids=units, everything=everything,
                                           offset=page * DUE_PAGE, limit=DUE_PAGE)

    everything, found = await context.bot_data.db.run(read)
    total = found.total_overdue + found.total_upcoming
    if not total:
        return "近期没有待办的期限。", None
    pages = -(-total // DUE_PAGE)
    if page >= pages:  # a forged (or outdated) page number: the last page, read again
        page = pages - 1
        everything, found = await context.bot_data.db.run(read)
        total = found.total_overdue + found.total_upcoming
        pages = max(1, -(-total // DUE_PAGE))
    scope = "全部单位" if everything else "本人/本群"
    blocks = [f"<b>待办期限</b>（{scope}：已逾期 {found.total_overdue} 项，即将到期 {found.total_upcoming} 项"
              + (f"，第 {page + 1}/{pages} 页" if pages > 1 else "") + "）"]
    if found.overdue:
        blocks.append("<b>已逾期</b>")
        blocks += [f"• ⚠️ {r.due.isoformat()}（逾期 {(today - r.due).days} 天） {esc(r.title[:200])}" for r in found.overdue]
    if found.upcoming:
        blocks.append("<b>即将到期</b>")
        for r in found.upcoming:
            flag = "（暂定）" if r.provisional else ""
            blocks.append(f"• {r.due.isoformat()}{flag}（{(r.due - today).days} 天后） {esc(r.title[:200])}")
    nav = []
    if page > 0:
        nav.append(("◀ 上一页", DUE_LIST.encode(page - 1)))
    if page + 1 < pages:
        nav.append(("下一页 ▶", DUE_LIST.encode(page + 1)))
    return "\n".join(blocks), keyboard([nav])


async def on_due_page(update: Update, context: BotContext) -> None:
    """du:<page>; the list is read again for the person pressing, so a button shows them only what /due would."""
    query = update.callback_query
    page = DUE_LIST.decode(query.data)
    if page is None:
        await query.answer(texts.INVALID_BUTTON, show_alert=True)
        return
    text, markup = await _due_page(update, context, page[0])
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
        try:
            check_unit(session, role_of(session, uid, admins), row.unit_id)
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
# What a group may receive is decided by who bound it (notes/acting-for-a-unit.md):
# - a bot admin: /subscribe (broadcasts, campaign steps), /digest on (the whole registry's weekly digest), or
#   /subscribe 单位 to make it that unit's group;
# - a unit's linked contact: only as their own unit's group (/subscribe, /subscribe 本单位, /digest on): its
#   reminders and a digest of that unit alone, plus broadcasts and campaign steps, addressed to every bound group;
# - anyone else, a group's own admins included: nothing; they are told a bot admin or the unit's contact must bind
#   the group. (Anyone can create a group and be its admin: that says nothing about the registry.)
NOT_BOUND = ("只有机器人管理员或单位已绑定的联系人可以为本群开通通知。请本单位联系人在群里发送 "
             "<code>/subscribe 单位名称</code>（本群只接收该单位的提醒和汇总），或联系管理员。")


async def _bind(update: Update, context: BotContext, unit_name: str, **changes: object) -> str | None:
    """Bind this group as the sender may (see above) and apply `changes`; the unit it is bound to ("" when it
    receives everything); None after telling the sender why not (nothing changed)."""
    from bot.db.models import Chat, Unit
    from bot.delivery import chats
    from bot.registry.access import role_of, unit_for
    from bot.registry.lookup import RegistryError

    chat = update.effective_chat
    if chat.type == ChatType.PRIVATE:
        await reply_html(update, "请在群里使用这个命令。")
        return None
    uid = update.effective_user.id if update.effective_user else None
    admins = context.bot_data.settings.bot_admin_ids
    region = context.bot_data.settings.bot_region

    def bind(session):
        role = role_of(session, uid, admins)
        if role.guest:
            return None, NOT_BOUND
        row = session.get(Chat, chat.id)
        bound = row.unit_id if row else None
        if unit_name:
            unit_id = unit_for(session, role, unit_name, region=region).id  # a contact: their own unit only
        elif role.admin:
            unit_id = bound
        elif bound is not None:
            unit_id = bound
        elif row is not None and (row.subscribed or row.digest):
            return None, "本群由管理员开通，接收全部通知；只有管理员可以修改。"
        elif len(role.units) == 1:
            unit_id = role.units[0]
        else:
            return None, "您是多个单位的联系人，请写明本群所属单位：<code>/subscribe 单位名称</code>"
        if not role.admin and (bound is not None and bound not in role.units or unit_id not in role.units):
            return None, "本群是其他单位的工作群，只有管理员或该单位的联系人可以修改。"
        chats.remember_chat(session, chat.id, chat.title or "", chat.type, unit_id=unit_id, **changes)
        return (session.get(Unit, unit_id).name if unit_id else ""), None

    try:
        bound, refused = await context.bot_data.db.run(bind)
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return None
    if refused:
        await reply_html(update, refused)
        return None
    return bound


async def subscribe_command(update: Update, context: BotContext) -> None:
    """/subscribe (a bot admin: broadcasts to this group; a contact: this is their unit's group), or
    /subscribe 单位全称 to make this the unit's group: its contacts without a linked Telegram account are then
    reminded here, and overdue notices for the unit come here too."""
    unit_name = " ".join(context.args or []).strip()
    bound = await _bind(update, context, unit_name, subscribed=True)
    if bound is not None:
        await replan(context.application)
        linked = f"，并作为“{esc(bound)}”的工作群接收该单位的提醒" if bound else ""
        await reply_html(update, f"本群已订阅：将收到广播通知和清理工作的期限提醒{linked}。")


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
    role, row = await context.bot_data.db.run(lambda s: (role_of(s, uid, admins), s.get(Chat, chat.id)))
    contact = row is not None and row.unit_id is not None and row.unit_id in role.units
    if role.admin or contact or await _is_group_admin(update, context):
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
