"""Loading a workspace file into the database, and writing one back out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.services.errors import UserFacingError
from bot.services.themes.regroup import RegroupReport, regroup
from bot.services.workspace.file import (
    AuditRecord,
    DomainRecord,
    ObjectiveRecord,
    PulseAnswerRecord,
    PulseRoundRecord,
    RequestRecord,
    StatusChangeRecord,
    UserRecord,
    VoteRecord,
    WorkspaceFile,
    WorkspaceInfo,
)
from bot.services.workspace.limits import check_fits, import_key
from scoring import ScoringConfig
from storage.enums import RequestSource, ThemeStatus
from storage.models import Domain, User
from storage.repositories.pulses import AnswerToAdd
from storage.unit_of_work import UnitOfWork

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ImportReport:
    workspace_id: str
    users: int
    requests: int
    requests_skipped: int
    votes: int
    pulse_answers: int
    regroup: RegroupReport


def import_workspace(
    uow: UnitOfWork, data: WorkspaceFile, config: ScoringConfig | None = None
) -> ImportReport:
    """Store everything in ``data``, group the requests, then apply the status changes.

    Importing the same file twice stores nothing new: requests are keyed by
    ``import:<workspace>:<ref>`` and votes and pulse answers by their unique keys.

    The file is checked against the columns first (WorkspaceFileError, nothing stored);
    rows go in with bulk inserts, not a savepoint each, and all in the caller's unit of
    work, so a failure part-way stores nothing.
    """
    check_fits(data)
    workspace_id = data.workspace.id
    uow = uow.for_workspace(workspace_id)  # the file's workspace, in the caller's transaction
    domains = _import_domains(uow, data)
    users = _import_users(uow, data, domains)
    objectives = uow.objectives
    for record in data.objectives:
        if objectives.by_name(record.name) is None:
            domain = domains.get(record.domain) if record.domain else None
            objectives.add(
                record.name,
                record.description,
                record.weight,
                record.keywords,
                domain.id if domain else None,
            )
    request_ids, skipped = _import_requests(uow, data, users, domains)
    new_votes = uow.votes.add_all_once(
        [(users[v.user].id, request_ids[v.request], v.created_at) for v in data.votes]
    )
    answers = _import_pulses(uow, data, users)
    report = regroup(uow, config)
    _apply_status_changes(uow, data, request_ids)
    return ImportReport(
        workspace_id=workspace_id,
        users=len(users),
        requests=len(data.requests) - skipped,
        requests_skipped=skipped,
        votes=new_votes,
        pulse_answers=answers,
        regroup=report,
    )


def _import_domains(uow: UnitOfWork, data: WorkspaceFile) -> dict[str, Domain]:
    repository = uow.domains
    domains: dict[str, Domain] = {}
    for record in data.domains:
        domain = repository.by_name(record.name)
        if domain is None:
            domain = repository.add(
                record.name, record.description, record.owner, record.digest_channel
            )
        domains[record.name] = domain
    return domains


def _import_users(
    uow: UnitOfWork, data: WorkspaceFile, domains: dict[str, Domain]
) -> dict[str, User]:
    repository = uow.users
    repository.add_missing([record.id for record in data.users])
    known = {user.slack_id: user for user in repository.list_all()}
    users: dict[str, User] = {}
    for record in data.users:
        user = known[record.id]
        user.name = record.name or user.name
        user.tz = record.tz or user.tz
        user.is_admin = record.is_admin
        if record.domain:
            user.domain_id = domains[record.domain].id
        users[record.id] = user
    uow.session.flush()
    return users


def _import_requests(
    uow: UnitOfWork,
    data: WorkspaceFile,
    users: dict[str, User],
    domains: dict[str, Domain],
) -> tuple[dict[str, int], int]:
    repository = uow.requests
    objectives = {o.name: o for o in uow.objectives.list_active()}
    ids: dict[str, int] = {}
    skipped = 0
    for record in data.requests:
        objective = objectives.get(record.objective) if record.objective else None
        request, created = repository.log_once(
            idempotency_key=import_key(uow.workspace_id, record.ref),
            title=record.title,
            body=record.body,
            requester_id=users[record.requester].id,
            source=RequestSource(record.source),
            domain_id=domains[record.domain].id if record.domain else None,
            objective_id=objective.id if objective else None,
            pain=record.pain,
            created_at=record.created_at,
        )
        skipped += not created
        ids[record.ref] = request.id
    return ids, skipped


def _import_pulses(uow: UnitOfWork, data: WorkspaceFile, users: dict[str, User]) -> int:
    repository = uow.pulses
    existing = {r.started_at for r in repository.rounds()}
    answers = 0
    for record in data.pulse_rounds:
        if record.started_at in existing:
            continue
        pulse_round = repository.start_round(record.question, record.started_at, record.closes_at)
        pulse_round.closed_at = record.closes_at
        asked = dict.fromkeys(users[u].id for u in record.asked if u in users)
        repository.invite_all(pulse_round.id, [(user_id, record.started_at) for user_id in asked])
        latest = {  # a person's last answer in the file is their answer, as when changed
            users[answer.user].id: AnswerToAdd(
                users[answer.user].id,
                answer.score,
                answer.answered_at,
                answer.enps,
                answer.comment,
            )
            for answer in record.responses
        }
        repository.add_answers(pulse_round.id, list(latest.values()))
        answers += len(latest)
    return answers


def _apply_status_changes(
    uow: UnitOfWork, data: WorkspaceFile, request_ids: dict[str, int]
) -> None:
    themes = uow.themes
    requests = uow.requests
    for change in sorted(data.status_changes, key=lambda c: c.at):
        request = requests.by_id(request_ids[change.request])
        if request is None or request.theme_id is None:
            continue
        theme = themes.resolve(request.theme_id)
        target = ThemeStatus(change.status)
        if theme is None or theme.status == target:
            continue
        themes.change_status(theme, target, changed_by=change.by, note=change.note, at=change.at)


def export_workspace(uow: UnitOfWork) -> WorkspaceFile:
    """Everything needed to rebuild the workspace elsewhere; themes are derived again.

    Votes and status changes point at a theme's earliest request, which lands in the
    same theme when the file is imported.
    """
    users = uow.users.list_all()
    if not users:
        raise UserFacingError(f"Workspace {uow.workspace_id} has no data to export.")
    slack_ids = {u.id: u.slack_id for u in users}
    domains = uow.domains.list_all()
    domain_names = {d.id: d.name for d in domains}
    requests = uow.requests.live()
    refs = {r.id: f"r{r.id}" for r in requests}
    first_of_theme: dict[int, str] = {}
    for request in sorted(requests, key=lambda r: (r.created_at, r.id)):
        if request.theme_id is not None:
            first_of_theme.setdefault(request.theme_id, refs[request.id])
    return WorkspaceFile(
        workspace=WorkspaceInfo(id=uow.workspace_id),
        users=[
            UserRecord(
                id=u.slack_id,
                name=u.name,
                tz=u.tz,
                is_admin=u.is_admin,
                domain=domain_names.get(u.domain_id) if u.domain_id else None,
            )
            for u in users
        ],
        domains=[
            DomainRecord(
                name=d.name,
                description=d.description,
                owner=d.owner_slack_id,
                digest_channel=d.digest_channel,
            )
            for d in domains
        ],
        objectives=[
            ObjectiveRecord(
                name=o.name,
                description=o.description,
                weight=o.weight,
                keywords=list(o.keywords),
                domain=domain_names.get(o.domain_id) if o.domain_id else None,
            )
            for o in uow.objectives.list_active()
        ],
        requests=[
            RequestRecord(
                ref=refs[r.id],
                title=r.title,
                body=r.body,
                requester=slack_ids[r.requester_id],
                domain=domain_names.get(r.domain_id) if r.domain_id else None,
                source=r.source.value,
                pain=r.pain,
                objective=r.objective.name if r.objective else None,
                created_at=r.created_at,
            )
            for r in requests
        ],
        votes=_export_votes(uow, refs, first_of_theme),
        status_changes=[
            StatusChangeRecord(
                request=first_of_theme[c.theme_id],
                status=c.to_status.value,
                note=c.note,
                by=c.changed_by,
                at=c.changed_at,
            )
            for c in uow.themes.changes_since(EPOCH)
            if c.theme_id in first_of_theme
        ],
        pulse_rounds=_export_pulses(uow, slack_ids),
        audit=[
            AuditRecord(
                at=e.at,
                actor=e.actor,
                action=e.action,
                target_type=e.target_type,
                target_id=e.target_id,
                details=e.details,
            )
            for e in uow.audit.oldest_first()
        ],
    )


def _export_votes(
    uow: UnitOfWork, refs: dict[int, str], first_of_theme: dict[int, str]
) -> list[VoteRecord]:
    records: dict[tuple[str, str], VoteRecord] = {}
    for vote in uow.votes.list_all():
        if vote.request_id is not None:
            ref = refs.get(vote.request_id)
        else:
            ref = first_of_theme.get(vote.theme_id or 0)
        if ref is not None:
            key = (ref, vote.user.slack_id)
            records.setdefault(
                key, VoteRecord(request=ref, user=vote.user.slack_id, created_at=vote.created_at)
            )
    return list(records.values())


def _export_pulses(uow: UnitOfWork, slack_ids: dict[int, str]) -> list[PulseRoundRecord]:
    pulses = uow.pulses
    return [
        PulseRoundRecord(
            started_at=r.started_at,
            closes_at=r.closes_at,
            question=r.question,
            asked=[slack_ids[i.user_id] for i in pulses.invitations(r.id)],
            responses=[
                PulseAnswerRecord(
                    user=slack_ids[a.user_id],
                    score=a.score,
                    enps=a.enps,
                    comment=a.comment,
                    answered_at=a.answered_at,
                )
                for a in pulses.responses(r.id)
            ],
        )
        for r in pulses.rounds()
    ]
