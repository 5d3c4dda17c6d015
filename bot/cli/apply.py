"""`domainbot apply SPEC.json --out FORM.docx|FORM.xlsx`: the filled application form from the command line.
An application the rules refuse writes nothing and exits 1 with the reasons."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.output import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from bot.cli.parser import Subcommands


def cmd_apply(args: argparse.Namespace) -> int:
    from bot.applications.forms import FORMATS, write_form
    from knowledge.applications import SpecError, route, validate

    source = args.spec or args.json_file
    if not source or not args.out:
        print("用法：domainbot apply SPEC.json --out FORM.docx（或 FORM.xlsx）", file=sys.stderr)
        return EXIT_USAGE
    outputs = [Path(p) for p in args.out]
    if any(p.suffix.lower() not in FORMATS for p in outputs):
        print("输出文件须以 .docx 或 .xlsx 结尾", file=sys.stderr)
        return EXIT_USAGE
    try:
        raw = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"无法读取申请文件 {source}：{exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        spec = validate(raw, _registry_context(raw) if args.registry else None)
    except SpecError as exc:
        print("申请不符合规定，未生成表格：", file=sys.stderr)
        for problem in exc.problems:
            print(f"- {problem}", file=sys.stderr)
        return EXIT_FAIL
    steps, basis = route(spec.action, spec.unit, spec.kind, spec.legacy)
    for path in outputs:
        write_form(path, spec, steps, basis)
        print(f"已生成 {path}")
    return EXIT_OK


def _registry_context(raw: dict):
    """What the registry knows (the registered portal, who holds each domain), when asked for."""
    from bot.applications.records import registry_context
    from bot.cli.registry import open_database

    db = open_database()
    domains = raw.get("domains") if isinstance(raw.get("domains"), list) else []
    return db.call(lambda s: registry_context(s, str(raw.get("unit") or ""), [str(d) for d in domains]))


def add_commands(sub: Subcommands) -> None:
    apply = sub.add_parser("apply", help="生成政府网站域名业务申请基本信息表（.docx/.xlsx）")
    apply.add_argument("spec", nargs="?", help="申请内容 JSON 文件")
    apply.add_argument("--json", dest="json_file", help="同 SPEC.json")
    apply.add_argument("--out", action="append", help="输出文件 FORM.docx 或 FORM.xlsx（可写两次）")
    apply.add_argument("--registry", action="store_true", help="按登记册核对（门户网站域名、域名持有单位）")
    apply.set_defaults(func=cmd_apply)
