"""`domainbot suggest` and `domainbot check`: naming from the command line, single or batch."""
from __future__ import annotations

import argparse
import sys
from functools import lru_cache

from bot.cli.output import EXIT_OK, EXIT_USAGE, batch, emit
from bot.cli.parser import Subcommands
from bot.ui import texts
from knowledge.examples import localize, note_text
from knowledge.naming import NOTE_NO_PARENT, SYSTEMS, suggest
from knowledge.rules import check
from knowledge.units import KIND_LABELS, KINDS, parse_unit, qualify

EXIT_NONCOMPLIANT = 1


@lru_cache(maxsize=1)
def office_region() -> str:
    """The office's region from the same source as chat (bot.registry.region.home_region): the region an admin
    set with /region, else BOT_REGION, else the place most registered units share. The database is read only
    when it is there (a SQLite file that does not exist is not created for a naming question); without it,
    BOT_REGION."""
    from pathlib import Path

    from sqlalchemy.engine import make_url

    from bot.config.settings import load_settings
    from bot.db.storage import Database, normalise_url
    from bot.registry.region import home_region

    settings = load_settings()
    url = make_url(normalise_url(settings.database_url))
    if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
        return settings.bot_region
    db = None
    try:
        db = Database(settings.database_url)
        return db.call(lambda s: home_region(s, settings.bot_region))
    except Exception:  # no schema yet, or the database does not answer: the configured region
        return settings.bot_region
    finally:
        if db is not None:
            db.dispose()


def in_region(unit: str | None) -> str | None:
    """教育局, 狮山镇: a name without a place is read as a unit of the office's region, as in chat."""
    if not unit or parse_unit(unit).place_full:
        return unit
    region = office_region()
    return qualify(unit, region) if region else unit


def _suggest_item(item: dict, db=None) -> dict:
    unit = str(item.get("unit") or "")
    if not unit.strip():
        raise ValueError("缺少 unit（单位名称）")
    return _suggest(in_region(unit), item.get("kind"), item.get("parent"), db).to_json()


def _suggest(unit: str, kind: str | None, parent: str | None, db=None):
    """With --registry: never a name another unit holds in the registry (the model's next spellings instead)."""
    if db is None:
        return suggest(unit, kind, parent)
    from bot.registry.lookup import registry_suggest

    return db.call(lambda session: registry_suggest(session, unit, kind, parent))


def _registry(args: argparse.Namespace):
    if not getattr(args, "registry", False):
        return None
    from bot.cli.registry import open_database

    return open_database()


def _check_item(item: dict) -> dict:
    domain = item.get("domain")
    if domain is None:
        raise ValueError("缺少 domain（域名或网址）")
    unit = item.get("unit")
    return check(str(domain), in_region(str(unit)) if unit else None, item.get("kind"), item.get("parent")).to_json()


def cmd_suggest(args: argparse.Namespace) -> int:
    if not args.batch and not args.unit:
        print("用法：domainbot suggest 单位名称 [--kind K] [--parent 域名] [--registry] [--json]", file=sys.stderr)
        return EXIT_USAGE
    db = _registry(args)
    if args.batch:
        return batch(lambda item: _suggest_item(item, db))
    result = _suggest(in_region(" ".join(args.unit)), args.kind, args.parent, db)
    if args.json:
        emit(result.to_json())
    else:
        label = SYSTEMS[result.system][0] if result.system else KIND_LABELS.get(result.kind or "", "类型待定")
        print(f"单位：{result.unit}（{label}）")
        for domain in result.english + result.chinese:
            print(f"  {domain}")
        region = office_region() if result.notes else ""
        for note in result.notes:
            print(f"  注：{note_text(note, region)}")
        if result.needs_kind:
            print("  （命令行用 --kind institution_admin 或 --kind institution_other 指明）")
        if NOTE_NO_PARENT in result.notes:
            print(localize("  （命令行也可用 --parent 指明上级门户网站域名，例如 --parent www.wuding.gov.cn）", region))
    return EXIT_USAGE if result.needs_kind and not args.json else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if args.batch:
        return batch(_check_item)
    if not args.domain:
        print("用法：domainbot check 域名或网址 [--unit 单位名称] [--kind K] [--parent 域名] [--json]", file=sys.stderr)
        return EXIT_USAGE
    result = check(args.domain, in_region(args.unit), args.kind, args.parent)
    if args.json:
        emit(result.to_json())
    else:
        print(f"{result.domain.unicode or result.input}：{'符合规范' if result.compliant else '不符合规范'}")
        for problem in result.problems:
            print(f"  - {problem.message}（依据：{problem.basis}）")
        if result.expected:
            print(f"  应使用：{result.expected[0]}")
    return EXIT_OK if result.compliant else EXIT_NONCOMPLIANT


def add_commands(sub: Subcommands) -> None:
    s = sub.add_parser("suggest", help=texts.SUGGEST_HELP)
    s.add_argument("unit", nargs="*")
    s.add_argument("--kind", choices=KINDS)
    s.add_argument("--parent", help="上级门户网站域名，例如 www.wuding.gov.cn")
    s.add_argument("--json", action="store_true")
    s.add_argument("--registry", action="store_true", help="避开登记册中其他单位已持有的域名（读取数据库）")
    s.add_argument("--batch", action="store_true", help="从标准输入读 JSON Lines {\"unit\", \"kind\"?, \"parent\"?}")
    s.set_defaults(func=cmd_suggest)

    c = sub.add_parser("check", help=texts.CHECK_HELP)
    c.add_argument("domain", nargs="?")
    c.add_argument("--unit", help="主办单位名称")
    c.add_argument("--kind", choices=KINDS)
    c.add_argument("--parent", help="上级门户网站域名")
    c.add_argument("--json", action="store_true")
    c.add_argument("--batch", action="store_true", help="从标准输入读 JSON Lines {\"domain\", \"unit\"?, \"kind\"?, \"parent\"?}")
    c.set_defaults(func=cmd_check)
