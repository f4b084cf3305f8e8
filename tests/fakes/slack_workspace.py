"""The state behind the fake Web API: users, DMs, messages, views, files, Slack-shaped IDs."""

from __future__ import annotations

import copy
import itertools
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.fakes import slack_ids


@dataclass(frozen=True)
class WorkspaceIdentity:
    """Who the fake says the workspace and the app's bot are (what auth.test answers)."""

    team_id: str = slack_ids.TEAM_ID
    team_domain: str = slack_ids.TEAM_DOMAIN
    team_name: str = slack_ids.TEAM_NAME
    app_id: str = slack_ids.API_APP_ID
    bot_user_id: str = slack_ids.BOT_USER_ID
    bot_user_name: str = slack_ids.BOT_USER_NAME
    bot_id: str = slack_ids.BOT_ID

    @property
    def url(self) -> str:
        return f"https://{self.team_domain}.slack.com/"


@dataclass
class UploadedFile:
    id: str
    filename: str
    length: int
    alt_txt: str | None = None
    data: bytes | None = None


@dataclass
class FakeWorkspace:
    """Mutable state shared by the method handlers; every mutation takes the lock."""

    identity: WorkspaceIdentity = field(default_factory=WorkspaceIdentity)
    page_size_cap: int = 200
    # Where the fake listens (``http://127.0.0.1:PORT/``), for the upload URLs it hands out.
    server_url: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    usergroup_members: dict[str, list[str]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    home_views: dict[str, str] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)
    open_dms: set[str] = field(default_factory=set)
    # Messages posted with chat.postMessage, per conversation ID, oldest first.
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _last_ts_us: int = 0
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        ident = self.identity
        self.add_user(ident.bot_user_id, name=ident.bot_user_name, is_bot=True)
        # Slack lists Slackbot among the members, and famously with is_bot false.
        self.add_user(slack_ids.SLACKBOT_USER_ID, name="slackbot", real_name="Slackbot")

    # --- IDs -------------------------------------------------------------------------

    def next_ts(self) -> str:
        """A message timestamp: now, strictly increasing like Slack's (``1712345678.000042``).

        Real time, so that ``oldest``/``latest`` windows of conversations.history mean
        what they mean on Slack.
        """
        with self.lock:
            self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
            micros = self._last_ts_us
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        return f"{prefix}0{next(self._seq):08d}"

    @staticmethod
    def dm_channel_id(user_id: str) -> str:
        return slack_ids.dm_channel_id(user_id)

    @classmethod
    def conversation_id(cls, channel: str) -> str:
        """Where a post to ``channel`` lands: a user ID means the app's DM with that user."""
        if channel[:1] in ("U", "W"):
            return cls.dm_channel_id(channel)
        return channel

    # --- messages --------------------------------------------------------------------

    def remember_message(self, channel_id: str, message: dict[str, Any]) -> None:
        with self.lock:
            self.messages.setdefault(channel_id, []).append(message)

    def find_message(self, channel_id: str, ts: str) -> dict[str, Any] | None:
        with self.lock:
            return next((m for m in self.messages.get(channel_id, []) if m["ts"] == ts), None)

    def posted(self, channel: str) -> list[dict[str, Any]]:
        """Messages in a conversation (a user ID: the DM with them), oldest first, copied."""
        with self.lock:
            return copy.deepcopy(self.messages.get(self.conversation_id(channel), []))

    def all_posted(self) -> list[dict[str, Any]]:
        """Every message still in any conversation, each with its ``channel``, copied."""
        with self.lock:
            return [
                {**copy.deepcopy(m), "channel": channel}
                for channel, messages in self.messages.items()
                for m in messages
            ]

    def permalink(self, channel: str, ts: str) -> str:
        return f"{self.identity.url}archives/{channel}/p{ts.replace('.', '')}"

    # --- users -----------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        real_name: str | None = None,
        tz: str = "America/Los_Angeles",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Add (or replace) a user as users.info and users.list will return it."""
        user = _user_object(
            user_id,
            team_id=self.identity.team_id,
            name=name or user_id.lower(),
            real_name=real_name or (name or user_id).title(),
            tz=tz,
            is_bot=is_bot,
            deleted=deleted,
            is_admin=is_admin,
            email=email,
        )
        with self.lock:
            self.users[user_id] = user
        return user


def _user_object(
    user_id: str,
    *,
    team_id: str,
    name: str,
    real_name: str,
    tz: str,
    is_bot: bool,
    deleted: bool,
    is_admin: bool,
    email: str | None,
) -> dict[str, Any]:
    """A user as users.info returns it (the fields apps read, with Slack's names)."""
    tz_label, tz_offset = _tz_label_and_offset(tz)
    profile: dict[str, Any] = {
        "real_name": real_name,
        "real_name_normalized": real_name,
        "display_name": name,
        "display_name_normalized": name,
        "first_name": real_name.split(" ")[0],
        "title": "",
        "status_text": "",
        "status_emoji": "",
        "image_24": f"https://avatars.example.invalid/{user_id}_24.png",
        "image_48": f"https://avatars.example.invalid/{user_id}_48.png",
        "image_72": f"https://avatars.example.invalid/{user_id}_72.png",
        "team": team_id,
    }
    if email is not None:
        profile["email"] = email
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": deleted,
        "color": "9f69e7",
        "real_name": real_name,
        "tz": tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": profile,
        "is_admin": is_admin,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": is_bot,
        "is_app_user": False,
        "updated": int(time.time()),
    }


def _tz_label_and_offset(tz: str) -> tuple[str, int]:
    try:
        now = datetime.now(ZoneInfo(tz))
    except (ZoneInfoNotFoundError, ValueError):
        return tz, 0
    offset = now.utcoffset()
    return now.tzname() or tz, int(offset.total_seconds()) if offset else 0
