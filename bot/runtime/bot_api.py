"""The HTTP requests the bot makes to the Telegram Bot API: python-telegram-bot's, with the parameters as a JSON
body."""
from __future__ import annotations

import httpx
from telegram.request import HTTPXRequest, RequestData

from bot.delivery.pacing import PACED_METHODS, ReplyPacer, outbox_paced


class _JsonBodyClient(httpx.AsyncClient):
    """Sends the Bot API's parameters as a JSON body instead of form-urlencoded (files still go as multipart).
    The Bot API takes both and reads the same values (each a string, nested objects JSON text, as PTB gives
    them); percent-encoding a reply, three bytes of %XX per byte of Chinese, cost ~0.04 ms an update
    (notes/perf-throughput-vs-echo.md)."""

    async def request(self, method: str, url: httpx.URL | str, *, data=None, files=None, **kwargs) -> httpx.Response:
        if data is not None and not files:
            return await super().request(method, url, json=data, **kwargs)
        return await super().request(method, url, data=data, files=files, **kwargs)


class BotAPIRequest(HTTPXRequest):
    """python-telegram-bot's HTTPXRequest with a JSON body (above), and, given a `pacer`, every message the
    handlers send paced against Telegram's limits (bot/delivery/pacing.ReplyPacer; the outbox paces its own)."""

    def __init__(self, *args, pacer: ReplyPacer | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pacer = pacer

    def _build_client(self) -> httpx.AsyncClient:
        return _JsonBodyClient(**self._client_kwargs)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, *args, **kwargs):
        if self.pacer is not None and request_data is not None and not outbox_paced.get():
            if url.rpartition("/")[2] in PACED_METHODS:
                chat = request_data.parameters.get("chat_id")
                await self.pacer.wait(chat if isinstance(chat, int) else _int_or_none(chat))
        return await super().do_request(url, method, request_data, *args, **kwargs)


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
