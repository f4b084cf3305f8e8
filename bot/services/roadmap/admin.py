"""Managing the roadmap: status, merge, split, effort, rename, objectives. Admins only.

Every change to a theme locks it (``Theme.locked``): re-grouping then keeps its id, its
label and every request it holds (bot/services/themes/regroup.py).

Every change is written to the audit log with who and when, and a status change queues
one DM to each requester and voter of the theme through the outbox.

Each change is made once per Slack invocation: given the invocation's ``key`` (built from
its trigger id), a command that Slack delivers twice, or that someone replays, changes
nothing the second time and gets the first answer again (see :func:`admin_change`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass

from bot.services.errors import NotAllowedError, NotFoundError, UserFacingError
from bot.services.notifications import queue_status_notices
from bot.services.objective_kpis import check_kpi_definition, kpi_of, kpi_record, set_kpi
from bot.services.roadmap.views import ObjectiveInput, ObjectiveSummary
from scoring import theme_label
from storage.enums import Effort, ThemeStatus
from storage.models import Theme
from storage.unit_of_work import UnitOfWork

NOT_ADMIN = (
    "Only the platform's product managers can change the roadmap. "
    "Ask one of them, or use `/feedback` to add your voice."
)
ALREADY_DONE = "That was done already, when this command first arrived."


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, and who may make changes (PULSEBOARD_ADMINS)."""

    workspace_id: str
    slack_id: str
    admins: Set[str]

    def require_admin(self) -> None:
        if self.slack_id not in self.admins:
            raise NotAllowedError(NOT_ADMIN)


@dataclass(frozen=True)
class ChangeResult:
    message: str
    notices_queued: int = 0
    #: True when the invocation was handled before: nothing changed this time.
    replayed: bool = False


def admin_change(
    uow: UnitOfWork, actor: Actor, key: str | None, change: Callable[[], ChangeResult]
) -> ChangeResult:
    """Make an admin's change once per invocation ``key``; a repeat gets the first answer.

    The key is claimed in the unit of work's transaction before the change and its answer
    stored after it, so both commit with the change or not at all: a change that fails
    (a refusal, a crash) leaves the key free, and its retry does the work. ``key`` None:
    no invocation to recognise (a caller outside Slack).
    """
    actor.require_admin()
    if key is None:
        return change()
    deliveries = uow.deliveries
    if not deliveries.claim(key):
        return ChangeResult(deliveries.answer_to(key) or ALREADY_DONE, replayed=True)
    result = change()
    deliveries.record_answer(key, result.message)
    return result


def live_theme_or_fail(uow: UnitOfWork, theme_id: int) -> Theme:
    theme = uow.themes.resolve(theme_id)
    if theme is None:
        raise NotFoundError(f"There is no theme #{theme_id}.")
    return theme


def change_status(
    uow: UnitOfWork,
    actor: Actor,
    theme_id: int,
    status: ThemeStatus,
    note: str = "",
    *,
    key: str | None = None,
) -> ChangeResult:
    return admin_change(uow, actor, key, lambda: _change_status(uow, actor, theme_id, status, note))


def _change_status(
    uow: UnitOfWork, actor: Actor, theme_id: int, status: ThemeStatus, note: str
) -> ChangeResult:
    theme = live_theme_or_fail(uow, theme_id)
    said = status.value.replace("_", " ")
    if theme.status == status:
        return ChangeResult(f"Theme #{theme.id} is already {said}.")
    if status == ThemeStatus.DECLINED and not note.strip():
        raise UserFacingError("Say why it is declined: `/roadmap status N declined <reason>`.")
    queued = set_theme_status(uow, actor.slack_id, theme, status, note)
    return ChangeResult(
        f"Theme #{theme.id} is now {said}; "
        f"{queued} {'person' if queued == 1 else 'people'} will hear about it.",
        queued,
    )


def set_theme_status(
    uow: UnitOfWork, changed_by: str, theme: Theme, status: ThemeStatus, note: str
) -> int:
    """The one path of a status change, a PM's or one that follows linked items: the theme
    is locked, the change recorded and audited, and each requester and voter gets one DM.
    How many DMs were queued."""
    previous = theme.status
    theme.locked = True
    change = uow.themes.change_status(theme, status, changed_by, note.strip())
    uow.audit.record(
        changed_by,
        "theme.status",
        "theme",
        theme.id,
        {"from": previous.value, "to": status.value, "note": note.strip()},
    )
    return queue_status_notices(uow, theme, change)


def merge_themes(
    uow: UnitOfWork, actor: Actor, source_id: int, target_id: int, *, key: str | None = None
) -> ChangeResult:
    """Fold one theme into another; its requests and votes move and stay there."""
    return admin_change(uow, actor, key, lambda: _merge(uow, actor, source_id, target_id))


def _merge(uow: UnitOfWork, actor: Actor, source_id: int, target_id: int) -> ChangeResult:
    source = live_theme_or_fail(uow, source_id)
    target = live_theme_or_fail(uow, target_id)
    if source.id == target.id:
        raise UserFacingError(_same_theme(source_id, target_id, source.id))
    requests = uow.requests.in_theme(source.id)
    for request in requests:
        request.theme_id = target.id
        request.pinned_to_theme = True
    votes = uow.votes
    for vote in votes.on_theme(source.id):
        if votes.find(vote.user_id, theme_id=target.id) is None:
            vote.theme_id = target.id
        else:
            votes.remove(vote)
    uow.links.move(source.id, target.id)
    source.merged_into_id = target.id
    target.locked = True
    uow.session.flush()
    uow.audit.record(
        actor.slack_id,
        "theme.merge",
        "theme",
        source.id,
        {"into": target.id, "requests": [r.id for r in requests]},
    )
    return ChangeResult(
        f"Theme #{source.id} is merged into #{target.id} "
        f"({len(requests)} {'request' if len(requests) == 1 else 'requests'} moved)."
    )


def _same_theme(source_id: int, target_id: int, theme_id: int) -> str:
    """Why two ids name one theme: the same id, or an earlier merge."""
    if source_id == target_id:
        return "A theme cannot be merged into itself."
    merged = [number for number in (source_id, target_id) if number != theme_id]
    if len(merged) == 2:
        return f"Themes #{source_id} and #{target_id} are both merged into #{theme_id} already."
    return f"Theme #{merged[0]} is already merged into #{theme_id}: nothing to do."


def split_request(
    uow: UnitOfWork,
    actor: Actor,
    request_id: int,
    label: str | None = None,
    *,
    key: str | None = None,
) -> ChangeResult:
    """Take a request out of its theme into a theme of its own, and keep it there."""
    return admin_change(uow, actor, key, lambda: _split(uow, actor, request_id, label))


def _split(uow: UnitOfWork, actor: Actor, request_id: int, label: str | None) -> ChangeResult:
    request = uow.requests.by_id(request_id)
    if request is None or request.withdrawn_at is not None:
        raise NotFoundError(f"There is no request {request_id}.")
    themes = uow.themes
    theme = themes.add(label.strip()[:200] if label else theme_label(request.title))
    theme.pinned = bool(label)
    theme.locked = True
    previous = request.theme_id
    source = themes.by_id(previous) if previous else None
    if source is not None:
        source.locked = True
    request.theme_id = theme.id
    request.pinned_to_theme = True
    uow.session.flush()
    uow.audit.record(
        actor.slack_id,
        "request.split",
        "request",
        request.id,
        {"from_theme": previous, "to_theme": theme.id, "label": theme.label},
    )
    return ChangeResult(f"Request {request.id} now stands alone as theme #{theme.id}.")


def set_effort(
    uow: UnitOfWork, actor: Actor, theme_id: int, effort: Effort, *, key: str | None = None
) -> ChangeResult:
    return admin_change(uow, actor, key, lambda: _set_effort(uow, actor, theme_id, effort))


def _set_effort(uow: UnitOfWork, actor: Actor, theme_id: int, effort: Effort) -> ChangeResult:
    theme = live_theme_or_fail(uow, theme_id)
    previous = theme.effort.value if theme.effort else None
    theme.effort = effort
    theme.locked = True
    uow.session.flush()
    uow.audit.record(
        actor.slack_id,
        "theme.effort",
        "theme",
        theme.id,
        {"from": previous, "to": effort.value},
    )
    return ChangeResult(f"Theme #{theme.id} effort is now {effort.value}.")


MAX_LABEL_CHARS = 200


def rename_theme(
    uow: UnitOfWork, actor: Actor, theme_id: int, label: str, *, key: str | None = None
) -> ChangeResult:
    """Give a theme the label a PM chose; re-grouping and digests keep it from then on."""
    return admin_change(uow, actor, key, lambda: _rename(uow, actor, theme_id, label))


def _rename(uow: UnitOfWork, actor: Actor, theme_id: int, label: str) -> ChangeResult:
    new_label = " ".join(label.split())
    if not new_label:
        raise UserFacingError("Give the new label: `/roadmap rename N <label>`.")
    if len(new_label) > MAX_LABEL_CHARS:
        raise UserFacingError(f"Keep a label under {MAX_LABEL_CHARS} characters.")
    theme = live_theme_or_fail(uow, theme_id)
    if theme.label == new_label and theme.pinned:
        return ChangeResult(f"Theme #{theme.id} is already called “{new_label}”.")
    previous = theme.label
    theme.label = new_label
    theme.pinned = True
    theme.locked = True
    uow.session.flush()
    uow.audit.record(
        actor.slack_id, "theme.rename", "theme", theme.id, {"from": previous, "to": new_label}
    )
    return ChangeResult(f"Theme #{theme.id} is now called “{new_label}”.")


def editable_objectives(uow: UnitOfWork, actor: Actor) -> list[ObjectiveSummary]:
    """The active objectives, for an admin to edit."""
    actor.require_admin()
    return [
        ObjectiveSummary(o.id, o.name, o.description, o.weight, tuple(o.keywords), kpi_of(o))
        for o in uow.objectives.list_active()
    ]


def save_objective_edits(
    uow: UnitOfWork,
    actor: Actor,
    edits: Sequence[tuple[int | None, ObjectiveInput]],
    *,
    key: str | None = None,
) -> ChangeResult:
    """Save one submission of the objectives form: each objective's change (None id: new)."""

    def save_all() -> ChangeResult:
        saved = [save_objective(uow, actor, values, objective_id) for objective_id, values in edits]
        return ChangeResult(" ".join(result.message for result in saved) or "Nothing to save.")

    return admin_change(uow, actor, key, save_all)


def save_objective(
    uow: UnitOfWork, actor: Actor, values: ObjectiveInput, objective_id: int | None = None
) -> ChangeResult:
    """Add an objective, or edit, reweight or retire one."""
    actor.require_admin()
    name = values.name.strip()
    if not name:
        raise UserFacingError("An objective needs a name.")
    if not 0 <= values.weight <= 10:
        raise UserFacingError("Weights go from 0 to 10.")
    kpi = values.kpi and check_kpi_definition(
        values.kpi.name, values.kpi.unit, values.kpi.direction, values.kpi.target
    )
    objectives = uow.objectives
    found = objectives.by_id(objective_id) if objective_id is not None else None
    if objective_id is not None and found is None:
        raise NotFoundError("That objective does not exist any more.")
    clash = objectives.by_name(name)
    if clash is not None and clash.id != objective_id:
        raise UserFacingError(f"There is already an objective called “{name}”.")
    if found is None:
        objective = objectives.add(
            name, values.description.strip(), values.weight, list(values.keywords)
        )
        action = "objective.add"
        previous = None
    else:
        objective = found
        previous = {"name": found.name, "weight": found.weight, "kpi": kpi_record(kpi_of(found))}
        objective.name = name
        objective.description = values.description.strip()
        objective.weight = values.weight
        objective.keywords = list(values.keywords)
        action = "objective.edit"
    objective.active = values.active
    set_kpi(objective, kpi)
    uow.session.flush()
    uow.audit.record(
        actor.slack_id,
        action if values.active else "objective.retire",
        "objective",
        objective.id,
        {
            "name": name,
            "weight": values.weight,
            "keywords": list(values.keywords),
            "active": values.active,
            "kpi": kpi_record(kpi),
            **({"previous": previous} if previous else {}),
        },
    )
    state = "saved" if values.active else "retired"
    measured = f", KPI {kpi.name}" if kpi else ""
    return ChangeResult(f"Objective “{name}” {state} (weight {values.weight:g}{measured}).")
