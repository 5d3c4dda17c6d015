"""The command line speaks Chinese when it is used wrongly: usage line, errors and help."""
from __future__ import annotations

import re

import pytest

from bot.cli import main
from bot.cli.parser import chinese_error

ENGLISH = re.compile(r"usage:|error:|invalid choice|arguments are required|unrecognized|positional arguments|options:")


@pytest.mark.parametrize("argv, expected", [
    (["importt"], "无效的命令：'importt'"),
    (["import"], "缺少参数：file"),
    (["check", "--bogus"], "无法识别的参数：--bogus"),
])
def test_usage_errors_are_chinese(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert expected in err and "用法：domainbot" in err
    assert not ENGLISH.search(err), err


def test_help_is_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：domainbot import") and "显示帮助并退出" in out
    assert not ENGLISH.search(out), out


def test_unknown_messages_pass_through_unchanged():
    assert chinese_error("something new in a later Python") == "something new in a later Python"
    assert chinese_error("argument --days: invalid int value: 'x'") == "--days 的值 'x' 无效"
