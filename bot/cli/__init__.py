"""The `domainbot` command: run the bot, chat locally, and the scriptable policy/naming commands."""
from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Iterable

from bot.cli.output import EXIT_OK, EXIT_USAGE, batch, emit
from bot.cli.parser import ChineseArgumentParser


def cmd_ask(args: argparse.Namespace) -> int:
    import os

    from knowledge.qa import ask

    region = os.environ.get("BOT_REGION", "").strip()[:50]  # the office's region: its places are home
    if args.batch:
        return batch(lambda item: ask(str(item.get("text", "")), region=region).to_json())
    if not args.question:
        print("用法：domainbot ask \"问题\" [--json]", file=sys.stderr)
        return EXIT_USAGE
    answer = ask(" ".join(args.question), region=region)
    if args.json:
        emit(answer.to_json())
    else:
        print(answer.text)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog="domainbot", description="政府网站域名助手（Telegram 机器人与命令行）")
    sub = parser.add_subparsers(dest="command", metavar="命令")

    run = sub.add_parser("run", help="连接 Telegram 运行机器人（长轮询，或 --webhook）")
    run.add_argument("--webhook", action="store_true", help="使用 webhook 模式（需要 WEBHOOK_URL 与 WEBHOOK_SECRET）")
    sub.add_parser("chat", help="本地控制台对话，不连网络")

    ask = sub.add_parser("ask", help="政策问答")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--batch", action="store_true", help="从标准输入读 JSON Lines {\"text\": ...}")
    ask.set_defaults(func=cmd_ask)

    from bot.cli import apply, campaigns, deadlines, monitor, naming, offices, registry

    naming.add_commands(sub)
    registry.add_commands(sub)
    offices.add_commands(sub)
    deadlines.add_commands(sub)
    apply.add_commands(sub)
    campaigns.add_commands(sub)
    monitor.add_commands(sub)
    return parser


PATH_ARGUMENTS = ("spec", "json_file", "out", "file")  # file names are taken as given


def clean_arguments(args: argparse.Namespace) -> argparse.Namespace:
    """Every text argument cleaned where it enters (knowledge.text.clean_text), as chat text is: a control
    character in `domainbot broadcast` or `remind --text` is never stored. File names are left as given."""
    from pathlib import Path

    from knowledge.text import clean_text

    for name, value in vars(args).items():
        if name in PATH_ARGUMENTS or (name == "target" and isinstance(value, str) and Path(value).exists()):
            continue
        if isinstance(value, str):
            setattr(args, name, clean_text(value))
        elif isinstance(value, list):
            setattr(args, name, [clean_text(v) if isinstance(v, str) else v for v in value])
    return args


def main(argv: Iterable[str] | None = None) -> int:
    # The bot's start-up imports leave ~140,000 objects the collector tracks and free almost none (a pass finds
    # ~1,500): its ~200 passes over them are wasted work at every start (issue 17). Off until the bot's warm-up
    # (bot/runtime/app.py, one pass, then on), or at once for every other command.
    gc.disable()
    parser = build_parser()
    args = clean_arguments(parser.parse_args(list(argv) if argv is not None else None))
    if args.command not in (None, "run"):
        gc.enable()
    if hasattr(args, "func"):
        from bot.config.settings import SettingsError

        try:
            return args.func(args)
        except BrokenPipeError:
            return EXIT_OK
        except SettingsError as exc:
            print(exc, file=sys.stderr)
            return EXIT_USAGE
    from bot.runtime.runner import run_default

    try:
        return run_default(args.command, webhook=getattr(args, "webhook", False))
    finally:
        gc.enable()  # a start that failed before the warm-up, or a caller that goes on (tests)

