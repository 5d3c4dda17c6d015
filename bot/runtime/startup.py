"""Start-up checks: a database that is not up yet is waited for (a bounded time), and every start-up failure
becomes one line naming the setting or the service, with no secret in it."""
from __future__ import annotations

import json
import logging
import re
import time

from bot.config.logs import redact

log = logging.getLogger(__name__)
DATABASE_START_WAIT = 60.0  # seconds the bot keeps trying a database that does not answer yet
RETRY_EVERY = 2.0


class StartupError(RuntimeError):
    """One line for the operator."""


def wait_for_database(url: str, wait: float = DATABASE_START_WAIT) -> None:
    """Connect (and leave) once; retry while the server is not up yet, for at most `wait` seconds."""
    from sqlalchemy import text
    from sqlalchemy.exc import ArgumentError, OperationalError

    from bot.db.storage import Database

    try:
        database = Database(url)
    except (ArgumentError, ValueError) as exc:
        raise StartupError(f"配置错误 DATABASE_URL: 无法识别的数据库地址（{redact(str(exc).splitlines()[0])}）") from None
    except OSError as exc:
        raise StartupError(f"配置错误 DATABASE_URL: 无法创建数据库文件或目录（{exc.strerror}）") from None
    give_up = time.monotonic() + wait
    try:
        while True:
            try:
                with database.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                return
            except OperationalError as exc:
                reason = str(exc.orig or exc).strip().splitlines()[0]
                if not _worth_waiting(reason) or time.monotonic() >= give_up:
                    raise StartupError(f"数据库不可用（DATABASE_URL）：{redact(reason)[:200]}") from None
                log.warning("database not reachable yet, retrying for %.0f s more: %s",
                            give_up - time.monotonic(), redact(reason)[:200])
                time.sleep(RETRY_EVERY)
    finally:
        database.dispose()


def _worth_waiting(reason: str) -> bool:
    """A server still starting or not reachable yet is waited for; a wrong password or role is not."""
    text = reason.lower()
    return not any(sign in text for sign in ("authentication", "password", "role", "does not exist", "permission",
                                             "readonly", "read-only", "unable to open"))


# What python-telegram-bot needs of getMe's answer to make the bot's own User; what stands in when a server
# (an emulator, a self-hosted Bot API server of another version) leaves a field out.
_TOKEN_ID = re.compile(r"\D*(\d+):")
_WITHOUT = {"username": "群里的 @机器人、/命令@机器人 和邀请链接不可用，其余照常"}


def complete_get_me(content: bytes, url: str) -> bytes:
    """getMe's answer with every field the bot needs: one missing is filled in (id from the token, is_bot
    true, first_name from the username, username empty: commands still work, @-mentions and invite links do
    not) and named in one warning line. Anything that is not a successful answer is passed on as it is."""
    try:
        answer = json.loads(content)
    except ValueError:
        return content
    user = answer.get("result") if isinstance(answer, dict) and answer.get("ok") is True else None
    if not isinstance(user, dict):
        return content
    missing = [field for field in ("id", "is_bot", "first_name", "username") if user.get(field) in (None, "")]
    if not missing:
        return content
    token_id = _TOKEN_ID.match(url.rstrip("/").rsplit("/", 2)[-2])
    if "id" in missing and not token_id:
        return content  # nothing to stand in: python-telegram-bot's own error stops the start
    user.setdefault("is_bot", True)
    user["id"] = user.get("id") or int(token_id.group(1))
    user["first_name"] = user.get("first_name") or user.get("username") or "bot"
    user["username"] = user.get("username") or ""
    effects = "；".join(_WITHOUT[f] for f in missing if f in _WITHOUT)
    log.warning("Telegram 的 getMe 回答缺少字段 %s%s", "、".join(missing), f"：{effects}" if effects else "，已补上，照常启动")
    return json.dumps(answer).encode()


def describe(exc: BaseException) -> str:
    """One line for any failure that stops the bot starting (never the token)."""
    from sqlalchemy.exc import OperationalError, SQLAlchemyError
    from telegram.error import InvalidToken, NetworkError, TelegramError

    if isinstance(exc, StartupError):
        return str(exc)
    if isinstance(exc, InvalidToken):
        return "配置错误 TELEGRAM_BOT_TOKEN: Telegram 拒绝了这个令牌（请向 @BotFather 核对）"
    if isinstance(exc, NetworkError):
        return f"无法连接 Telegram（TELEGRAM_API_BASE_URL）：{redact(str(exc))[:200]}"
    if isinstance(exc, TelegramError):
        return f"Telegram 拒绝了启动请求：{redact(str(exc))[:200]}"
    if isinstance(exc, OperationalError):
        reason = str(exc.orig or exc).strip().splitlines()[0]
        return f"数据库不可用（DATABASE_URL）：{redact(reason)[:200]}"
    if isinstance(exc, SQLAlchemyError):
        return f"数据库错误（DATABASE_URL）：{redact(str(exc).splitlines()[0])[:200]}"
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"启动失败：{type(exc).__name__}: {redact(first)[:200]}"
