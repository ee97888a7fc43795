"""The store: one interface (store/sql.py, `Store`), chosen by a path or URL (`--db`, `SVODKA_DB`): a SQLite file
(store/sqlite.py) or a PostgreSQL database (store/postgres.py)."""
from __future__ import annotations

import os

from .sql import BatchResult, SQLStore as Store

__all__ = ["BatchResult", "Store", "db_location", "is_postgres", "open_store"]

DEFAULT_DB = "svodka.db"


def db_location(arg: str | None = None) -> str:
    return arg or os.environ.get("SVODKA_DB") or DEFAULT_DB


def is_postgres(location: str) -> bool:
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | None = None) -> Store:
    location = db_location(location)
    if is_postgres(location):
        from .postgres import PostgresStore

        return PostgresStore(location)
    from .sqlite import SQLiteStore

    return SQLiteStore(location)
