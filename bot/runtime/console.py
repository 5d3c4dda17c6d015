"""`domainbot chat`: the real Application and handlers, driven from standard input with no network.

A BaseRequest subclass answers the Bot API locally: what the bot sends is printed (HTML shown as plain
text, inline keyboards as numbered choices); each input line becomes an Update. Typing the number of a
choice presses that button of the newest keyboard; `消息号.按钮号` (e.g. `12.3`) presses one of an earlier
message. Console-only lines (never sent to the bot): `/file PATH [说明]` sends a file as a document, a line
of three double quotes opens and closes a message of several lines, `/as 访客|管理员|<用户编号>` changes who
is typing (to see what a guest or a linked contact sees)."""
from __future__ import annotations

import asyncio
import html
import itertools
import json
import mimetypes
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
GUEST_ID = 10002  # `/as 访客`: a user with no role, unless an invite has since linked them
MULTILINE_FENCE = '"""'
SCRIPT_WAIT_SECONDS = 300
HELP = ("本地对话：输入消息后回车，输入数字选择按钮（消息号.按钮号 选择较早消息的按钮），Ctrl-D 退出。\n"
        "  /file 路径 [说明]    以文件形式发送（导入表格、活动 .yaml、回执）\n"
        '  """               单独一行：开始或结束多行消息\n'
        "  /as 访客|管理员|用户编号   切换身份（例如先 /invite 单位，再 /as 20001 和 /start 邀请码，以联系人身份试用）\n"
        "先试试 /start")
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
        self.keyboards: dict[int, tuple[dict, list[dict]]] = {}  # message id -> (message, its buttons, flattened)
        self.chat: dict = CONSOLE_CHAT  # whose private chat the bot answers in (`/as` changes it)
        self.uploads: dict[str, bytes] = {}  # file_id -> content of files sent with `/file`

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

    def _message(self, params: dict, endpoint: str) -> dict:
        edited = params.get("message_id") if endpoint == "editMessageText" else None
        message = {
            "message_id": int(edited) if edited else next(self.message_ids), "date": int(time.time()),
            "chat": self.chat, "from": BOT_USER, "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        if markup:
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        self.last_message = message
        buttons = [b for row in (message.get("reply_markup") or {}).get("inline_keyboard", []) for b in row]
        if buttons:
            self.keyboards[message["message_id"]] = (message, buttons)
        elif edited:
            self.keyboards.pop(message["message_id"], None)
        return message

    def _print_message(self, message: dict, edited: bool = False) -> None:
        prefix = "机器人（已更新）：" if edited else "机器人："
        self.out.write(f"{prefix}{html_to_console(message['text'])}\n")
        if message["message_id"] in self.keyboards:
            _, self.buttons = self.keyboards[message["message_id"]]
            self.out.write(f"  （消息 {message['message_id']}）\n")
            for number, button in enumerate(self.buttons, 1):
                self.out.write(f"  [{number}] {button['text']}\n")
        self.out.flush()

    def press(self, choice: str) -> tuple[dict, dict] | None:
        """The button a typed choice names, with its message: `3` on the newest keyboard, `12.3` on message 12's."""
        found = re.fullmatch(r"(?:(\d+)\.)?(\d+)", choice)
        if not found:
            return None
        if found.group(1):
            message, buttons = self.keyboards.get(int(found.group(1)), (None, []))
        else:
            message, buttons = self.last_message, self.buttons
        number = int(found.group(2))
        if message is None or not 1 <= number <= len(buttons):
            return None
        return message, buttons[number - 1]

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
            result = self._message(params, endpoint)
            self._print_message(result, edited=endpoint == "editMessageText")
        elif endpoint == "getFile":
            result = {"file_id": params.get("file_id"), "file_unique_id": params.get("file_id"),
                      "file_size": len(self.uploads.get(params.get("file_id"), b"")), "file_path": params.get("file_id")}
        elif "/file/" in url:  # the download of a file sent with `/file`
            return 200, self.uploads.get(url.rsplit("/", 1)[-1], b"")
        elif endpoint == "sendDocument":
            saved = self._save_files(request_data)
            caption = html_to_console(params.get("caption") or "")
            lines = [caption] if caption else []
            lines += [f"文件已保存：{path}" for path in saved] or ["[文件]"]
            self.out.write("机器人：" + "\n".join(lines) + "\n")
            self.out.flush()
            result = {**self._message(params, endpoint), "document": {"file_id": "local", "file_unique_id": "local"}}
        elif endpoint == "answerCallbackQuery":
            if params.get("text"):
                self.out.write(f"机器人（提示）：{params['text']}\n")
        return 200, json.dumps({"ok": True, "result": result}).encode()


class ConsoleChat:
    """Turns console lines into Updates; console-only lines (`/file`, `/as`, a multi-line fence) are handled here and
    never reach the bot."""

    def __init__(self, api: ConsoleBotAPI, bot: Any, out: TextIO | None = None) -> None:
        self.api = api
        self.bot = bot
        self.out = out or api.out
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(100000)
        self.user: dict = CONSOLE_USER
        self.block: list[str] | None = None  # lines of a multi-line message being typed

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def update_for(self, line: str) -> Update | None:
        raw = line.rstrip("\r\n")
        if raw.strip() == MULTILINE_FENCE:
            block, self.block = self.block, None if self.block is not None else []
            return self._message_update("\n".join(block).strip()) if block is not None else None
        if self.block is not None:
            self.block.append(raw)
            return None
        text = raw.strip()
        if not text:
            return None
        if text == "/file" or text.startswith("/file "):
            return self._file_update(text[len("/file"):].strip())
        if text == "/as" or text.startswith("/as "):
            self._switch_user(text[len("/as"):].strip())
            return None
        pressed = self.api.press(text)
        if pressed is not None:
            message, button = pressed
            if "callback_data" not in button:
                return None
            return Update.de_json({"update_id": next(self.update_ids), "callback_query": {
                "id": str(next(self.message_ids)), "from": self.user, "chat_instance": "console",
                "data": button["callback_data"], "message": message}}, self.bot)
        return self._message_update(text)

    def _base_message(self) -> dict[str, Any]:
        return {"message_id": next(self.message_ids), "date": int(time.time()), "chat": self.api.chat, "from": self.user}

    def _message_update(self, text: str) -> Update | None:
        if not text:
            return None
        message = {**self._base_message(), "text": text}
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return Update.de_json({"update_id": next(self.update_ids), "message": message}, self.bot)

    def _file_update(self, rest: str) -> Update | None:
        """`/file PATH [说明]`: the file goes to the bot as a document, as a clerk would send it from Telegram."""
        path_text, _, caption = rest.partition(" ") if not rest.startswith(("'", '"')) else \
            (rest[1:].partition(rest[0])[0], "", rest[1:].partition(rest[0])[2].strip())
        path = Path(path_text).expanduser()
        if not path_text or not path.is_file():
            self._say(f"（控制台）找不到文件：{path_text or '未写路径'}。用法：/file 路径 [说明]")
            return None
        content = path.read_bytes()
        file_id = f"console-{next(self.message_ids)}"
        self.api.uploads[file_id] = content
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        message = {**self._base_message(), "document": {
            "file_id": file_id, "file_unique_id": file_id, "file_name": path.name, "mime_type": mime,
            "file_size": len(content)}}
        if caption:
            message["caption"] = caption
        self._say(f"（控制台）已发送文件 {path.name}，{len(content)} 字节")
        return Update.de_json({"update_id": next(self.update_ids), "message": message}, self.bot)

    def _switch_user(self, who: str) -> None:
        if who in ("", "?"):
            self._say(f"（控制台）当前身份：用户 {self.user['id']}。用法：/as 访客|管理员|用户编号")
            return
        if who in ("管理员", "admin"):
            user_id = CONSOLE_USER["id"]
        elif who in ("访客", "guest"):
            user_id = GUEST_ID
        elif who.isdigit() and 0 < int(who) < 2**52:
            user_id = int(who)
        else:
            self._say("（控制台）用法：/as 访客|管理员|用户编号")
            return
        name = "本地用户" if user_id == CONSOLE_USER["id"] else f"用户{user_id}"
        self.user = {**CONSOLE_USER, "id": user_id, "first_name": name, "username": None} \
            if user_id != CONSOLE_USER["id"] else CONSOLE_USER
        self.api.chat = {"id": user_id, "type": "private", "first_name": name}
        role = "管理员" if user_id == CONSOLE_USER["id"] else "其他用户（未关联单位时为访客；用邀请码 /start 关联为联系人）"
        self._say(f"（控制台）现在以用户 {user_id} 的身份对话：{role}")


async def run_console(settings: Settings, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
    from bot.runtime.app import build_application

    # The person at the console has the database in hand anyway: they act as an administrator (`/as` to be another).
    settings = settings.model_copy(update={"bot_admin_ids": settings.bot_admin_ids | {CONSOLE_USER["id"]}})
    api = ConsoleBotAPI(stdout)
    app = build_application(settings, request=api, get_updates_request=ConsoleBotAPI(stdout), durable=False)
    interactive = stdin.isatty()
    async with app:
        await app.post_init(app)
        chat = ConsoleChat(api, app.bot)
        await app.start()
        if interactive:
            stdout.write(HELP + "\n")
        while True:
            if interactive:
                stdout.write("……" if chat.block is not None else "你：")
                stdout.flush()
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            update = chat.update_for(line)
            if update is None:
                continue
            before = asyncio.all_tasks()
            await app.process_update(update)
            if not interactive:
                # A script's next line waits for what this one started in the background (an import, /report), as a
                # clerk would wait for the answer; bounded, so a stuck job cannot hang the script.
                started = asyncio.all_tasks() - before - {asyncio.current_task()}
                if started:
                    await asyncio.wait(started, timeout=SCRIPT_WAIT_SECONDS)
        await app.stop()
