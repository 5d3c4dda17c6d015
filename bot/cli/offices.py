"""`domainbot office add|list`, and the `--office REGION` the registry commands take."""
from __future__ import annotations

import argparse
import json
import sys

from bot.cli.output import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from bot.cli.parser import Subcommands
from bot.config.settings import load_settings


def cmd_office(args: argparse.Namespace) -> int:
    from bot.cli.registry import open_database
    from bot.offices.service import OfficeError, add_office, office_views
    from bot.registry.region import home_region

    db = open_database()
    region = db.call(lambda s: home_region(s, load_settings().bot_region))
    if args.action == "add":
        if not args.region:
            print("用法：domainbot office add 地区 [--admin 用户ID …] [--departments]", file=sys.stderr)
            return EXIT_USAGE
        try:
            view = db.call(lambda s: _added(s, add_office(s, args.region, region, "cli", tuple(args.admin or ()),
                                                          args.departments), region))
        except OfficeError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FAIL
        print(json.dumps(view.to_json(), ensure_ascii=False) if args.json else
              f"已添加 {view.title}（{view.units} 个单位，管理员 {'、'.join(map(str, view.admins)) or '暂无'}）")
        return EXIT_OK
    views = db.call(lambda s: office_views(s, region))
    if args.json:
        print(json.dumps([v.to_json() for v in views], ensure_ascii=False))
        return EXIT_OK
    depth = {None: -1}
    for view in views:
        depth[view.id] = depth.get(view.parent_id, 0) + 1 if view.id is not None else 0
        admins = "、".join(map(str, view.admins)) or "暂无"
        number = f"[{view.id}] " if view.id is not None else "[本级] "
        print(f"{'  ' * depth[view.id]}{number}{view.title}：{view.units} 个单位，管理员 {admins}")
    return EXIT_OK


def _added(session, office, region: str):
    from bot.offices.service import office_views

    return next(v for v in office_views(session, region) if v.id == office.id)


def office_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--office", metavar="地区", help=f"只{what}这个下级办公室（及其下级）的单位，例如 --office 武定县")


def add_commands(sub: Subcommands) -> None:
    of = sub.add_parser("office", help="下级办公室：添加（add 地区 --admin 用户ID）或列出（list）")
    of.add_argument("action", choices=["add", "list"])
    of.add_argument("region", nargs="?", default="")
    of.add_argument("--admin", type=int, action="append", metavar="用户ID", help="该办公室的管理员 Telegram 用户 ID，可写多次")
    of.add_argument("--departments", action="store_true", help="添加本级部门组（如 楚雄州直部门），而不是下级地区")
    of.add_argument("--json", action="store_true")
    of.set_defaults(func=cmd_office)
