"""A small fake of the Telegram Bot API HTTP server, on 127.0.0.1, for end-to-end tests.

It serves getMe, getUpdates (long polling on a queue the test fills), sendMessage, editMessageText,
answerCallbackQuery, setMyCommands, deleteWebhook, sendDocument and friends, records every call, and can be
told to fail the next call of a method (429 with retry_after, 403, 400 …).

It is strict like the real server (tests/support/bot_api_rules.py): `parse_mode=HTML` text is parsed with the
server's rules, text and captions are measured after parsing, inline keyboards are checked, a reply to a message
that is gone is refused unless `allow_sending_without_reply`, an edit to the same text and keyboard is "not
modified". Every such refusal is answered with the server's error and recorded in `refusals`, so a test can
assert the bot never sent what the server would refuse. `get_me` (the answer to getMe) may be changed and
`always_fail` makes every call of a method fail (setMyCommands on a server that refuses it)."""
from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from tests.support import bot_api_rules as rules

BOT_USER = {"id": 777000111, "is_bot": True, "first_name": "Domain Bot", "username": "domainbot_test",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}


def _multipart(body: bytes, ctype: str) -> dict:
    """A multipart/form-data body (the form python-telegram-bot sends) split by searching for the boundaries,
    copying each value once: the email package took ~360 ms of CPU for a 10 MB upload, and splitting into parts
    copied a 20 MB report four times, all holding the GIL of the process that hosts the fake (in the load
    benchmark, the one timing the replies)."""
    boundary = b"--" + re.search(r'boundary="?([^";]+)"?', ctype).group(1).encode()
    params: dict = {}
    at = body.find(boundary)
    while at != -1 and body[at + len(boundary):at + len(boundary) + 2] != b"--":  # "--boundary--" ends the body
        head_start = at + len(boundary) + 2  # the CRLF after the boundary
        head_end = body.find(b"\r\n\r\n", head_start)
        at = body.find(b"\r\n" + boundary, head_end)
        disposition = body[head_start:head_end].decode("utf-8", "replace")
        content = body[head_end + 4:at]
        at = -1 if at == -1 else at + 2
        name, filename = re.search(r'name="([^"]*)"', disposition), re.search(r'filename="([^"]*)"', disposition)
        if filename:
            params["_filename"], params["_file"] = filename.group(1), content
        elif name:
            params[name.group(1)] = content.decode()
    return params


class WaitTimeout(AssertionError):
    """What the fake saw did not happen in time: a failed expectation, reported as a test failure."""


@dataclass
class Refusal:
    method: str
    params: dict
    description: str


@dataclass
class Call:
    method: str
    params: dict
    token: str
    at: float = field(default_factory=time.monotonic)


class FakeBotAPI:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: list[dict] = []
        self.failures: dict[str, list[tuple[int, dict]]] = {}
        self.files: dict[str, bytes] = {}
        self.refusals: list[Refusal] = []  # what the real server would have refused, with its error text
        self.shown: dict[tuple[int, int], dict] = {}  # (chat id, message id) -> what it shows, while it exists
        self.get_me: dict = dict(BOT_USER)  # the answer to getMe; a test may drop fields or add odd ones
        self.always_fail: dict[str, tuple[int, str]] = {}  # method -> (status, description) on every call
        self.group_admins: set[int] = set()
        self.blocked: set[int] = set()  # chats that answer 403
        self.migrated: dict[int, int] = {}  # old chat id -> new (400 "group chat was upgraded")
        self.flood_limit = False  # emulate Telegram's 30 msg/s overall and 20 msg/min per group
        self.flood_hits = 0
        self.delays: dict[str, float] = {}  # method -> seconds to wait before answering (a slow Bot API)
        self._sent_times: list[float] = []
        self._group_times: dict[int, list[float]] = {}
        self.cond = threading.Condition()
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)
        self.max_poll_wait = 0.5
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle --------------------------------------------------------------------------------
    def start(self) -> "FakeBotAPI":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/bot"

    # -- what the test does ---------------------------------------------------------------------------
    def push(self, update: dict) -> int:
        with self.cond:
            update = {"update_id": next(self.update_ids), **update}
            self.updates.append(update)
            self.cond.notify_all()
            return update["update_id"]

    def push_text(self, text: str, chat_id: int = 5001, user_id: int = 5001, chat_type: str = "private",
                  entities: list[dict] | None = None, reply_to: dict | None = None) -> int:
        message = self.make_message(text, chat_id, user_id, chat_type, entities, reply_to)
        return self.push({"message": message})

    def make_message(self, text: str | None, chat_id: int = 5001, user_id: int = 5001, chat_type: str = "private",
                     entities: list[dict] | None = None, reply_to: dict | None = None, **extra: object) -> dict:
        chat = {"id": chat_id, "type": chat_type}
        chat.update({"title": "测试群"} if chat_type != "private" else {"first_name": "测试"})
        message: dict = {"message_id": next(self.message_ids), "date": int(time.time()), "chat": chat,
                         "from": {"id": user_id, "is_bot": False, "first_name": "用户"}, **extra}
        if text is not None:
            message["text"] = text
            if entities is None and text.startswith("/"):
                entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
            if entities:
                message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        with self.cond:
            self.shown[(chat_id, message["message_id"])] = {
                "from_bot": user_id == BOT_USER["id"], "text": text or "", "entities": (), "markup": None}
        return message

    def delete_message(self, chat_id: int, message_id: int) -> None:
        """The message is gone (deleted by its author or an admin): replies to it and edits of it are refused."""
        with self.cond:
            self.shown.pop((chat_id, message_id), None)

    def push_callback(self, data: str, message: dict, user_id: int = 5001) -> int:
        return self.push({"callback_query": {"id": str(next(self.message_ids)), "chat_instance": "ci", "data": data,
                                             "from": {"id": user_id, "is_bot": False, "first_name": "用户"},
                                             "message": message}})

    def push_document(self, filename: str, data: bytes, chat_id: int = 5001, user_id: int = 5001,
                      chat_type: str = "private") -> int:
        file_id = f"file{next(self.message_ids)}"
        self.files[file_id] = data
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": filename, "file_size": len(data)}
        return self.push({"message": self.make_message(None, chat_id, user_id, chat_type, document=document)})

    def fail_next(self, method: str, status: int, description: str, parameters: dict | None = None) -> None:
        body = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        self.failures.setdefault(method, []).append((status, body))

    def refused(self) -> list[str]:
        """The refusals as readable lines, for an assertion message."""
        with self.cond:
            return [f"{r.method}: {r.description} ← {str(r.params.get('text') or r.params.get('caption') or '')[:80]!r}"
                    for r in self.refusals]

    def calls_to(self, method: str) -> list[Call]:
        with self.cond:
            return [c for c in self.calls if c.method == method]

    def sent_texts(self, chat_id: int | None = None) -> list[str]:
        return [c.params.get("text", "") for c in self.calls_to("sendMessage")
                if chat_id is None or int(c.params.get("chat_id", 0)) == chat_id]

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 10.0) -> bool:
        """Wait until `predicate(calls)` holds; raise WaitTimeout (a test failure) if it does not within `timeout`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self.calls):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [f"{c.method} {str(c.params.get('text', ''))[:60]}" for c in self.calls[-5:]]
                    raise WaitTimeout(f"not seen within {timeout} s; last calls: {recent}")
                self.cond.wait(remaining)
            return True

    def wait_for_messages(self, count: int, timeout: float = 10.0) -> list[str]:
        """The texts sent so far, once at least `count` messages were sent (WaitTimeout otherwise)."""
        self.wait_for(lambda calls: sum(c.method == "sendMessage" for c in calls) >= count, timeout)
        return self.sent_texts()

    async def until(self, predicate: Callable[[list[Call]], bool], timeout: float = 10.0) -> bool:
        """`wait_for` for async tests: waits in a thread so the bot's event loop keeps running."""
        return await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def messages(self, count: int, timeout: float = 10.0) -> list[str]:
        return await asyncio.to_thread(self.wait_for_messages, count, timeout)

    # -- the server -----------------------------------------------------------------------------------
    def _answer(self, method: str, params: dict, token: str) -> tuple[int, dict]:
        if self.delays.get(method):
            time.sleep(self.delays[method])  # answered late, but taken: it counts as sent below
        with self.cond:
            self.calls.append(Call(method, params, token))
            self.cond.notify_all()
            queued = self.failures.get(method)
            if queued:
                return queued.pop(0)
            if method in self.always_fail:
                status, description = self.always_fail[method]
                return status, {"ok": False, "error_code": status, "description": description}
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        if method in ("sendMessage", "sendDocument"):
            refusal = self._refuse(int(params.get("chat_id", 0)))
            if refusal:
                return refusal
        try:
            return self._strict(method, params)
        except rules.Refused as exc:
            with self.cond:
                self.refusals.append(Refusal(method, params, exc.description))
                self.cond.notify_all()
            return exc.status, {"ok": False, "error_code": exc.status, "description": exc.description}

    def _strict(self, method: str, params: dict) -> tuple[int, dict]:
        """The answer of a server that checks every request as the real one does (rules.Refused otherwise)."""
        if method == "getChatMember":
            uid = int(params.get("user_id", 0))
            status = "administrator" if uid in self.group_admins else "member"
            member = {"status": status, "user": {"id": uid, "is_bot": False, "first_name": "用户"}}
            if status == "administrator":
                member.update({"can_be_edited": False, "is_anonymous": False, "can_manage_chat": True,
                               "can_delete_messages": True, "can_manage_video_chats": True, "can_restrict_members": True,
                               "can_promote_members": False, "can_change_info": True, "can_invite_users": True,
                               "can_post_stories": False, "can_edit_stories": False, "can_delete_stories": False})
            return 200, {"ok": True, "result": member}
        if method == "getFile":
            file_id = params.get("file_id", "")
            return 200, {"ok": True, "result": {"file_id": file_id, "file_unique_id": file_id,
                                                "file_size": len(self.files.get(file_id, b"")),
                                                "file_path": f"documents/{file_id}"}}
        if method == "getMe":
            return 200, {"ok": True, "result": self.get_me}
        if method == "setMyCommands":
            self._check_commands(params)
        if method in ("sendMessage", "sendDocument"):
            chat_id = int(params.get("chat_id", 0))
            parsed = rules.check_text(params) if method == "sendMessage" else rules.check_caption(params)
            markup = rules.check_markup(params)
            reply_id, without = rules.reply_target(params)
            with self.cond:
                if reply_id and (chat_id, reply_id) not in self.shown and not without:
                    raise rules.Refused("Bad Request: message to be replied not found")
                message_id = next(self.message_ids)
                self.shown[(chat_id, message_id)] = {"from_bot": True, "text": parsed.text,
                                                        "entities": parsed.entities, "markup": markup}
            message = self._message(chat_id, message_id, parsed, markup, caption=method == "sendDocument")
            if method == "sendDocument":
                message["document"] = {"file_id": "doc1", "file_unique_id": "doc1", "file_name": params.get("_filename", "file")}
            return 200, {"ok": True, "result": message}
        if method in ("editMessageText", "editMessageReplyMarkup"):
            chat_id, message_id = int(params.get("chat_id", 0)), int(params.get("message_id") or 0)
            parsed = rules.check_text(params) if method == "editMessageText" else None
            markup = rules.check_markup(params)
            with self.cond:
                shown = self.shown.get((chat_id, message_id))
                if shown is None:
                    raise rules.Refused("Bad Request: message to edit not found")
                if not shown["from_bot"]:
                    raise rules.Refused("Bad Request: message can't be edited")
                parsed = parsed or rules.Parsed(shown["text"], shown["entities"])
                if (parsed.text, parsed.entities, markup) == (shown["text"], shown["entities"], shown["markup"]):
                    raise rules.Refused("Bad Request: message is not modified: specified new message content and reply "
                                        "markup are exactly the same as a current content and reply markup of the message")
                shown.update(text=parsed.text, entities=parsed.entities, markup=markup)
            return 200, {"ok": True, "result": self._message(chat_id, message_id, parsed, markup)}
        if method == "deleteMessage":
            key = (int(params.get("chat_id", 0)), int(params.get("message_id") or 0))
            with self.cond:
                if self.shown.pop(key, None) is None:
                    raise rules.Refused("Bad Request: message to delete not found")
        if method == "answerCallbackQuery" and rules.utf16_len(str(params.get("text") or "")) > 200:
            raise rules.Refused("Bad Request: MESSAGE_TOO_LONG")
        return 200, {"ok": True, "result": True}

    @staticmethod
    def _check_commands(params: dict) -> None:
        raw = params.get("commands") or "[]"
        commands = json.loads(raw) if isinstance(raw, str) else raw
        if len(commands) > 100:
            raise rules.Refused("Bad Request: too many commands")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise rules.Refused("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
                raise rules.Refused("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")

    _ENTITY_TYPES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
                     "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
                     "tg-spoiler": "spoiler", "span": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
                     "blockquote": "blockquote", "tg-emoji": "custom_emoji"}

    def _message(self, chat_id: int, message_id: int, parsed: rules.Parsed, markup: dict | None,
                 caption: bool = False) -> dict:
        """The Message the server answers with: the plain text and its entities, as a client sees them."""
        entities = []
        for tag, offset, length, argument in parsed.entities:
            entity = {"type": self._ENTITY_TYPES[tag], "offset": offset, "length": length}
            if tag == "a":
                entity["url"] = argument or "http://example.invalid/"
            elif tag == "tg-emoji":
                entity["custom_emoji_id"] = argument or "0"
            elif tag == "blockquote" and argument == "expandable":
                entity["type"] = "expandable_blockquote"
            if length:
                entities.append(entity)
        message = {"message_id": message_id, "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"}, "from": BOT_USER}
        if parsed.text or not caption:
            message["caption" if caption else "text"] = parsed.text
        if entities:
            message["caption_entities" if caption else "entities"] = entities
        if markup:
            message["reply_markup"] = markup
        return message

    def _refuse(self, chat_id: int) -> tuple[int, dict] | None:
        if chat_id in self.blocked:
            return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was kicked from the group chat"}
        if chat_id in self.migrated:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: group chat was upgraded to a supergroup chat",
                         "parameters": {"migrate_to_chat_id": self.migrated[chat_id]}}
        if self.flood_limit:
            now = time.monotonic()
            with self.cond:
                self._sent_times = [t for t in self._sent_times if now - t < 1.0]
                group = self._group_times.setdefault(chat_id, [])
                group[:] = [t for t in group if now - t < 60.0]
                if len(self._sent_times) >= 30 or (chat_id < 0 and len(group) >= 20):
                    self.flood_hits += 1
                    return 429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                 "parameters": {"retry_after": 1}}
                self._sent_times.append(now)
                group.append(now)
        return None

    def _get_updates(self, params: dict) -> list[dict]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), self.max_poll_wait)
        deadline = time.monotonic() + wait
        with self.cond:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
            while not self.updates and time.monotonic() < deadline:
                self.cond.wait(deadline - time.monotonic())
            return list(self.updates)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else headers and body in two writes cost a 40 ms delayed ACK

            def log_message(self, *args: object) -> None:  # keep test output quiet
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the client died mid-request (a killed replica): the real server never sees a call either
                prefix, _, method = self.path.rpartition("/")
                token = prefix.split("/bot", 1)[-1] if "/bot" in prefix else ""
                status, payload = api._answer(method, self._params(body), token)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the bot hung up (it is shutting down): nothing to answer

            def do_GET(self) -> None:
                if "/file/bot" in self.path:
                    data = api.files.get(self.path.rsplit("/", 1)[-1], b"")
                    self.send_response(200 if data else 404)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                self.do_POST()

            def _params(self, body: bytes) -> dict:
                ctype = self.headers.get("Content-Type", "")
                if "application/json" in ctype:
                    return json.loads(body or b"{}")
                if "multipart/form-data" in ctype:
                    return _multipart(body, ctype)
                return {k: v[0] for k, v in parse_qs(body.decode()).items()}

        return Handler
