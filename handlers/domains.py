"""Registry edits in chat beyond status and contacts: add or remove a domain, mark the 主域名, and the office's
region. Admins only, checked on every update; every change goes to the audit log (bot/registry/edits.py)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.runtime.state import BotContext
from bot.ui import texts
from handlers.basics import BotCommandInfo
from handlers.common import esc, localized, reply_html
from handlers.records import _actor, _dated, _db, _region, _require_admin
from knowledge.domains import site_text
from knowledge.examples import localize
from knowledge.registry_model import read_kind, read_status
from knowledge.units import qualify

COMMANDS = [
    BotCommandInfo("adddomain", "（管理员）登记一个域名", "/adddomain 武定县财政局 czj.wuding.gov.cn 在用"),
    BotCommandInfo("deldomain", "（管理员）删除误登记的域名", "/deldomain www.example.com"),
    BotCommandInfo("primary", "（管理员）设为本单位主域名", "/primary czj.wuding.gov.cn"),
    BotCommandInfo("region", "（管理员）查看或设置本地区", "/region 云南省楚雄彝族自治州武定县", group=False),
]


async def adddomain_command(update: Update, context: BotContext) -> None:
    from bot.registry.edits import add_domain
    from bot.registry.lookup import RegistryError
    from bot.registry.region import home_region

    if not await _require_admin(update, context):
        return
    args = list(context.args or [])
    if len(args) < 2:
        await reply_html(update, await localized(context, "用法：/adddomain 单位名称 域名 [状态] [日期] [类型]\n"
                                 "例：<code>/adddomain 武定县财政局 czj.wuding.gov.cn 在用</code>\n"
                                 "业务系统：<code>/adddomain 武定县财政局 czxt.wdczj.com 在用 业务系统</code>"))
        return
    unit_name, name, rest = args[0], args[1], args[2:]
    status = rest.pop(0) if rest and read_status(rest[0]) else ""
    if (dated := await _dated(update, rest)) is None:
        return
    on, rest = dated
    kind = rest.pop(0) if rest and read_kind(rest[0]) else ""
    if rest:
        await reply_html(update, f"看不懂“{esc(' '.join(rest)[:50])}”：请按 单位名称 域名 状态 日期 类型 的顺序写。")
        return
    actor, region = _actor(update), _region(context)

    def change(s):
        return add_domain(s, qualify(unit_name, home_region(s, region)), name, actor, status, kind, on)

    try:
        domain, unit, created = await _db(context).run(change)
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    new_unit = "（新登记单位）" if created else ""
    await reply_html(update, f"已登记 <code>{esc(site_text(domain))}</code> [{esc(domain.status)}]，"
                             f"单位：{esc(unit.name)}{new_unit}。可用 /status {esc(site_text(domain))} 查看是否合规。")


async def deldomain_command(update: Update, context: BotContext) -> None:
    from bot.registry.edits import remove_domain
    from bot.registry.lookup import RegistryError

    if not await _require_admin(update, context):
        return
    args = context.args or []
    if len(args) != 1:
        await reply_html(update, "用法：/deldomain 域名\n只用于删除误登记的域名；已注销的域名请用 /setstatus 域名 已注销 日期。")
        return
    actor = _actor(update)
    try:
        domain = await _db(context).run(lambda s: remove_domain(s, args[0], actor))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    await reply_html(update, f"已从登记册删除 <code>{esc(site_text(domain))}</code>（修改记录中保留原内容）。")


async def primary_command(update: Update, context: BotContext) -> None:
    from bot.registry.edits import set_primary
    from bot.registry.lookup import RegistryError

    if not await _require_admin(update, context):
        return
    args = context.args or []
    if len(args) != 1:
        await reply_html(update, "用法：/primary 域名（每个单位英文、中文各一个主域名）")
        return
    actor = _actor(update)
    try:
        domain, moved = await _db(context).run(lambda s: set_primary(s, args[0], actor))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    extra = texts.PRIMARY_MOVED.format(domains=esc("、".join(moved))) if moved else ""
    await reply_html(update, texts.PRIMARY_SET.format(domain=esc(site_text(domain)), moved=extra))


async def region_command(update: Update, context: BotContext) -> None:
    from bot.registry.region import home_region, set_region

    if not await _require_admin(update, context):
        return
    text = " ".join(context.args or []).strip()
    actor, configured = _actor(update), _region(context)
    if not text:
        current = await _db(context).run(lambda s: home_region(s, configured))
        await reply_html(update, f"本地区：{esc(current or '（未设置）')}\n不写地名的单位（教育局、××镇）按本地区读。"
                                 + localize("设置：<code>/region 云南省楚雄彝族自治州武定县</code>；", current)
                                 + "恢复默认：<code>/region 默认</code>")
        return
    value = "" if text in ("默认", "清除", "-") else text
    try:
        await _db(context).run(lambda s: set_region(s, value, actor))
        current = await _db(context).run(lambda s: home_region(s, configured))
    except ValueError as exc:
        await reply_html(update, esc(exc))
        return
    await reply_html(update, f"已设置本地区：{esc(current or '（未设置）')}")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("adddomain", adddomain_command))
    app.add_handler(CommandHandler("deldomain", deldomain_command))
    app.add_handler(CommandHandler("primary", primary_command))
    app.add_handler(CommandHandler("region", region_command))
