"""The Slack user directory, as starting a pulse round needs it.

A round first brings the users table up to date with the people Slack lists (names, time
zones, bots, deactivated accounts), then asks those in the configured channels and user
groups. How they are read (the Web API, its pages and payloads) is the Slack adapter's
business (bot/slack/pulse_api.py); tests and benchmarks can pass a directory of their own.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from storage.repositories.directory import SlackPerson

__all__ = ["SlackDirectory", "SlackPerson"]


class SlackDirectory(Protocol):
    def people(self) -> Iterable[SlackPerson]:
        """Everyone the workspace lists, bots and deactivated accounts included."""
        ...

    def members_of(self, sources: Iterable[str]) -> set[str]:
        """The Slack ids of the members of these channels and user groups."""
        ...
