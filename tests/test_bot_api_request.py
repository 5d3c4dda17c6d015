"""The bot's Bot API client sends parameters as one JSON body (files as multipart), with the same values
python-telegram-bot would have form-encoded."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, LinkPreviewOptions
from telegram.request import HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter  # how Bot._do_post builds RequestData

from bot.runtime.bot_api import BotAPIRequest


def _server():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.headers["Content-Type"], body))
            data = b'{"ok":true,"result":true}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def _data(**params) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def test_parameters_go_as_json_with_the_values_a_form_would_carry():
    server, seen = _server()
    url = f"http://127.0.0.1:{server.server_address[1]}/botX/sendMessage"
    params = dict(chat_id=5001, text="武定县人力资源和社会保障局 & <b>x</b>", parse_mode="HTML",
                  link_preview_options=LinkPreviewOptions(is_disabled=True),
                  reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("规则依据", callback_data="clause:plan-2-1")]]))
    try:
        for request in (BotAPIRequest(), HTTPXRequest()):
            await request.initialize()
            await request.post(url, _data(**params))
            await request.shutdown()
        (json_type, json_body), (form_type, form_body) = seen
        assert json_type == "application/json" and form_type == "application/x-www-form-urlencoded"
        assert json.loads(json_body) == {k: v[0] for k, v in parse_qs(form_body.decode()).items()}
        assert len(json_body) < len(form_body) * 0.8  # UTF-8 text, not three bytes of %XX per byte

        request = BotAPIRequest()
        await request.initialize()
        await request.post(url.replace("sendMessage", "sendDocument"),
                           _data(chat_id=5001, document=InputFile(b"PK\x03\x04", filename="r.xlsx")))
        await request.shutdown()
        assert seen[2][0].startswith("multipart/form-data")
    finally:
        server.shutdown()
        server.server_close()


async def test_failures_are_the_errors_python_telegram_bot_raises():
    """A silent server is TimedOut, a refused connection NetworkError (the outbox and the runner tell them apart);
    a shut-down client says it is not initialised."""
    import socket

    import pytest
    from telegram.error import NetworkError, TimedOut

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()  # accepts, never answers
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused_port = closed.getsockname()[1]
    closed.close()
    request = BotAPIRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{silent.getsockname()[1]}/botX/getMe", _data())
        with pytest.raises(NetworkError) as refused:
            await request.post(f"http://127.0.0.1:{refused_port}/botX/getMe", _data())
        assert not isinstance(refused.value, TimedOut) and "ConnectError" in str(refused.value)
    finally:
        await request.shutdown()
        silent.close()
    with pytest.raises(NetworkError, match="not initialized"):  # PTB wraps it, as for its own HTTPXRequest
        await request.post(f"http://127.0.0.1:{refused_port}/botX/getMe", _data())
