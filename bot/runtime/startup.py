"""Start-up checks: a database that is not up yet is waited for (a bounded time), and every start-up failure
becomes one line naming the setting or the service, with no secret in it."""
from __future__ import annotations

import logging
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
