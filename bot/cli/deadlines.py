"""`domainbot deadline|remind|broadcast|holidays`: dates and the outbox from the command line.
What these commands queue is sent by the running bot (or the next one to start)."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys

from bot.cli.output import EXIT_OK, EXIT_USAGE
from bot.cli.parser import Subcommands
from bot.ui import texts
from knowledge.workdays import RULES


def _db_and_settings():
    from bot.cli.registry import open_database
    from bot.config.settings import load_settings

    return open_database(), load_settings()


def cmd_deadline(args: argparse.Namespace) -> int:
    from bot.deadlines import calendar
    from knowledge.workdays import deadline

    try:
        event = dt.date.fromisoformat(args.from_date)
    except ValueError:
        print("--from 需要 YYYY-MM-DD 格式的日期", file=sys.stderr)
        return EXIT_USAGE
    db, _ = _db_and_settings()
    work_days = db.call(calendar.work_calendar)
    result = deadline(args.rule, event, work_days)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        flag = "（暂按周末计算，节假日安排未公布）" if result.provisional else ""
        print(f"{RULES[args.rule].title}：{event.isoformat()} 起算，期限 {result.due.isoformat()}{flag}\n依据：{result.basis}")
    return EXIT_OK


def cmd_remind(args: argparse.Namespace) -> int:
    from bot.delivery import queue

    db, settings = _db_and_settings()
    try:
        local = dt.datetime.strptime(args.at, "%Y-%m-%d %H:%M").replace(tzinfo=settings.timezone)
    except ValueError:
        print("--at 需要 \"YYYY-MM-DD HH:MM\" 格式（本地时间）", file=sys.stderr)
        return EXIT_USAGE
    try:
        db.call(lambda s: queue.schedule_oneoff(s, args.chat, args.text, local.astimezone(dt.UTC)))
    except queue.QuotaExceeded as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    print(f"已排入队列：{local:%Y-%m-%d %H:%M} 发送到 {args.chat}（由运行中的机器人发送）")
    return EXIT_OK


def cmd_broadcast(args: argparse.Namespace) -> int:
    from bot.delivery import queue

    text = " ".join(args.text).strip()
    if not text or len(text) > 3500:
        print("用法：domainbot broadcast \"通知内容\"（不超过 3500 字）", file=sys.stderr)
        return EXIT_USAGE
    db, _ = _db_and_settings()
    now = dt.datetime.now(dt.UTC)
    count = db.call(lambda s: queue.broadcast(s, text, now, secrets.token_hex(8)))
    print(f"已排入发送队列：{count} 个订阅群（由运行中的机器人发送）")
    return EXIT_OK


def cmd_holidays(args: argparse.Namespace) -> int:
    from bot.deadlines import calendar
    from knowledge.when import check_schedule, parse_day_ranges

    try:
        year = args.year
        off, work = check_schedule(year, parse_day_ranges(args.off), parse_day_ranges(args.work or []))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    db, _ = _db_and_settings()
    try:
        db.call(lambda s: calendar.enter_schedule(s, year, off, work, "cli"))
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    print(calendar.schedule_summary(year, off, work))
    return EXIT_OK


def add_commands(sub: Subcommands) -> None:
    d = sub.add_parser("deadline", help="按政策计算期限（工作日、法定节假日）")
    d.add_argument("--rule", required=True, choices=sorted(RULES))
    d.add_argument("--from", dest="from_date", required=True, help="事件日期 YYYY-MM-DD")
    d.add_argument("--json", action="store_true")
    d.set_defaults(func=cmd_deadline)
    r = sub.add_parser("remind", help=texts.REMIND_HELP)
    r.add_argument("--chat", type=int, required=True, help="Telegram 聊天 ID")
    r.add_argument("--at", required=True, help="\"YYYY-MM-DD HH:MM\"（本地时间）")
    r.add_argument("--text", required=True)
    r.set_defaults(func=cmd_remind)
    b = sub.add_parser("broadcast", help="向所有订阅群发送通知")
    b.add_argument("text", nargs="*")
    b.set_defaults(func=cmd_broadcast)
    h = sub.add_parser("holidays", help="录入某年的法定节假日和调休上班日")
    h.add_argument("year", type=int)
    h.add_argument("--off", nargs="+", required=True, help="放假日期或范围，如 2027-02-10~2027-02-16")
    h.add_argument("--work", nargs="*", default=[], help="调休上班日期")
    h.set_defaults(func=cmd_holidays)
