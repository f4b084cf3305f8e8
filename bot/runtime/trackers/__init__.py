"""The trackers' APIs, for polling linked items' states (bot/services/roadmap/sync.py).

One module per tracker keeps its payload shapes; http.py is the exchange they share.
"""

from __future__ import annotations

from bot.runtime.settings import Settings
from bot.runtime.trackers.github import GitHubReader, api_url
from bot.runtime.trackers.jira import JiraReader
from bot.runtime.trackers.linear import LinearReader
from bot.services.roadmap.sync import ItemReader


def item_readers(settings: Settings) -> list[ItemReader]:
    """A reader per tracker whose token is set (Jira also needs its site URL)."""
    readers: list[ItemReader] = []
    if settings.github_token is not None:
        readers.append(GitHubReader(api_url(settings), settings.github_token))
    if settings.jira_token is not None and settings.jira_url:
        readers.append(JiraReader(settings.jira_url, settings.jira_token, settings.jira_email))
    if settings.linear_token is not None:
        readers.append(LinearReader(settings.linear_api_url, settings.linear_token))
    return readers
