"""Registry edits in chat beyond status and contacts: add or remove a domain, mark the 主域名; the home office's
region and the offices under it (/office). Admins only, checked on every update: an office's admins act on their
offices' units only; every change goes to the audit log (bot/registry/edits.py)."""
from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.runtime.state import BotContext
from bot.ui import texts
from handlers.basics import BotCommandInfo
from handlers.common import esc, localized, parse_id, reply_html, user_role
from handlers.records import _actor, _admin_role, _dated, _db, _reading_region, _region, _require_admin
from knowledge.domains import site_text
from knowledge.examples import localize
from knowledge.registry_model import read_kind, read_status

COMMANDS = [
    BotCommandInfo("adddomain", "（管理员）登记一个域名", "/adddomain 武定县财政局 czj.wuding.gov.cn 在用"),
    BotCommandInfo("deldomain", "（管理员）删除误登记的域名", "/deldomain www.example.com"),
    BotCommandInfo("primary", "（管理员）设为本单位主域名", "/primary czj.wuding.gov.cn"),
    BotCommandInfo("region", "（管理员）查看或设置本地区", "/region 云南省楚雄彝族自治州武定县", group=False),
    BotCommandInfo("office", "（管理员）查看或添加下级办公室（县市区、州直部门）", "/office add 武定县 123456789"),
]


async def adddomain_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import unit_to_register
    from bot.registry.edits import add_domain
    from bot.registry.lookup import RegistryError

    if (role := await _admin_role(update, context)) is None:
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
    actor, region = _actor(update), await _reading_region(context, role)

    def change(s):  # an office admin: a unit of their offices, or a new one of a place in them
        return add_domain(s, unit_to_register(s, role, unit_name, region=region), name, actor, status, kind, on)

    try:
        domain, unit, created = await _db(context).run(change)
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    new_unit = "（新登记单位）" if created else ""
    await reply_html(update, f"已登记 <code>{esc(site_text(domain))}</code> [{esc(domain.status)}]，"
                             f"单位：{esc(unit.name)}{new_unit}。可用 /status {esc(site_text(domain))} 查看是否合规。")


async def deldomain_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import domain_for
    from bot.registry.edits import remove_domain
    from bot.registry.lookup import RegistryError

    if (role := await _admin_role(update, context)) is None:
        return
    args = context.args or []
    if len(args) != 1:
        await reply_html(update, "用法：/deldomain 域名\n只用于删除误登记的域名；已注销的域名请用 /setstatus 域名 已注销 日期。")
        return
    actor = _actor(update)
    try:
        domain = await _db(context).run(lambda s: remove_domain(
            s, site_text(domain_for(s, role, args[0], admin_only=True)), actor))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    await reply_html(update, f"已从登记册删除 <code>{esc(site_text(domain))}</code>（修改记录中保留原内容）。")


async def primary_command(update: Update, context: BotContext) -> None:
    from bot.registry.access import domain_for
    from bot.registry.edits import set_primary
    from bot.registry.lookup import RegistryError

    if (role := await _admin_role(update, context)) is None:
        return
    args = context.args or []
    if len(args) != 1:
        await reply_html(update, "用法：/primary 域名（每个单位英文、中文各一个主域名）")
        return
    actor = _actor(update)
    try:
        domain, moved = await _db(context).run(lambda s: set_primary(
            s, site_text(domain_for(s, role, args[0], admin_only=True)), actor))
    except RegistryError as exc:
        await reply_html(update, esc(exc))
        return
    extra = texts.PRIMARY_MOVED.format(domains=esc("、".join(moved))) if moved else ""
    await reply_html(update, texts.PRIMARY_SET.format(domain=esc(site_text(domain)), moved=extra))


async def region_command(update: Update, context: BotContext) -> None:
    from bot.registry.region import home_region, set_region

    text = " ".join(context.args or []).strip()
    role = await user_role(update, context)
    if role.offices and not role.admin and not text:  # an office admin: their office's region, read only
        region = await _reading_region(context, role)
        await reply_html(update, f"本办公室地区：{esc(region)}\n不写地名的单位（教育局、狮山镇）按本地区读。")
        return
    if not await _require_admin(update, context):
        return
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


OFFICE_USAGE = ("用法：\n<code>/office</code> 查看办公室\n<code>/office add 武定县 [管理员用户ID …]</code> 添加县（市、区）办公室"
                "\n<code>/office add 楚雄州直部门 [管理员用户ID …]</code> 添加本级部门组")


def office_lines(views: list) -> list[str]:
    """The office tree, one line each: title, units, admins; indented under the office above."""
    depth: dict[int | None, int] = {}
    lines = []
    for view in views:
        depth[view.id] = depth.get(view.parent_id, 0) + 1 if view.id is not None else 0
        admins = "、".join(str(a) for a in view.admins) or "（未指定）"
        number = f"[{view.id}] " if view.id is not None else ""
        lines.append(f"{'　' * depth[view.id]}{number}<b>{esc(view.title)}</b>：{view.units} 个单位；管理员 {esc(admins)}")
    return lines


async def office_command(update: Update, context: BotContext) -> None:
    """/office: the offices the admin may see (the home admin: all; an office admin: theirs and those below);
    /office add REGION [ID …]: the home office's admins add an office under it, with its admins."""
    from bot.offices.service import OfficeError, add_office, offices_seen, title_of
    from bot.registry.region import home_region

    role = await user_role(update, context)
    args = list(context.args or [])
    configured = _region(context)
    if not args or args[0] in ("list", "列表", "查看"):
        if not role.any_admin:
            await reply_html(update, "只有管理员可以查看办公室。")
            return
        views = await _db(context).run(lambda s: offices_seen(s, role, home_region(s, configured)))
        extra = "\n添加：<code>/office add 武定县 管理员用户ID</code>" if role.admin else ""
        await reply_html(update, ["<b>办公室</b>", *office_lines(views)] + ([extra.strip()] if extra else []))
        return
    if args[0] not in ("add", "添加"):
        await reply_html(update, OFFICE_USAGE)
        return
    if not await _require_admin(update, context):
        return
    if len(args) < 2:
        await reply_html(update, OFFICE_USAGE)
        return
    region, ids = args[1], [parse_id(a) for a in args[2:]]
    if any(i is None or i == 0 for i in ids):
        await reply_html(update, "管理员请写 Telegram 用户ID（数字，例如 123456789）。\n" + OFFICE_USAGE)
        return
    departments = region.endswith("直部门")
    actor = _actor(update)

    def add(s):
        office = add_office(s, region.removesuffix("直部门") if departments else region,
                            home_region(s, configured), actor, tuple(ids), departments)
        return title_of(office), [v for v in offices_seen(s, role, home_region(s, configured)) if v.id == office.id][0]

    try:
        title, view = await _db(context).run(add)
    except OfficeError as exc:
        await reply_html(update, esc(exc))
        return
    admins = "、".join(str(a) for a in view.admins) or "（未指定，可再用 /office add 地区 用户ID 添加）"
    await reply_html(update, f"已添加 <b>{esc(title)}</b>：{view.units} 个单位归入；管理员 {esc(admins)}。\n"
                             "该办公室的管理员只能查看和办理本办公室及下级的单位。")


def register(app: Application) -> None:
    app.add_handler(CommandHandler("adddomain", adddomain_command))
    app.add_handler(CommandHandler("deldomain", deldomain_command))
    app.add_handler(CommandHandler("primary", primary_command))
    app.add_handler(CommandHandler("region", region_command))
    app.add_handler(CommandHandler("office", office_command))
