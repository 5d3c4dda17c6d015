"""A stalled database, as the trials made one: another connection holds the write lock (SQLite) or an exclusive
lock on a table (PostgreSQL) for a while."""
from __future__ import annotations

import sqlite3
import threading
import time

from sqlalchemy.engine import make_url

from bot.db.storage import Database


def hold_write_lock(db: Database, seconds: float, started: threading.Event, table: str = "delivery") -> None:
    """Another connection holds the database's write lock (SQLite) or an exclusive lock on the outbox table
    (PostgreSQL) for `seconds`: longer than the 4 s wait and than the driver's own lock wait."""
    url = make_url(db.url)
    if db.dialect == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()
        return
    import psycopg  # the postgres extra

    conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False))
    conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    started.set()
    time.sleep(seconds)
    conn.rollback()
    conn.close()
