"""The database: engine and sessions (SQLite or PostgreSQL), tables, and Alembic migrations."""
