"""`domainbot chat`: the real Application and handlers, driven from standard input with no network.

A BaseRequest subclass answers the Bot API locally: what the bot sends is printed (HTML shown as plain
text, inline keyboards as numbered choices); each input line becomes an Update. Typing the number of a
choice presses that button."""
from __future__ import annotations

import asyncio
import html
import itertools
import json
import re
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from telegram import Update
from telegram.request import BaseRequest, RequestData

from bot.config.settings import Settings

CONSOLE_USER = {"id": 10001, "is_bot": False, "first_name": "本地用户", "username": "local_user", "language_code": "zh-hans"}
CONSOLE_CHAT = {"id": 10001, "type": "private", "first_name": "本地用户"}
BOT_USER = {"id": 1, "is_bot": True, "first_name": "政府网站域名助手", "username": "domainbot_local",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
_TAG = re.compile(r"<[^>]+>")
FILES_DIR = Path("data") / "files"  # relative to the working directory, like the default database


def html_to_console(text: str) -> str:
    text = text.replace("<blockquote>", "「").replace("</blockquote>", "」")
    return html.unescape(_TAG.sub("", text))


class ConsoleBotAPI(BaseRequest):
    """Answers the Bot API in-process and prints what the bot says."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.message_ids = itertools.count(1)
        self.buttons: list[dict] = []  # the most recent inline keyboard, flattened
        self.last_message: dict | None = None

    def _save_files(self, request_data: RequestData | None) -> list[str]:
        """What the bot sends as a document (the report, an application form) goes to FILES_DIR under the working
        directory, never over an existing file; the paths shown are relative to it."""
        saved = []
        for filename, content, _ in (request_data.multipart_data.values() if request_data else ()):
            data = content if isinstance(content, bytes) else content.read()
            FILES_DIR.mkdir(parents=True, exist_ok=True)
            name = Path(filename or "file").name
            path, n = FILES_DIR / name, 1
            while path.exists():
                path, n = FILES_DIR / f"{Path(name).stem}-{n}{Path(name).suffix}", n + 1
            path.write_bytes(data)
            saved.append(str(path))
        return saved

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    def _message(self, params: dict) -> dict:
        message = {
            "message_id": next(self.message_ids), "date": int(time.time()), "chat": CONSOLE_CHAT,
            "from": BOT_USER, "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            markup = params["reply_markup"]
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        self.last_message = message
        return message

    def _print_message(self, text: str, markup: Any, edited: bool = False) -> None:
        prefix = "机器人（已更新）：" if edited else "机器人："
        self.out.write(f"{prefix}{html_to_console(text)}\n")
        if markup:
            markup = json.loads(markup) if isinstance(markup, str) else markup
            self.buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
            for number, button in enumerate(self.buttons, 1):
                self.out.write(f"  [{number}] {button['text']}\n")
        self.out.flush()

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = None, write_timeout: Any = None, connect_timeout: Any = None,
                         pool_timeout: Any = None) -> tuple[int, bytes]:
        endpoint = url.rsplit("/", 1)[-1]
        params = request_data.json_parameters if request_data else {}
        params = {k: (json.loads(v) if k in ("reply_markup",) else v) for k, v in params.items()}
        result: Any = True
        if endpoint == "getMe":
            result = BOT_USER
        elif endpoint == "getUpdates":
            await asyncio.sleep(1)
            result = []
        elif endpoint in ("sendMessage", "editMessageText"):
            self._print_message(params.get("text", ""), params.get("reply_markup"), edited=endpoint == "editMessageText")
            result = self._message(params)
        elif endpoint == "sendDocument":
            saved = self._save_files(request_data)
            caption = html_to_console(params.get("caption") or "")
            lines = [caption] if caption else []
            lines += [f"文件已保存：{path}" for path in saved] or ["[文件]"]
            self.out.write("机器人：" + "\n".join(lines) + "\n")
            self.out.flush()
            result = {**self._message(params), "document": {"file_id": "local", "file_unique_id": "local"}}
        elif endpoint == "answerCallbackQuery":
            if params.get("text"):
                self.out.write(f"机器人（提示）：{params['text']}\n")
        return 200, json.dumps({"ok": True, "result": result}).encode()


class ConsoleChat:
    def __init__(self, api: ConsoleBotAPI, bot: Any) -> None:
        self.api = api
        self.bot = bot
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(100000)

    def update_for(self, line: str) -> Update | None:
        text = line.strip()
        if not text:
            return None
        now = int(time.time())
        if text.isdigit() and self.api.buttons and 1 <= int(text) <= len(self.api.buttons):
            button = self.api.buttons[int(text) - 1]
            if "callback_data" not in button:
                return None
            data = {"update_id": next(self.update_ids), "callback_query": {
                "id": str(next(self.message_ids)), "from": CONSOLE_USER, "chat_instance": "console",
                "data": button["callback_data"], "message": self.api.last_message or {
                    "message_id": 1, "date": now, "chat": CONSOLE_CHAT, "text": ""}}}
        else:
            message: dict[str, Any] = {"message_id": next(self.message_ids), "date": now, "chat": CONSOLE_CHAT,
                                       "from": CONSOLE_USER, "text": text}
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
            data = {"update_id": next(self.update_ids), "message": message}
        return Update.de_json(data, self.bot)


async def run_console(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    from bot.runtime.app import build_application

    # The person at the console has the database in hand anyway: they act as an administrator.
    settings = settings.model_copy(update={"bot_admin_ids": settings.bot_admin_ids | {CONSOLE_USER["id"]}})
    api = ConsoleBotAPI(stdout)
    app = build_application(settings, request=api, get_updates_request=ConsoleBotAPI(stdout), durable=False)
    interactive = stdin.isatty()
    async with app:
        await app.post_init(app)
        chat = ConsoleChat(api, app.bot)
        await app.start()
        if interactive:
            stdout.write("本地对话模式：输入消息后回车，输入数字选择按钮，Ctrl-D 退出。先试试 /start\n")
        while True:
            if interactive:
                stdout.write("你：")
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            update = chat.update_for(line)
            if update is not None:
                await app.process_update(update)
        await app.stop()
