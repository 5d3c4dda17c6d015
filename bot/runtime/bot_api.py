"""The HTTP requests the bot makes to the Telegram Bot API: python-telegram-bot's, with the parameters as a JSON
body."""
from __future__ import annotations

import httpx
from telegram.request import HTTPXRequest


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
    """python-telegram-bot's HTTPXRequest with a JSON body (above); everything else as PTB has it."""

    def _build_client(self) -> httpx.AsyncClient:
        return _JsonBodyClient(**self._client_kwargs)
