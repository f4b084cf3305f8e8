"""Moving requests to themes after a re-grouping: every row moves, and so does every
request already loaded in the session, in one UPDATE per theme (not one per request)."""

from __future__ import annotations

from sqlalchemy import event, select

from storage.models import Request
from storage.repositories import RequestRepository, ThemeRepository
from storage.repositories.requests import _IDS_PER_STATEMENT
from storage.unit_of_work import unit_of_work
from tests.fixtures.databases import Database
from tests.integration.storage.test_repositories import WS, log


def test_assign_themes_moves_rows_and_loaded_requests_with_one_update_per_theme(
    database: Database,
) -> None:
    count = _IDS_PER_STATEMENT + 100  # Big gets 540 ids: more than one statement takes
    with unit_of_work(database.sessions, WS) as uow:
        session = uow.session
        themes = ThemeRepository(session, WS)
        big, small, unused = themes.add("Big"), themes.add("Small"), themes.add("Unused")
        ids = [log(uow, f"k-{n}", user=f"U{n % 7}")[0].id for n in range(count)]
        loaded = {r.id: r for r in session.scalars(select(Request).where(Request.id.in_(ids)))}
        for request in loaded.values():
            request.theme_id = unused.id
        session.flush()
        moves = {
            request_id: (small.id if n % 10 == 0 else big.id) for n, request_id in enumerate(ids)
        }
        updates: list[str] = []

        def count_updates(_conn, _cursor, statement: str, *_args: object) -> None:
            if statement.lstrip().upper().startswith("UPDATE"):
                updates.append(statement)

        event.listen(database.engine, "before_cursor_execute", count_updates)
        try:
            RequestRepository(session, WS).assign_themes(moves)
        finally:
            event.remove(database.engine, "before_cursor_execute", count_updates)
        assert len(updates) == 3  # Big in two chunks, Small in one
        assert {r.id: r.theme_id for r in loaded.values()} == moves  # the session's objects
    with database.sessions() as session:
        stored = dict(session.execute(select(Request.id, Request.theme_id)).all())
    assert stored == moves
