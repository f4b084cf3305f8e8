"""What pulses ask of Slack's Web API: the workspace's people, and uploading the chart.

:class:`WebApiDirectory` is the Slack user directory of the pulse use cases
(bot/services/pulses/directory.py), read with users.list, conversations.members and
usergroups.users.list; the use cases never see the client or its payloads.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.runtime.settings import Settings
from bot.services.pulses.directory import SlackPerson
from bot.services.pulses.rounds import PulseConfig, RoundStart, start_round_from_directory
from storage.db import SessionFactory

PAGE_SIZE = 200
USER_GROUP_PREFIX = "S"


def slack_pages(call: Callable[..., Any], key: str, **params: Any) -> Iterator[Any]:
    """Every item of a cursor-paginated Web API list."""
    cursor = None
    while True:
        page = call(**params, limit=PAGE_SIZE, **({"cursor": cursor} if cursor else {}))
        yield from page.get(key) or []
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


class WebApiDirectory:
    """The Slack user directory, read through the Web API client."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def people(self) -> list[SlackPerson]:
        """The workspace directory (users.list): names, time zones, bots, deactivated."""
        return [
            SlackPerson(
                slack_id=str(member["id"]),
                name=str(member.get("real_name") or member.get("name") or ""),
                tz=member.get("tz") or None,
                is_bot=bool(member.get("is_bot")) or bool(member.get("is_app_user")),
                is_deleted=bool(member.get("deleted")),
            )
            for member in slack_pages(self.client.users_list, "members")
        ]

    def members_of(self, sources: Iterable[str]) -> set[str]:
        """Slack ids in these channels (C…, G…) and user groups (S…)."""
        members: set[str] = set()
        for source in sources:
            if source.startswith(USER_GROUP_PREFIX):
                group = self.client.usergroups_users_list(usergroup=source)
                members.update(group.get("users") or [])
            else:
                channel = slack_pages(self.client.conversations_members, "members", channel=source)
                members.update(channel)
        return members


def start_round_from_slack(
    session_factory: SessionFactory,
    client: WebClient,
    workspace_id: str,
    settings: Settings,
    now: datetime,
    trigger_key: str,
    *,
    scheduled: bool,
    rng: random.Random | None = None,
) -> RoundStart:
    """Start a round for the people Slack lists now, with the configured pulse settings."""
    return start_round_from_directory(
        session_factory,
        WebApiDirectory(client),
        workspace_id,
        PulseConfig.from_settings(settings),
        now,
        trigger_key,
        scheduled=scheduled,
        rng=rng,
    )


def upload_chart(
    client: WebClient,
    channel: str,
    png: bytes,
    alt_text: str,
    thread_ts: str | None = None,
    *,
    filename: str = "pulse-trend.png",
    title: str = "Developer satisfaction trend",
) -> str | None:
    """Upload a chart (the trend chart unless named otherwise) with the files upload v2
    API; returns the file id."""
    kwargs: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
    uploaded = client.files_upload_v2(
        channel=channel,
        content=png,
        filename=filename,
        title=title,
        alt_txt=alt_text,
        **kwargs,
    )
    file = uploaded.get("file") or {}
    return str(file.get("id")) if file.get("id") else None
