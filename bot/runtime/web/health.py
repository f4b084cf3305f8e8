"""Readiness: the database answers and its schema is the one this code expects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from storage import migrate


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str


class ReadinessCheck:
    """``GET /readyz``: a load balancer sends traffic only to replicas that can serve it.

    The head revision is read once: it is a property of the code, not of the database.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.head = migrate.head_revision()

    def __call__(self) -> Readiness:
        try:
            current = migrate.current_revision(self.engine)
        except SQLAlchemyError as error:
            return Readiness(False, f"database unreachable ({type(error).__name__})")
        if current != self.head:
            return Readiness(False, f"migrations not current ({current} != {self.head})")
        return Readiness(True, "ok")
