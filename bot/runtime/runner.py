"""Starting the bot: long polling, webhook, or the local console chat."""
from __future__ import annotations

import asyncio
import gc
import logging
import sys

from telegram import Update

from bot.config.logs import setup_logging
from bot.config.settings import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)
EXIT_CONFIG = 2
EXIT_STARTUP = 1


def tune_interpreter() -> None:
    """Database work runs in worker threads. Behind a busy event loop (parsing a batch of updates, say) a worker
    waits up to the GIL switch interval each time it takes the GIL back: 5 ms by default, several times per
    query. 0.5 ms keeps a chat that waits on the database moving (paired rounds, all updates from one chat:
    ratio to the echo bot 0.70 at 5 ms, 0.76 at 0.5 ms)."""
    sys.setswitchinterval(0.0005)


def run_polling(settings: Settings) -> None:
    from bot.runtime.app import build_application
    from bot.runtime.startup import wait_for_database

    tune_interpreter()
    wait_for_database(settings.database_url, settings.database_start_wait)
    app = build_application(settings)
    log.info("starting long polling against %s", settings.telegram_api_base_url)
    app.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)


def run_webhook(settings: Settings) -> None:
    from bot.runtime.app import build_application

    tune_interpreter()
    if not settings.webhook_url or not settings.webhook_secret:
        raise SettingsError("配置错误 WEBHOOK_URL/WEBHOOK_SECRET: webhook 模式需要同时设置这两项")
    from bot.runtime.startup import wait_for_database

    wait_for_database(settings.database_url, settings.database_start_wait)
    app = build_application(settings)
    # Each update is written to the inbox before the 200 that lets Telegram forget it (bot/runtime/inbox.py).
    app.update_queue.write_on_put = True
    path = settings.webhook_url.rstrip("/").rsplit("/", 1)[-1] if "/" in settings.webhook_url.split("://", 1)[-1] else ""
    log.info("starting webhook on %s:%s", settings.webhook_listen, settings.webhook_port)
    app.run_webhook(
        listen=settings.webhook_listen, port=settings.webhook_port, url_path=path,
        webhook_url=settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES,
    )


def run_default(command: str | None, webhook: bool = False) -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    setup_logging(settings.log_level if command != "chat" and (command or settings.has_token) else "WARNING",
                  settings.telegram_bot_token, settings.webhook_secret)
    try:
        if command == "chat" or (command is None and not settings.has_token):
            gc.enable()  # off since bot.cli.main for the bot's start-up
            if command is None:
                print("未配置 TELEGRAM_BOT_TOKEN，进入本地对话模式；在 .env 中设置令牌后运行 domainbot run 即可连接 Telegram。",
                      file=sys.stderr)
            from bot.runtime.console import run_console

            asyncio.run(run_console(settings))
        elif not settings.has_token:
            print("配置错误 TELEGRAM_BOT_TOKEN: 运行 domainbot run 需要机器人令牌（向 @BotFather 申请）", file=sys.stderr)
            return EXIT_CONFIG
        elif webhook:
            run_webhook(settings)
        else:
            run_polling(settings)
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # start-up failures: one line naming the setting or service, never the token
        from bot.runtime.startup import describe

        print(describe(exc), file=sys.stderr)
        return EXIT_STARTUP
    return 0
