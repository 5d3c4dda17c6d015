"""Bot processes and databases for tests that run the real `domainbot run` (SIGKILL, two replicas)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from bot.db.storage import Database
from tests.support.env import POSTGRES_URL, TEST_TOKEN, postgres_available


def fresh_postgres() -> Database:
    """The test PostgreSQL database, emptied and migrated (the test is skipped where no server answers)."""
    reason = postgres_available()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    db = Database(POSTGRES_URL)
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    db.upgrade()
    return db


def bot_process(fake_api, url: str, tmp_path, name: str) -> subprocess.Popen:
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=TEST_TOKEN, TELEGRAM_API_BASE_URL=fake_api.base_url, DATABASE_URL=url,
               BOT_ADMIN_IDS="42", LOG_LEVEL="INFO")
    with open(tmp_path / f"{name}.log", "wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "bot.cli", "run"], env=env, cwd=tmp_path, stdout=log,
                                stderr=subprocess.STDOUT)


def stop_processes(procs: list[subprocess.Popen]) -> None:
    """SIGTERM all at once (they shut down side by side), then wait for each."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(20)
