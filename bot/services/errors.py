"""Errors a person can act on; the edge (listener or CLI) turns them into an answer."""


class UserFacingError(Exception):
    """The message is written for the person who asked, and is safe to show them."""


class NotFoundError(UserFacingError):
    pass


class NotAllowedError(UserFacingError):
    pass


class BusyError(UserFacingError):
    """The database was held by another writer for longer than an answer can wait."""
