"""A theme's status follows its linked tracker items.

When the first linked item is in progress, the theme becomes ``in_progress``; when every
linked item is done, ``shipped``, with a note naming them. An item closed as not planned
(or a pull request closed unmerged) never ships a theme: the PM is told instead.

Automation suggests, a PM decides: by default (``confirm``) the PM who linked the items gets
a DM asking to make the change, and a click makes it. With ``automatic`` the change is
made at once. Either way it is the PM's path (``set_theme_status``): the audit log, one DM
per requester and voter, the ship follow-up later. A theme never moves backwards, and a
shipped or declined theme is left alone.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.runtime.settings import Settings
from bot.services.outbox import SlackPost, queue
from bot.services.roadmap.admin import Actor, ChangeResult, change_status, set_theme_status
from bot.services.roadmap.views import TRACKER_NAMES, ItemWontShip, StatusProposal
from bot.slack.blocks.trackers import (
    proposal_blocks,
    proposal_text,
    wont_ship_blocks,
    wont_ship_text,
)
from storage.enums import ThemeStatus
from storage.models import Theme, ThemeLink
from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

PROPOSAL_KIND = "status_proposal"
WONT_SHIP_KIND = "item_wont_ship"
#: Item states that end an item without doing the work.
NOT_DONE_ENDS = frozenset({"not_planned", "closed"})
#: What linked items can call for.
FOLLOWED = frozenset({ThemeStatus.IN_PROGRESS.value, ThemeStatus.SHIPPED.value})
#: Statuses a theme may follow its items from, per status it would follow to.
FOLLOWS_FROM = {
    ThemeStatus.IN_PROGRESS: frozenset({ThemeStatus.OPEN, ThemeStatus.PLANNED}),
    ThemeStatus.SHIPPED: frozenset(
        {ThemeStatus.OPEN, ThemeStatus.PLANNED, ThemeStatus.IN_PROGRESS}
    ),
}


class FollowMode(StrEnum):
    CONFIRM = "confirm"
    AUTOMATIC = "automatic"


@dataclass(frozen=True)
class FollowPolicy:
    mode: FollowMode
    admins: frozenset[str]

    @classmethod
    def from_settings(cls, settings: Settings) -> FollowPolicy:
        return cls(FollowMode(settings.tracker_status_mode), frozenset(settings.admins))


def item_name(link: ThemeLink) -> str:
    return f"{TRACKER_NAMES.get(link.provider, link.provider)} {link.item}"


def followed_status(theme: Theme, links: Sequence[ThemeLink]) -> ThemeStatus | None:
    """The status the theme's linked items call for, if it is a step forward."""
    states = [link.state for link in links]
    if not states:
        return None
    if all(state == "done" for state in states):
        wanted = ThemeStatus.SHIPPED
    elif any(state in ("in_progress", "done") for state in states):
        wanted = ThemeStatus.IN_PROGRESS
    else:
        return None
    return wanted if theme.status in FOLLOWS_FROM[wanted] else None


def follow_links(
    uow: UnitOfWork, theme_id: int, changed: Collection[ThemeLink], policy: FollowPolicy
) -> ThemeStatus | None:
    """After ``changed`` links of the theme took a new state: tell the PM of an item that
    will not ship, and make (or propose) the status the items call for. The status made or
    proposed, if any."""
    theme = uow.themes.resolve(theme_id)
    if theme is None:
        return None
    for link in changed:
        if link.state in NOT_DONE_ENDS:
            _tell_wont_ship(uow, theme, link, policy)
    links = uow.links.of_themes([theme.id])
    status = followed_status(theme, links)
    if status is None:
        return None
    if policy.mode == FollowMode.AUTOMATIC:
        by = ", ".join(sorted({TRACKER_NAMES.get(link.provider, link.provider) for link in links}))
        set_theme_status(uow, by, theme, status, _note(status, links))
    else:
        _propose(uow, theme, status, links, policy)
    return status


def confirm_followed_status(
    uow: UnitOfWork, actor: Actor, theme_id: int, status: ThemeStatus, *, key: str
) -> ChangeResult:
    """A PM's "yes" to a proposal: the change, with the note naming the items as they are
    now (refused if they no longer call for it)."""
    actor.require_admin()
    theme = uow.themes.resolve(theme_id)
    links = uow.links.of_themes([theme.id]) if theme is not None else []
    if theme is not None and theme.status != status and followed_status(theme, links) != status:
        return ChangeResult(
            f"Theme #{theme.id}'s linked items no longer call for "
            f"{status.value.replace('_', ' ')}: nothing changed."
        )
    return change_status(uow, actor, theme_id, status, _note(status, links), key=key)


def _note(status: ThemeStatus, links: Sequence[ThemeLink]) -> str:
    if status == ThemeStatus.SHIPPED:
        return "Delivered: " + ", ".join(item_name(link) for link in links) + "."
    started = [item_name(link) for link in links if link.state in ("in_progress", "done")]
    return "Work started: " + ", ".join(started) + "."


def _pms(theme_links: Sequence[ThemeLink], policy: FollowPolicy) -> list[str]:
    """Who is asked: the admins who linked the items, else every admin."""
    linkers = sorted({link.linked_by for link in theme_links} & policy.admins)
    if not linkers and not policy.admins:
        logger.warning(
            "linked items of theme %s moved, but PULSEBOARD_ADMINS is empty: no one is told",
            theme_links[0].theme_id if theme_links else "?",
        )
    return linkers or sorted(policy.admins)


def _propose(
    uow: UnitOfWork,
    theme: Theme,
    status: ThemeStatus,
    links: Sequence[ThemeLink],
    policy: FollowPolicy,
) -> None:
    proposal = StatusProposal(
        theme.id, theme.label, status.value, tuple(item_name(link) for link in links)
    )
    text, blocks = proposal_text(proposal), proposal_blocks(proposal)
    items = hashlib.sha256(",".join(sorted(str(link.id) for link in links)).encode()).hexdigest()
    for pm in _pms(links, policy):
        queue(
            uow.outbox,
            SlackPost(pm, text, blocks),
            key=f"propose:{theme.id}:{status.value}:{items[:16]}:{pm}",
            kind=PROPOSAL_KIND,
        )


def _tell_wont_ship(uow: UnitOfWork, theme: Theme, link: ThemeLink, policy: FollowPolicy) -> None:
    notice = ItemWontShip(theme.id, theme.label, item_name(link), link.url, str(link.state))
    text, blocks = wont_ship_text(notice), wont_ship_blocks(notice)
    for pm in _pms([link], policy):
        queue(
            uow.outbox,
            SlackPost(pm, text, blocks),
            key=f"wont-ship:{link.id}:{link.state}:{pm}",
            kind=WONT_SHIP_KIND,
        )
