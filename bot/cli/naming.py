"""`domainbot suggest` and `domainbot check`: naming from the command line, single or batch."""
from __future__ import annotations

import argparse
import sys

from bot.cli.output import EXIT_OK, EXIT_USAGE, batch, emit
from bot.cli.parser import Subcommands
from bot.ui import texts
from knowledge.naming import NOTE_NO_PARENT, suggest
from knowledge.rules import check
from knowledge.units import KIND_LABELS, KINDS

EXIT_NONCOMPLIANT = 1


def _suggest_item(item: dict) -> dict:
    unit = str(item.get("unit") or "")
    if not unit.strip():
        raise ValueError("缺少 unit（单位名称）")
    return suggest(unit, item.get("kind"), item.get("parent")).to_json()


def _check_item(item: dict) -> dict:
    domain = item.get("domain")
    if domain is None:
        raise ValueError("缺少 domain（域名或网址）")
    return check(str(domain), item.get("unit"), item.get("kind"), item.get("parent")).to_json()


def cmd_suggest(args: argparse.Namespace) -> int:
    if args.batch:
        return batch(_suggest_item)
    if not args.unit:
        print("用法：domainbot suggest 单位名称 [--kind K] [--parent 域名] [--json]", file=sys.stderr)
        return EXIT_USAGE
    result = suggest(" ".join(args.unit), args.kind, args.parent)
    if args.json:
        emit(result.to_json())
    else:
        print(f"单位：{result.unit}（{KIND_LABELS.get(result.kind or '', '类型待定')}）")
        for domain in result.english + result.chinese:
            print(f"  {domain}")
        for note in result.notes:
            print(f"  注：{note}")
        if result.needs_kind:
            print("  （命令行用 --kind institution_admin 或 --kind institution_other 指明）")
        if NOTE_NO_PARENT in result.notes:
            print("  （命令行也可用 --parent 指明上级门户网站域名，例如 --parent www.wuding.gov.cn）")
    return EXIT_USAGE if result.needs_kind and not args.json else EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    if args.batch:
        return batch(_check_item)
    if not args.domain:
        print("用法：domainbot check 域名或网址 [--unit 单位名称] [--kind K] [--parent 域名] [--json]", file=sys.stderr)
        return EXIT_USAGE
    result = check(args.domain, args.unit, args.kind, args.parent)
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
