"""Errors a person can act on; the edge (listener or CLI) turns them into an answer."""


class UserFacingError(Exception):
    """The message is written for the person who asked, and is safe to show them."""


class NotFoundError(UserFacingError):
    pass


class NotAllowedError(UserFacingError):
    pass


class InvalidInputError(UserFacingError):
    """Input the database cannot take (a NUL byte, a number or id too large for its
    column): refused at the edge with a clear answer, never counted as an outage."""
