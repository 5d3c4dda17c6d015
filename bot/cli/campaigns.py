"""`domainbot campaign list|show|add|end [--office 武定县]`: campaigns without code (a YAML or .xlsx file); with
--office, that office's own (added for it, listed as its admins see them, ended only if its own or below)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.cli.output import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from bot.cli.parser import Subcommands
from bot.config.settings import office_today


def cmd_campaign(args: argparse.Namespace) -> int:
    from bot.campaigns import store
    from bot.campaigns.files import read_campaign_file
    from bot.cli.registry import open_database
    from bot.offices.service import OfficeError, chosen_office
    from knowledge.campaigns import CampaignError

    office = None
    if args.office:
        try:
            office = open_database().call(lambda s: chosen_office(s, args.office))
        except OfficeError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
    if args.action == "add":
        path = Path(args.target or "")
        if not path.is_file():
            print(f"文件不存在：{path}", file=sys.stderr)
            return EXIT_USAGE
        try:
            campaign = read_campaign_file(path.name, path.read_bytes())
        except CampaignError as exc:
            print(f"{path.name}：{exc}", file=sys.stderr)
            return EXIT_FAIL
        db = open_database()
        if office is not None:
            campaign = store.office_key(campaign, office.place.code)
        try:
            new = db.call(lambda s: store.save_campaign(s, campaign, "cli", office.id if office else None))
        except CampaignError as exc:
            print(f"{path.name}：{exc}", file=sys.stderr)
            return EXIT_FAIL
        print(f"{'已新增' if new else '已修改'}工作安排“{campaign.title}”（{campaign.id}），{len(campaign.milestones)} 个步骤；"
              "机器人下次规划提醒时生效。")
        return EXIT_OK
    db = open_database()

    def listed(session):
        items = store.list_campaigns(session)
        if office is None:
            return items
        return store.visible(items, office.scope, store.offices_above(session, office.id))

    if args.action == "list":
        today = office_today()
        for number, item in enumerate(db.call(listed), 1):
            nxt = item.campaign.next_step(today)
            step = f"，下一步 {nxt.date} {nxt.what}" if nxt and item.active else ""
            print(f"{number}\t{item.campaign.id}\t{item.campaign.title}\t{'进行中' if item.active else '已结束'}"
                  f"{'（内置）' if item.shipped else ''}{step}")
        return EXIT_OK
    if not args.target:
        print(f"用法：domainbot campaign {args.action} 编号或名称", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.action == "show":
            item = store.find_in(db.call(listed), args.target)
            if item is None:
                raise CampaignError(f"没有编号或名称为“{args.target}”的工作安排（domainbot campaign list 列出编号）")
            print(item.campaign.to_yaml(), end="")
        else:
            mine = [i for i in db.call(listed) if office is None or i.office_id in office.scope.offices]
            campaign = db.call(lambda s: store.end_campaign(s, args.target, "cli", mine))
            print(f"已结束“{campaign.title}”，不再提醒其中的步骤。")
    except CampaignError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAIL
    return EXIT_OK


def add_commands(sub: Subcommands) -> None:
    cp = sub.add_parser("campaign", help="工作安排：list | show 编号 | add 文件.yaml|.xlsx | end 编号")
    cp.add_argument("action", choices=["list", "show", "add", "end"])
    cp.add_argument("target", nargs="?")
    cp.add_argument("--office", metavar="地区", help="下级办公室自己的工作安排（新增、列出、结束），例如 --office 武定县")
    cp.set_defaults(func=cmd_campaign)
