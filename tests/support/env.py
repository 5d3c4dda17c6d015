"""The test token and the PostgreSQL server the tests use where it answers."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

TEST_TOKEN = "123456789:AAHfakeTokenForTests-abcdefghijklmno"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432"
# Each checkout gets its own database, so two checkouts' suites on one machine never drop each other's schema.
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL") or (
    f"{POSTGRES_SERVER}/test_{hashlib.sha1(str(Path(__file__).resolve().parent).encode()).hexdigest()[:10]}")


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason to skip."""
    try:
        import psycopg

        try:
            with psycopg.connect(POSTGRES_URL, connect_timeout=2):
                return None
        except psycopg.OperationalError as exc:
            if "does not exist" not in str(exc):
                raise
        name = POSTGRES_URL.rsplit("/", 1)[1]
        with psycopg.connect(f"{POSTGRES_SERVER}/postgres", connect_timeout=2, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return None
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}: {str(exc)[:120]}"
