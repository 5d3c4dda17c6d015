"""argparse in Chinese: the usage line, the section titles, -h and the errors people actually meet.

argparse's own texts are English and only translatable through a gettext catalogue for the whole process; a parser
subclass keeps the translation to this command.
"""
from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn, Protocol


class Subcommands(Protocol):
    """What a command module is given to add its commands to (`ArgumentParser.add_subparsers()`'s answer)."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser: ...


# argparse's error texts (Python 3.11+), most specific first; the match is on the formatted message.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(pattern), text) for pattern, text in (
    (r"^the following arguments are required: (.+)$", r"缺少参数：\1"),
    (r"^unrecognized arguments: (.+)$", r"无法识别的参数：\1"),
    (r"^argument (\S+): invalid choice: (.+?) \(choose from (.+)\)$", r"无效的\1：\2，可选：\3"),
    (r"^argument (\S+): invalid \w+ value: (.+)$", r"\1 的值 \2 无效"),
    (r"^argument (\S+): expected one argument$", r"\1 后面需要一个值"),
    (r"^argument (\S+): expected at least one argument$", r"\1 后面至少需要一个值"),
    (r"^argument (\S+): expected at most one argument$", r"\1 后面最多一个值"),
    (r"^argument (\S+): not allowed with argument (\S+)$", r"\1 不能与 \2 同时使用"),
    (r"^argument (\S+): ignored explicit argument (.+)$", r"\1 不接受值 \2"),
    (r"^one of the arguments (.+) is required$", r"需要以下参数之一：\1"),
    (r"^ambiguous option: (\S+) could match (.+)$", r"选项 \1 不明确，可能是：\2"),
    (r"^argument (\S+): (.+)$", r"\1：\2"),
))


def chinese_error(message: str) -> str:
    for pattern, text in _ERRORS:
        if pattern.match(message):
            return pattern.sub(text, message)
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseArgumentParser(argparse.ArgumentParser):
    """Sub-commands made with add_subparsers().add_parser() are of this class too (argparse uses the parent's type)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        add_help = kwargs.pop("add_help", True)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        if add_help:
            self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="显示帮助并退出")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_error(message)}\n")
