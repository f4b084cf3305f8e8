"""Errors the storage layer raises on purpose (the rest are SQLAlchemy's)."""


class DatabaseBusyError(Exception):
    """A write with a deadline could not start in time: another writer held the database.

    Nothing of the write was stored, so doing it again later stores it once.
    """
