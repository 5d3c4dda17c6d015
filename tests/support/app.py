"""The real Application polling the fake Bot API, started and stopped as run_polling would."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator


@contextlib.asynccontextmanager
async def polling_bot(settings, clock) -> AsyncIterator:
    from bot.runtime.app import build_application

    app = build_application(settings)
    app.bot_data.clock = clock
    await app.initialize()
    await app.post_init(app)  # run_polling would call it; starting by hand must too
    await app.updater.start_polling(poll_interval=0, timeout=1)
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
