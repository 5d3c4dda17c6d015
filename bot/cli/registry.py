"""`domainbot db|status|import|export|template|report`: the registry from the command line."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.cli.offices import office_option
from bot.cli.output import EXIT_FAIL, EXIT_OK, EXIT_USAGE
from bot.cli.parser import Subcommands
from bot.config.settings import load_settings
from bot.db.storage import Database
from bot.offices.service import OfficeError, chosen_office
from bot.ui import texts

SKIP_HINT = "，或用 --skip-invalid 只导入正确的行"


def open_database() -> Database:
    settings = load_settings()
    db = Database(settings.database_url)
    db.upgrade()
    return db


def cmd_db(args: argparse.Namespace) -> int:
    from bot.db.migrate import current_revision

    db = open_database()  # upgrading is what `db upgrade` asks for
    print(f"数据库已是最新结构（版本 {current_revision(db.engine)}）")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from bot.registry.lookup import lookup

    db = open_database()
    query = " ".join(args.query)
    if not query.strip():
        print("用法：domainbot status 域名或单位名称 [--json]", file=sys.stderr)
        return EXIT_USAGE
    try:
        office = db.call(lambda s: chosen_office(s, args.office))
    except OfficeError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    # views use the work calendar; with --office, only that office's units (and those below) are searched
    matches = db.call(lambda s: [m.to_json() for m in lookup(s, query, region=office.region if office else load_settings().bot_region,
                                                             scope=office.scope if office else None)])
    if args.json:
        print(json.dumps({"matches": matches}, ensure_ascii=False))
        return EXIT_OK
    if not matches:
        print("没有找到。")
        return EXIT_FAIL
    for match in matches:
        print(f"{match['unit']}（{match['kind']}）")
        for d in match["domains"]:
            due = f"，期限 {d['due']}" if d["due"] else ""
            print(f"  {d['unicode'] or d['domain']} [{d['status']}] {'合规' if d['compliant'] else '不合规'}：{d['next_action']}{due}")
            for p in d["problems"]:
                print(f"    · {p['message']}（依据：{p['basis']}）")
        for c in match["contacts"]:
            print(f"  联系人 {c['name']} {c['phone']} {c['email']}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from bot.registry.importer import import_file
    from bot.registry.sheets import SpreadsheetError

    path = Path(args.file)
    if not path.is_file():
        print(f"文件不存在：{path}", file=sys.stderr)
        return EXIT_USAGE
    db = open_database()
    bar = tqdm(unit="行", disable=args.json or not sys.stderr.isatty(), file=sys.stderr)

    def progress(stage: str, done: int, total: int) -> None:
        bar.set_description("校验" if stage == "check" else "写入")
        if total:
            bar.total = total
        bar.n = done
        bar.refresh()

    from bot.registry.import_writer import ImportTarget
    from bot.registry.region import home_region

    try:
        office = db.call(lambda s: chosen_office(s, args.office))
    except OfficeError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    region = office.region if office else db.call(lambda s: home_region(s, load_settings().bot_region))
    target = ImportTarget(office.id, office.place) if office else None
    try:
        report = import_file(db.call, path.read_bytes(), path.name, "cli", args.skip_invalid, progress, region, target)
    except SpreadsheetError as exc:
        bar.close()
        print(str(exc), file=sys.stderr)
        return EXIT_FAIL
    bar.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print(report.summary(SKIP_HINT))
        for row, reason in report.errors:
            print(f"  第{row}行：{reason}")
    return EXIT_OK if report.written else EXIT_FAIL


def cmd_export(args: argparse.Namespace) -> int:
    from bot.registry.export import export_file
    from bot.registry.sheets import SpreadsheetError

    db = open_database()
    try:
        office = db.call(lambda s: chosen_office(s, args.office))
    except OfficeError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    try:  # with --office, only that office's units and those of the offices below it
        count = db.call(lambda s: export_file(s, Path(args.file), office.scope if office else None))
    except SpreadsheetError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(f"已导出 {count} 行到 {args.file}")
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from bot.registry.export import write_template
    from bot.registry.sheets import SpreadsheetError

    try:
        write_template(Path(args.file))
    except SpreadsheetError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(f"已生成模板 {args.file}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    import datetime as dt

    from bot.registry.sheets import SpreadsheetError
    from bot.reporting.report import write_report

    settings = load_settings()
    db = open_database()
    today = dt.datetime.now(settings.timezone).date()
    try:
        report = db.call(lambda s: write_report(s, Path(args.file), today, settings))
    except SpreadsheetError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(report.summary())
    print(f"报表已写入 {args.file}")
    return EXIT_OK


def add_commands(sub: Subcommands) -> None:
    db = sub.add_parser("db", help="数据库维护")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db)
    st = sub.add_parser("status", help=texts.STATUS_HELP)
    st.add_argument("query", nargs="*")
    st.add_argument("--json", action="store_true")
    office_option(st, "查")
    st.set_defaults(func=cmd_status)
    im = sub.add_parser("import", help="从 .xlsx 或 .csv 导入登记册")
    im.add_argument("file")
    im.add_argument("--skip-invalid", action="store_true", help="只导入正确的行")
    im.add_argument("--json", action="store_true")
    im.add_argument("--office", metavar="地区", help="这份表格是哪个下级办公室的（如 --office 武定县）：其中的单位归该办公室")
    im.set_defaults(func=cmd_import)
    ex = sub.add_parser("export", help="导出登记册到 .xlsx 或 .csv")
    ex.add_argument("file")
    office_option(ex, "导出")
    ex.set_defaults(func=cmd_export)
    tp = sub.add_parser("template", help="生成空白导入模板")
    tp.add_argument("file")
    tp.set_defaults(func=cmd_template)
    rp = sub.add_parser("report", help="生成可直接上报的清理情况报表 (.xlsx；.csv 只含明细)")
    rp.add_argument("file")
    rp.set_defaults(func=cmd_report)

