"""Requests' stored sentence embeddings (``request_embeddings``), as raw bytes.

Storage does not interpret the bytes: ``bot/services/themes/vectors.py`` turns them into
arrays. Only vectors of the ``model`` asked for count; a request whose vector came from
another model file is "missing" until it is embedded again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVarTuple

from sqlalchemy import Select, and_, func, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import Request, RequestEmbedding, utcnow
from storage.repositories.base import Repository
from storage.repositories.requests import RequestText

#: Ids per ``IN (…)`` list: well under SQLite's limit on bound parameters.
_CHUNK = 900

_Columns = TypeVarTuple("_Columns")


class EmbeddingRepository(Repository):
    def stored(self, model: str, request_ids: Iterable[int]) -> dict[int, bytes]:
        """The stored vectors of ``model`` for these requests (of this workspace)."""
        ids = sorted(set(request_ids))
        found: dict[int, bytes] = {}
        for start in range(0, len(ids), _CHUNK):
            rows = self.session.execute(
                select(RequestEmbedding.request_id, RequestEmbedding.vector).where(
                    RequestEmbedding.workspace_id == self.workspace_id,
                    RequestEmbedding.model == model,
                    RequestEmbedding.request_id.in_(ids[start : start + _CHUNK]),
                )
            )
            found.update((row.request_id, row.vector) for row in rows)
        return found

    def missing(self, model: str, limit: int | None = None) -> list[RequestText]:
        """Live requests with no vector of ``model``, oldest first (at most ``limit``)."""
        query = self._without_vector(
            select(Request.id, Request.title, Request.body, Request.theme_id, Request.requester_id),
            model,
        )
        return [
            RequestText(row.id, row.title, row.body, row.theme_id, row.requester_id)
            for row in self.session.execute(query.order_by(Request.id).limit(limit))
        ]

    def count_missing(self, model: str | None) -> int:
        """How many live requests have no vector of ``model`` (None: of any model)."""
        query = self._without_vector(select(func.count(Request.id)), model)
        return int(self.session.scalar(query) or 0)

    def _without_vector(self, query: Select[*_Columns], model: str | None) -> Select[*_Columns]:
        on = RequestEmbedding.request_id == Request.id
        if model is not None:
            on = and_(on, RequestEmbedding.model == model)
        return query.outerjoin(RequestEmbedding, on).where(
            Request.workspace_id == self.workspace_id,
            Request.withdrawn_at.is_(None),
            RequestEmbedding.request_id.is_(None),
        )

    def store(self, model: str, vectors: Mapping[int, bytes]) -> None:
        """Store each request's vector, replacing one of another model."""
        if not vectors:
            return
        now = utcnow()
        rows = [
            {
                "request_id": request_id,
                "workspace_id": self.workspace_id,
                "model": model,
                "vector": vector,
                "created_at": now,
            }
            for request_id, vector in vectors.items()
        ]
        dialect = self.session.connection().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(RequestEmbedding)
        statement = statement.on_conflict_do_update(
            index_elements=[RequestEmbedding.request_id],
            set_={
                "model": statement.excluded.model,
                "vector": statement.excluded.vector,
                "created_at": statement.excluded.created_at,
            },
        )
        self.session.execute(statement, rows)
