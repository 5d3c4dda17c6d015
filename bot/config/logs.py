"""Readable one-line logs that never contain the bot token."""
from __future__ import annotations

import logging
import re

# Any Telegram bot token (digits:35ish url-safe chars), also inside URLs such as /bot<token>/getUpdates.
_TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


_CONFIGURED: list[str] = []


def redact(text: str) -> str:
    """Text for a person or a log line: the configured secrets and anything shaped like a token replaced."""
    for secret in _CONFIGURED:
        text = text.replace(secret, "<secret>")
    return _TOKEN_PATTERN.sub("<token>", text)


class RedactTokenFilter(logging.Filter):
    """Replaces the configured secrets (bot token, webhook secret), and anything shaped like a bot token,
    with a placeholder."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "<secret>")
        return _TOKEN_PATTERN.sub("<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


class _ShortBootstrapFailure(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage().startswith("Network Retry Loop (Bootstrap"):
            record.exc_info, record.exc_text = None, None
        return True


class OneLineFormatter(logging.Formatter):
    """Keeps each event on one line: tracebacks are folded with ' | '."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record).replace("\n", " | ")


def setup_logging(level: str = "INFO", *secrets: str) -> None:
    _CONFIGURED[:] = [s for s in secrets if s]
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S"))
    handler.addFilter(RedactTokenFilter(*secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and Bot API URLs carry the token: keep it quiet unless debugging.
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    # A failed start is reported by the runner in one line; python-telegram-bot's own report is kept short.
    logging.getLogger("telegram.ext").addFilter(_ShortBootstrapFailure())
    # "skipped: maximum number of running instances" is expected while a long broadcast drains.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
