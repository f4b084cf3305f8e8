"""Links from a theme to the issues and pull requests that deliver it: GitHub (and GitHub
Enterprise), Jira (Cloud and Data Center) and Linear.

Only the hosts of configured trackers are accepted (a tracker is configured when its token
or webhook secret is set; Jira also needs its site URL), so a link always points where
Pulseboard can later read the item's state.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from urllib.parse import urlsplit

from bot.runtime.settings import Settings
from bot.services.errors import NotFoundError, UserFacingError
from bot.services.roadmap.admin import Actor, ChangeResult, admin_change, live_theme_or_fail
from bot.services.roadmap.following import FollowPolicy, follow_links
from bot.services.roadmap.views import TRACKER_NAMES
from storage.models import ThemeLink
from storage.unit_of_work import UnitOfWork

LINEAR_HOST = "linear.app"
ITEM_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,19}-[1-9][0-9]{0,9}")
GITHUB_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


class Tracker(StrEnum):
    GITHUB = "github"
    JIRA = "jira"
    LINEAR = "linear"


@dataclass(frozen=True)
class LinkTarget:
    tracker: Tracker
    item: str
    url: str


@dataclass(frozen=True)
class Trackers:
    """The configured trackers, by the host of their web pages (None: not configured)."""

    github: str | None = None
    jira: str | None = None
    linear: bool = False

    @classmethod
    def from_settings(cls, settings: Settings) -> Trackers:
        github = settings.github_token or settings.github_webhook_secret
        jira = settings.jira_token or settings.jira_webhook_secret
        return cls(
            github=urlsplit(settings.github_url).hostname if github else None,
            jira=urlsplit(settings.jira_url).hostname if jira and settings.jira_url else None,
            linear=bool(settings.linear_token or settings.linear_webhook_secret),
        )

    def hosts(self) -> list[str]:
        return [h for h in (self.github, self.jira, LINEAR_HOST if self.linear else None) if h]


def parse_link(text: str, trackers: Trackers) -> LinkTarget:
    """The tracker item a URL names (Slack's ``<url|label>`` wrapping is taken off)."""
    raw = text.strip().removeprefix("<").removesuffix(">").partition("|")[0]
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise UserFacingError(f"“{raw[:100]}” is not a link to an issue or pull request.")
    if not trackers.hosts():
        raise UserFacingError(
            "No tracker is configured: set PULSEBOARD_GITHUB_TOKEN, PULSEBOARD_JIRA_URL with "
            "PULSEBOARD_JIRA_TOKEN, or PULSEBOARD_LINEAR_TOKEN (see the README)."
        )
    path = [segment for segment in parts.path.split("/") if segment]
    if host == trackers.github:
        return _github(host, path, raw)
    if host == trackers.jira:
        return _jira(parts.scheme, host, path, raw)
    if host == LINEAR_HOST and trackers.linear:
        return _linear(path, raw)
    raise UserFacingError(
        f"{host} is not a configured tracker; links may point at {', '.join(trackers.hosts())}."
    )


def _github(host: str, path: list[str], raw: str) -> LinkTarget:
    if (
        len(path) >= 4
        and path[2] in ("issues", "pull")
        and path[3].isdigit()
        and all(GITHUB_NAME.fullmatch(name) for name in path[:2])
    ):
        owner, repo, kind, number = path[:4]
        return LinkTarget(
            Tracker.GITHUB,
            f"{owner}/{repo}#{number}",
            f"https://{host}/{owner}/{repo}/{kind}/{number}",
        )
    raise UserFacingError(f"“{raw[:100]}” is not a GitHub issue or pull request.")


def _jira(scheme: str, host: str, path: list[str], raw: str) -> LinkTarget:
    context = path[:-2]  # Data Center may serve Jira under a context path
    if (
        len(path) >= 2
        and path[-2] == "browse"
        and ITEM_KEY.fullmatch(path[-1])
        and all(GITHUB_NAME.fullmatch(segment) for segment in context)
    ):
        base = "/".join([f"{scheme}://{host}", *context])
        return LinkTarget(Tracker.JIRA, path[-1], f"{base}/browse/{path[-1]}")
    raise UserFacingError(f"“{raw[:100]}” is not a Jira issue (…/browse/KEY-123).")


def _linear(path: list[str], raw: str) -> LinkTarget:
    if len(path) >= 3 and path[1] == "issue" and ITEM_KEY.fullmatch(path[2]):
        workspace, key = path[0], path[2]
        if GITHUB_NAME.fullmatch(workspace):
            return LinkTarget(Tracker.LINEAR, key, f"https://{LINEAR_HOST}/{workspace}/issue/{key}")
    raise UserFacingError(f"“{raw[:100]}” is not a Linear issue (linear.app/…/issue/KEY-123).")


def link_theme(
    uow: UnitOfWork,
    actor: Actor,
    theme_id: int,
    url: str,
    trackers: Trackers,
    *,
    key: str | None = None,
) -> ChangeResult:
    """Link a tracker item to a theme (admins); the theme is then a PM's and stays put."""

    def link() -> ChangeResult:
        theme = live_theme_or_fail(uow, theme_id)
        target = parse_link(url, trackers)
        _, created = uow.links.add_once(
            theme.id, target.tracker.value, target.item, target.url, actor.slack_id
        )
        if not created:
            return ChangeResult(f"Theme #{theme.id} is linked to {name_of(target)} already.")
        theme.locked = True
        _audit(uow, actor, "theme.link", theme.id, target)
        return ChangeResult(f"Theme #{theme.id} is linked to {name_of(target)}.")

    return admin_change(uow, actor, key, link)


def unlink_theme(
    uow: UnitOfWork,
    actor: Actor,
    theme_id: int,
    url: str,
    trackers: Trackers,
    *,
    key: str | None = None,
) -> ChangeResult:
    def unlink() -> ChangeResult:
        theme = live_theme_or_fail(uow, theme_id)
        target = parse_link(url, trackers)
        found = uow.links.find(theme.id, target.tracker.value, target.item)
        if found is None:
            raise NotFoundError(f"Theme #{theme.id} has no link to {name_of(target)}.")
        uow.links.remove(found)
        _audit(uow, actor, "theme.unlink", theme.id, target)
        return ChangeResult(f"Theme #{theme.id} is no longer linked to {name_of(target)}.")

    return admin_change(uow, actor, key, unlink)


def name_of(target: LinkTarget) -> str:
    return f"{TRACKER_NAMES[target.tracker]} {target.item}"


def _audit(uow: UnitOfWork, actor: Actor, action: str, theme_id: int, target: LinkTarget) -> None:
    details = {"tracker": target.tracker.value, "item": target.item, "url": target.url}
    uow.audit.record(actor.slack_id, action, "theme", theme_id, details)


#: What Pulseboard keeps of an item's state in any tracker.
ITEM_STATES = frozenset({"open", "in_progress", "done", "not_planned", "closed"})
#: The key under which a tracker's delivery is remembered, to act on it once.
DELIVERIES_WORKSPACE = "-webhooks-"


def record_item_state(
    uow: UnitOfWork,
    tracker: Tracker,
    item: str,
    state: str,
    delivery: str | None = None,
    *,
    policy: FollowPolicy,
    now: datetime | None = None,
) -> int | None:
    """Store a tracker item's state on the links to it, and let each theme it changed follow
    (bot/services/roadmap/following.py); how many links it touched, or None when
    ``delivery`` was handled before (a redelivery changes nothing).

    ``uow`` may be for no workspace: a tracker's webhook does not say which one linked it.
    """
    if state not in ITEM_STATES:
        raise ValueError(f"unknown item state {state!r}")
    if delivery is not None:
        deliveries = uow.for_workspace(DELIVERIES_WORKSPACE).deliveries
        if not deliveries.claim(f"{tracker.value}:{delivery}"):
            return None
    changed, touched = uow.link_states.set_state(
        tracker.value, item, state, now or datetime.now(UTC)
    )
    by_theme: dict[tuple[str, int], list[ThemeLink]] = defaultdict(list)
    for link in changed:
        by_theme[link.workspace_id, link.theme_id].append(link)
    for (workspace_id, theme_id), links in sorted(by_theme.items()):
        follow_links(uow.for_workspace(workspace_id), theme_id, links, policy)
    return touched
