"""The HTTP requests the bot makes to the Telegram Bot API: python-telegram-bot's documented request interface
(`telegram.request.BaseRequest`) on an httpx client, with the parameters as a JSON body.

The Bot API takes a JSON body and a form alike and reads the same values (each a string, nested objects JSON text,
as PTB gives them in `RequestData.json_parameters`); percent-encoding a reply, three bytes of %XX per byte of
Chinese, cost ~0.04 ms an update (notes/perf-throughput-vs-echo.md). Files still go as multipart. Time-outs, pool and errors
behave as PTB's own HTTPXRequest: TimedOut for a time-out, NetworkError for any other failure of the connection.
A getMe answer that lacks a field the bot can do without is completed (bot/runtime/startup.complete_get_me)."""
from __future__ import annotations

from typing import Any

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.delivery.pacing import PACED_METHODS, ReplyPacer, outbox_paced

_DEFAULT = BaseRequest.DEFAULT_NONE


class BotAPIRequest(BaseRequest):
    """Arguments as python-telegram-bot's HTTPXRequest (the ones the bot uses): the pool's size and the default
    time-outs; `httpx_kwargs` go to the httpx client (here: a shared TLS context). Given a `pacer`, every message
    the handlers send is paced against Telegram's limits (bot/delivery/pacing.ReplyPacer; the outbox paces its own)."""

    def __init__(self, connection_pool_size: int = 256, read_timeout: float | None = 5.0,
                 write_timeout: float | None = 5.0, connect_timeout: float | None = 5.0,
                 pool_timeout: float | None = 1.0, media_write_timeout: float | None = 20.0,
                 httpx_kwargs: dict[str, Any] | None = None, pacer: ReplyPacer | None = None) -> None:
        self.pacer = pacer
        self._timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=write_timeout,
                                      pool=pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._client_options = {"timeout": self._timeout, "limits": httpx.Limits(max_connections=connection_pool_size),
                                **(httpx_kwargs or {})}
        self._client = httpx.AsyncClient(**self._client_options)

    @property
    def read_timeout(self) -> float | None:
        return self._timeout.read

    async def initialize(self) -> None:
        if self._client.is_closed:
            self._client = httpx.AsyncClient(**self._client_options)

    async def shutdown(self) -> None:
        if not self._client.is_closed:
            await self._client.aclose()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = _DEFAULT, write_timeout: Any = _DEFAULT,
                         connect_timeout: Any = _DEFAULT, pool_timeout: Any = _DEFAULT) -> tuple[int, bytes]:
        if self._client.is_closed:
            raise RuntimeError("This BotAPIRequest is not initialized!")
        if self.pacer is not None and request_data is not None and not outbox_paced.get():
            if url.rpartition("/")[2] in PACED_METHODS:
                chat = request_data.parameters.get("chat_id")
                await self.pacer.wait(chat if isinstance(chat, int) else _int_or_none(chat))
        files = request_data.multipart_data if request_data else None
        data = request_data.json_parameters if request_data else None
        default = self._timeout
        timeout = httpx.Timeout(
            connect=default.connect if connect_timeout is _DEFAULT else connect_timeout,
            read=default.read if read_timeout is _DEFAULT else read_timeout,
            write=(self._media_write_timeout if files else default.write) if write_timeout is _DEFAULT else write_timeout,
            pool=default.pool if pool_timeout is _DEFAULT else pool_timeout)
        body: dict[str, Any] = {"data": data, "files": files} if files else {"json": data} if data is not None else {}
        try:
            response = await self._client.request(method, url, headers={"User-Agent": self.USER_AGENT},
                                                  timeout=timeout, **body)
        except httpx.PoolTimeout as err:
            raise TimedOut("Pool timeout: all connections in the connection pool are occupied; the request was not "
                           "sent to Telegram.") from err
        except httpx.TimeoutException as err:
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        if response.status_code == 200 and url.endswith("/getMe"):  # once a start: the bot's own User
            from bot.runtime.startup import complete_get_me

            return 200, complete_get_me(response.content, url)
        return response.status_code, response.content


def _int_or_none(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
