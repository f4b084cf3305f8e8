"""Repositories on both backends: idempotent writes, merges followed, claims held once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from storage.enums import RequestSource, ThemeStatus
from storage.models import Request
from storage.repositories.requests import LoggedRow
from storage.unit_of_work import UnitOfWork, unit_of_work
from tests.fixtures.databases import Database

WS = "T0TEST"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def log(
    uow: UnitOfWork, key: str, title: str = "faster CI please", user: str = "U1"
) -> tuple[LoggedRow, bool]:
    requester = uow.users.get_or_create(user)
    return uow.requests.log_once(
        idempotency_key=key, title=title, requester_id=requester.id, source=RequestSource.COMMAND
    )


def test_a_request_is_stored_once_per_idempotency_key(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        first, created = log(uow, "command:T0TEST:trigger-1")
        assert created
    with unit_of_work(database.sessions, WS) as uow:
        again, created_again = log(uow, "command:T0TEST:trigger-1", title="different")
        assert not created_again
        assert again.id == first.id
        assert len(uow.requests.live()) == 1


def test_a_conflict_leaves_the_transaction_usable(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        log(uow, "k1")
        log(uow, "k1")
        log(uow, "k2", user="U2")
    with unit_of_work(database.sessions, WS) as uow:
        assert len(uow.requests.live()) == 2


def test_unicode_and_emoji_are_kept_as_written(database: Database) -> None:
    title = "Schnellere Builds für Käse-Team 🧀 <!here> & co"
    with unit_of_work(database.sessions, WS) as uow:
        request, _ = log(uow, "k-unicode", title=title)
        request_id = request.id
    with unit_of_work(database.sessions, WS) as uow:
        stored = uow.requests.by_id(request_id)
        assert stored is not None
        assert stored.title == title


def test_times_come_back_as_aware_utc(database: Database) -> None:
    berlin = timezone(timedelta(hours=1))
    with unit_of_work(database.sessions, WS) as uow:
        requester = uow.users.get_or_create("U1")
        request, _ = uow.requests.log_once(
            idempotency_key="k-time",
            title="t",
            requester_id=requester.id,
            source=RequestSource.IMPORT,
            created_at=datetime(2026, 11, 2, 10, 0, tzinfo=berlin),
        )
        request_id = request.id
    with unit_of_work(database.sessions, WS) as uow:
        stored = uow.requests.by_id(request_id)
        assert stored is not None
        assert stored.created_at == T0
        assert stored.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(database: Database) -> None:
    with (
        pytest.raises(Exception, match="naive datetime"),
        unit_of_work(database.sessions, WS) as uow,
    ):
        requester = uow.users.get_or_create("U1")
        uow.requests.log_once(
            idempotency_key="k-naive",
            title="t",
            requester_id=requester.id,
            source=RequestSource.IMPORT,
            created_at=datetime(2026, 11, 2, 10, 0),
        )


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), unit_of_work(database.sessions) as uow:
        uow.session.add(
            Request(
                workspace_id=WS,
                title="t",
                requester_id=999_999,
                source=RequestSource.COMMAND,
                idempotency_key="k-fk",
            )
        )
        uow.session.flush()


def test_one_vote_per_person_per_theme(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        theme = uow.themes.add("Faster CI")
        voter = uow.users.get_or_create("U9")
        votes = uow.votes
        _, first = votes.add_once(voter.id, theme_id=theme.id)
        _, second = votes.add_once(voter.id, theme_id=theme.id)
        assert (first, second) == (True, False)
        assert [len(v) for v in votes.by_theme().values()] == [1]


def test_votes_on_requests_count_for_their_theme(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        themes = uow.themes
        theme = themes.add("Faster CI")
        logged, _ = log(uow, "k-v")
        request = uow.requests.by_id(logged.id)
        assert request is not None
        request.theme_id = theme.id
        voter = uow.users.get_or_create("U9")
        uow.votes.add_once(voter.id, request_id=request.id)
        uow.votes.add_once(voter.id, theme_id=theme.id)
        assert len(uow.votes.by_theme()[theme.id]) == 2


def test_resolve_follows_merges_and_hides_deleted_themes(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        themes = uow.themes
        a, b, c = themes.add("a"), themes.add("b"), themes.add("c")
        a.merged_into_id = b.id
        b.merged_into_id = c.id
        gone = themes.add("gone")
        gone.deleted_at = T0
        uow.session.flush()
        resolved = themes.resolve(a.id)
        assert resolved is not None
        assert resolved.id == c.id
        assert themes.resolve(gone.id) is None
        assert themes.resolve(123_456) is None
        assert [t.label for t in themes.live()] == ["c"]


def test_status_changes_are_kept_as_history(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        themes = uow.themes
        theme = themes.add("Rollback button")
        themes.change_status(theme, ThemeStatus.PLANNED, "UPM", "Q1", at=T0)
        themes.change_status(theme, ThemeStatus.SHIPPED, "UPM", "done", at=T0 + timedelta(days=9))
        history = [(c.from_status, c.to_status) for c in themes.changes_since(T0)]
        assert history == [
            (ThemeStatus.OPEN, ThemeStatus.PLANNED),
            (ThemeStatus.PLANNED, ThemeStatus.SHIPPED),
        ]
        assert theme.status == ThemeStatus.SHIPPED


def test_a_digest_period_can_be_claimed_once(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        runs = uow.digests
        run = runs.claim("C1", "2026-W45")
        assert run is not None
        assert runs.claim("C1", "2026-W45") is None
        assert runs.claim("C2", "2026-W45") is not None
        runs.mark_posted(run, "1700000000.000100", {"positions": {"1": 1}})
        last = runs.last_posted("C1")
        assert last is not None
        assert last.ranking == {"positions": {"1": 1}}


def test_outbox_enqueues_once_and_claims_due_messages(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        outbox = uow.outbox
        _, created = outbox.enqueue_once(
            "status:1:U1", "dm", "U1", {"text": "shipped"}, not_before=T0
        )
        _, again = outbox.enqueue_once("status:1:U1", "dm", "U1", {"text": "shipped"})
        outbox.enqueue_once("later", "dm", "U2", {"text": "x"}, not_before=T0 + timedelta(days=1))
        assert (created, again) == (True, False)
        claimed = outbox.claim_due(10, now=T0 + timedelta(hours=1), hold=timedelta(minutes=1))
        assert [m.dedupe_key for m in claimed] == ["status:1:U1"]
        assert outbox.claim_due(10, now=T0 + timedelta(hours=1), hold=timedelta(minutes=1)) == []
        [sent] = claimed
        assert sent.claimed_by is not None
        outbox.record_sent(sent.id, sent.claimed_by, at=T0 + timedelta(hours=1), ts=None)
        assert uow.queue_depths.outbox().waiting == 1


def test_pulse_answers_are_one_per_person_per_round(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        pulses = uow.pulses
        pulse_round = pulses.start_round("How well…?", T0, T0 + timedelta(days=7))
        user = uow.users.get_or_create("U1")
        assert pulses.invite_once(pulse_round.id, user.id, T0)
        assert not pulses.invite_once(pulse_round.id, user.id, T0)
        pulses.record_answer(pulse_round.id, user.id, 2, T0)
        pulses.record_answer(pulse_round.id, user.id, 4, T0, enps=9, comment="better")
        [answer] = pulses.responses(pulse_round.id)
        assert (answer.score, answer.enps) == (4, 9)
        assert len(pulses.invited_user_ids(pulse_round.id)) == 1


def test_domains_and_audit_are_scoped_to_the_workspace(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        uow.domains.add("ci", digest_channel="C0CI")
        uow.for_workspace("T0OTHER").domains.add("ci")
        assert [d.name for d in uow.domains.with_digest_channel()] == ["ci"]
        uow.audit.record("UPM", "status", "theme", 3, {"to": "planned"})
        assert uow.for_workspace("T0OTHER").audit.recent() == []
        assert uow.audit.recent()[0].details == {"to": "planned"}


def test_a_user_ref_is_created_once_and_found_after(database: Database) -> None:
    with unit_of_work(database.sessions, WS) as uow:
        first = uow.users.ref("U0NEW")
        again = uow.users.ref("U0NEW")
    with unit_of_work(database.sessions, WS) as uow:
        later = uow.users.ref("U0NEW")
        other_workspace = uow.for_workspace("T0OTHER").users.ref("U0NEW")
    assert first == again == later
    assert other_workspace.id != first.id
