"""Readable one-line logs that never contain the bot token."""
from __future__ import annotations

import base64
import json
import logging
import re
from urllib.parse import quote, quote_plus

# Any Telegram bot token (digits:35ish url-safe chars), also inside URLs such as /bot<token>/getUpdates, with its
# colon percent-encoded (httpx writes the file download URL /file/bot123%3AAA…/documents/… so), once or twice.
_TOKEN_PATTERN = re.compile(r"\d{3,}(?::|%3[Aa]|%253[Aa]|\\u003[Aa])[A-Za-z0-9_-]{20,}")


_CONFIGURED: list[str] = []


def secret_forms(secret: str) -> list[str]:
    """The ways a secret can appear in a log line: as it is, percent-encoded (as a URL path or query writes it,
    hex upper or lower case, every byte or only the reserved ones, once or twice), JSON-escaped, base64 and hex
    encoded. Longest first, so a longer form is replaced whole."""
    raw = secret.encode()
    every = "".join(f"%{b:02X}" for b in raw)
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), every, every.lower(),
             quote(quote(secret, safe=""), safe=""), json.dumps(secret)[1:-1], raw.hex(), raw.hex().upper(),
             base64.b64encode(raw).decode().rstrip("="), base64.urlsafe_b64encode(raw).decode().rstrip("=")}
    forms |= {re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), f) for f in list(forms)}
    return sorted((f for f in forms if len(f) >= 8), key=len, reverse=True)


def _redact(text: str, forms: list[str]) -> str:
    for form in forms:
        if form in text:
            text = text.replace(form, "<secret>")
    return _TOKEN_PATTERN.sub("<token>", text)


def redact(text: str) -> str:
    """Text for a person or a log line: the configured secrets (in any encoding) and anything shaped like a token
    replaced."""
    return _redact(text, _CONFIGURED)


class RedactTokenFilter(logging.Filter):
    """Replaces the configured secrets (bot token, webhook secret) in any encoding a URL, JSON or a header gives
    them, and anything shaped like a bot token, with a placeholder."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self._forms = sorted({f for s in secrets if s for f in secret_forms(s)}, key=len, reverse=True)

    def _redact(self, text: str) -> str:
        return _redact(text, self._forms)

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
    _CONFIGURED[:] = sorted({f for s in secrets if s for f in secret_forms(s)}, key=len, reverse=True)
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
