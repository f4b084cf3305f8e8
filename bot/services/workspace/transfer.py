"""Loading a workspace file into the database, and writing one back out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from bot.services.errors import UserFacingError
from bot.services.themes.regroup import RegroupReport, regroup
from bot.services.workspace.file import (
    AuditRecord,
    DigestRecord,
    DomainRecord,
    DriverAnswerRecord,
    DriverRecord,
    FileModel,
    FollowupRecord,
    KpiValueRecord,
    LinkRecord,
    ObjectiveRecord,
    PulseAnswerRecord,
    PulseRoundRecord,
    RequestRecord,
    StatusChangeRecord,
    ThemeRecord,
    UserRecord,
    VoteRecord,
    WorkspaceFile,
    WorkspaceInfo,
)
from bot.services.workspace.limits import check_fits, import_key
from bot.services.workspace.restore import restore_workspace
from scoring import ScoringConfig
from storage.enums import RequestSource, ThemeStatus
from storage.models import (
    DigestRun,
    Domain,
    Driver,
    Request,
    ShipFollowup,
    Theme,
    ThemeLink,
    ThemeStatusChange,
    User,
)
from storage.repositories.drivers import DriverAnswerToAdd
from storage.repositories.objective_kpis import KpiValueToAdd
from storage.repositories.pulses import AnswerToAdd
from storage.unit_of_work import UnitOfWork

KPI_DIRECTIONS: dict[str, Literal["up", "down"]] = {"up": "up", "down": "down"}
KPI_SOURCES: dict[str, Literal["cli", "csv", "http"]] = {"cli": "cli", "csv": "csv", "http": "http"}
Record = TypeVar("Record", bound=FileModel)


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
    if data.workspace.name:
        uow.backups.set_name(data.workspace.name)
    domains = _import_domains(uow, data)
    users = _import_users(uow, data, domains)
    drivers = _import_drivers(uow, data)
    objectives = uow.objectives
    for record in data.objectives:
        if objectives.by_name(record.name) is None:
            domain = domains.get(record.domain) if record.domain else None
            objective = objectives.add(
                record.name,
                record.description,
                record.weight,
                record.keywords,
                domain.id if domain else None,
            )
            objective.active = record.active
            objective.kpi_name = record.kpi_name
            objective.kpi_unit = record.kpi_unit
            objective.kpi_direction = record.kpi_direction
            objective.kpi_target = record.kpi_target
    _import_kpi_values(uow, data)
    answers = _import_pulses(uow, data, users, drivers, domains)
    if data.themes:
        restored = restore_workspace(uow, data, users, domains)
        requests, skipped, votes = restored.requests, 0, restored.votes
        report = RegroupReport(restored.requests, restored.themes, 0)
    else:
        request_ids, skipped = _import_requests(uow, data, users, domains)
        requests = len(data.requests) - skipped
        votes = uow.votes.add_all_once(
            [
                (users[v.user].id, request_ids[v.request], v.created_at)
                for v in data.votes
                if v.request is not None
            ]
        )
        report = regroup(uow, config)
        _apply_status_changes(uow, data, request_ids)
    return ImportReport(
        workspace_id=workspace_id,
        users=len(users),
        requests=requests,
        requests_skipped=skipped,
        votes=votes,
        pulse_answers=answers,
        regroup=report,
    )


def _import_kpi_values(uow: UnitOfWork, data: WorkspaceFile) -> int:
    """The file's KPI values, each kept with when it was recorded; a value the workspace
    has already (its objective and instant) is left as it is. How many were new."""
    objectives = {o.name: o.id for o in uow.objectives.list_all()}
    return uow.kpi_values.add_all_once(
        KpiValueToAdd(objectives[v.objective], v.value, v.measured_at, v.source, v.recorded_at)
        for v in data.kpi_values
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
            domain.retired_at = record.retired_at
        domains[record.name] = domain
    return domains


def _import_drivers(uow: UnitOfWork, data: WorkspaceFile) -> dict[str, Driver]:
    """The file's drivers by key; one the workspace has already keeps its own wording."""
    repository = uow.drivers
    drivers: dict[str, Driver] = {}
    for position, record in enumerate(data.drivers):
        driver = repository.by_key(record.key)
        if driver is None:
            driver = repository.add(record.key, record.name, record.description, position)
            driver.active = record.active
        drivers[record.key] = driver
    uow.session.flush()
    return drivers


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


def _import_pulses(
    uow: UnitOfWork,
    data: WorkspaceFile,
    users: dict[str, User],
    drivers: dict[str, Driver],
    domains: dict[str, Domain],
) -> int:
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
        _import_driver_answers(uow, pulse_round.id, record, users, drivers, domains)
    return answers


def _import_driver_answers(
    uow: UnitOfWork,
    round_id: int,
    record: PulseRoundRecord,
    users: dict[str, User],
    drivers: dict[str, Driver],
    domains: dict[str, Domain],
) -> None:
    latest = {  # as for the main answers, a later answer in the file replaces an earlier one
        (given.user, given.driver, given.kind): DriverAnswerToAdd(
            user_id=users[given.user].id,
            driver_id=drivers[given.driver].id,
            kind=given.kind,
            value=given.value,
            domain_id=domains[given.domain].id if given.domain in domains else None,
            answered_at=given.answered_at,
        )
        for given in record.driver_answers
    }
    uow.driver_answers.add_all(round_id, list(latest.values()))


def _apply_status_changes(
    uow: UnitOfWork, data: WorkspaceFile, request_ids: dict[str, int]
) -> None:
    themes = uow.themes
    requests = uow.requests
    for change in sorted(data.status_changes, key=lambda c: c.at):
        if change.request is None:
            continue
        request = requests.by_id(request_ids[change.request])
        if request is None or request.theme_id is None:
            continue
        theme = themes.resolve(request.theme_id)
        target = ThemeStatus(change.status)
        if theme is None or theme.status == target:
            continue
        themes.change_status(theme, target, changed_by=change.by, note=change.note, at=change.at)


def export_workspace(uow: UnitOfWork) -> WorkspaceFile:
    """The whole workspace, as a backup: importing it into an empty database and exporting
    again gives the same document (ids, themes and every PM decision, status history,
    votes, pulse rounds, digests, follow-ups, the audit log).

    Its requests, votes and status changes also carry the refs an import into a workspace
    that already has data uses (there, themes are derived again).
    """
    users = uow.users.list_all()
    if not users:
        raise UserFacingError(f"Workspace {uow.workspace_id} has no data to export.")
    slack_ids = {u.id: u.slack_id for u in users}
    domain_names = {d.id: d.name for d in uow.domains.list_all()}
    backups = uow.backups
    requests = backups.rows(Request)
    refs = {r.id: f"r{r.id}" for r in requests}
    return WorkspaceFile(
        workspace=WorkspaceInfo(id=uow.workspace_id, name=backups.name()),
        users=[
            _record(UserRecord, u, id=u.slack_id, domain=domain_names.get(u.domain_id or 0))
            for u in users
        ],
        domains=[_record(DomainRecord, d, owner=d.owner_slack_id) for d in uow.domains.list_all()],
        objectives=[
            _record(
                ObjectiveRecord,
                o,
                keywords=list(o.keywords),
                domain=domain_names.get(o.domain_id or 0),
                kpi_direction=KPI_DIRECTIONS.get(o.kpi_direction or ""),
            )
            for o in uow.objectives.list_all()
        ],
        kpi_values=_export_kpi_values(uow),
        drivers=[_record(DriverRecord, d) for d in uow.drivers.list_all()],
        requests=[
            _record(
                RequestRecord,
                r,
                ref=refs[r.id],
                requester=slack_ids[r.requester_id],
                domain=domain_names.get(r.domain_id or 0),
                source=r.source.value,
                objective=r.objective.name if r.objective else None,
                theme=None,  # the sample's intent label; a backup keeps theme_id
                logged_by=slack_ids.get(r.logged_by_id or 0),
            )
            for r in requests
        ],
        themes=[
            _record(
                ThemeRecord,
                t,
                top_terms=list(t.top_terms),
                status=t.status.value,
                effort=t.effort.value if t.effort else None,
                merged_into=t.merged_into_id,
            )
            for t in backups.rows(Theme)
        ],
        votes=_export_votes(uow, refs),
        status_changes=[
            StatusChangeRecord(
                id=c.id,
                theme=c.theme_id,
                from_status=c.from_status.value,
                status=c.to_status.value,
                note=c.note,
                by=c.changed_by,
                at=c.changed_at,
            )
            for c in backups.rows(ThemeStatusChange)
        ],
        pulse_rounds=_export_pulses(uow, slack_ids, domain_names),
        digests=[_record(DigestRecord, d, status=d.status.value) for d in backups.rows(DigestRun)],
        followups=[
            _record(
                FollowupRecord,
                f,
                theme=f.theme_id,
                status_change=f.status_change_id,
                user=slack_ids[f.user_id],
                followup_request=refs.get(f.followup_request_id or 0),
            )
            for f in backups.rows(ShipFollowup)
        ],
        links=[
            _record(LinkRecord, link, theme=link.theme_id, tracker=link.provider)
            for link in backups.rows(ThemeLink)
        ],
        audit=[_record(AuditRecord, e) for e in uow.audit.oldest_first()],
    )


def _record(record_type: type[Record], row: object, **differing: Any) -> Record:
    """``row`` as a record of the file: each field is the row's attribute of the same name,
    but for those in ``differing`` (the database names or stores them otherwise)."""
    same = {name: getattr(row, name) for name in record_type.model_fields if name not in differing}
    return record_type(**same, **differing)


def _export_votes(uow: UnitOfWork, refs: dict[int, str]) -> list[VoteRecord]:
    records: list[VoteRecord] = []
    for vote in uow.votes.list_all():
        user = vote.user.slack_id
        if vote.request_id in refs:
            records.append(
                VoteRecord(request=refs[vote.request_id], user=user, created_at=vote.created_at)
            )
        elif vote.theme_id is not None:
            records.append(VoteRecord(theme=vote.theme_id, user=user, created_at=vote.created_at))
    return sorted(records, key=lambda v: (v.created_at, v.user, v.request or "", v.theme or 0))


def _export_pulses(
    uow: UnitOfWork, slack_ids: dict[int, str], domain_names: dict[int, str]
) -> list[PulseRoundRecord]:
    """Rounds with who was asked and the answers, in an order that does not depend on the
    row ids (a restore may number them otherwise), so export → restore → export is equal."""
    pulses = uow.pulses
    rounds = pulses.rounds()
    driver_keys = {d.id: d.key for d in uow.drivers.list_all()}
    driver_answers: dict[int, list[DriverAnswerRecord]] = {}
    for given in uow.driver_answers.of_rounds(r.id for r in rounds):
        driver_answers.setdefault(given.round_id, []).append(
            _record(
                DriverAnswerRecord,
                given,
                user=slack_ids[given.user_id],
                driver=driver_keys[given.driver_id],
                kind="importance" if given.kind == "importance" else "satisfaction",
                domain=domain_names.get(given.domain_id or 0),
            )
        )
    return [
        PulseRoundRecord(
            started_at=r.started_at,
            closes_at=r.closes_at,
            question=r.question,
            asked=sorted(slack_ids[i.user_id] for i in pulses.invitations(r.id)),
            responses=sorted(
                (
                    _record(PulseAnswerRecord, a, user=slack_ids[a.user_id])
                    for a in pulses.responses(r.id)
                ),
                key=lambda answer: (answer.answered_at, answer.user),
            ),
            driver_answers=sorted(
                driver_answers.get(r.id, []),
                key=lambda given: (given.answered_at, given.user, given.driver, given.kind),
            ),
        )
        for r in rounds
    ]


def _export_kpi_values(uow: UnitOfWork) -> list[KpiValueRecord]:
    return [
        _record(
            KpiValueRecord, v, objective=objective.name, source=KPI_SOURCES.get(v.source, "cli")
        )
        for objective in sorted(uow.objectives.list_all(), key=lambda o: o.name)
        for v in uow.kpi_values.of_objective(objective.id)
    ]
