"""The statements a piece of code runs on PostgreSQL and their plans: whether a scope query reads its tables
through an index (tests/test_offices_scale.py, benchmarks/bench_offices.py)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def captured_statements(engine) -> Iterator[list[tuple[str, object]]]:
    """The SELECT statements run on `engine` meanwhile, as sent to the driver (statement, parameters)."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany and statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(session, statement: str, parameters: object) -> str:
    """PostgreSQL's plan of one captured statement, as text."""
    cursor = session.connection().connection.driver_connection.cursor()
    cursor.execute("EXPLAIN " + statement, parameters or None)
    return "\n".join(row[0] for row in cursor.fetchall())


_SCAN = re.compile(r"((?:Parallel )?(?:Seq Scan|Index Scan|Index Only Scan|Bitmap Heap Scan|Bitmap Index Scan)"
                   r"(?: Backward)?(?: using \w+)? on \w+)")


def scans(plan: str) -> list[str]:
    """How each table is read: 'Index Scan using ix_unit_office_id on unit', 'Seq Scan on office', …"""
    return list(dict.fromkeys(_SCAN.findall(plan)))


def sequential(plan: str, tables: tuple[str, ...] = ("unit", "domain", "contact")) -> list[str]:
    """The tables among `tables` the plan reads whole."""
    return [t for t in tables if re.search(rf"Seq Scan on {t}\b", plan)]
