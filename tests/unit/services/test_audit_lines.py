"""Audit entries in words: from what to what, and nothing lost for unknown actions."""

from __future__ import annotations

import pytest

from bot.services.roadmap.audit import describe
from storage.models import AuditEntry


def entry(action: str, target_type: str, target: str, details: dict) -> AuditEntry:
    return AuditEntry(
        workspace_id="T1",
        actor="U1",
        action=action,
        target_type=target_type,
        target_id=target,
        details=details,
    )


@pytest.mark.parametrize(
    ("action", "target_type", "details", "expected"),
    [
        ("theme.effort", "theme", {"from": None, "to": "M"}, "#7: effort none → M"),
        (
            "request.split",
            "request",
            {"from_theme": 3, "to_theme": 9, "label": "Dependency caching"},
            "request 7 split from #3 into #9 “Dependency caching”",
        ),
        (
            "objective.edit",
            "objective",
            {
                "name": "Reliability",
                "weight": 3,
                "keywords": ["uptime"],
                "previous": {"name": "Stability", "weight": 1},
            },
            "objective “Reliability” edited: was “Stability”, weight 1; "
            "now weight 3, keywords uptime",
        ),
        ("theme.lock", "theme", {"why": "test"}, "theme.lock theme 7 {'why': 'test'}"),
    ],
)
def test_each_change_reads_as_a_sentence(
    action: str, target_type: str, details: dict, expected: str
) -> None:
    assert describe(entry(action, target_type, "7", details)) == expected


def test_domain_changes_name_what_changed() -> None:
    added = {"name": "ci", "from": {}, "to": {"name": "ci", "digest_channel": "C0CI"}}
    assert describe(entry("domain.add", "domain", "1", added)) == (
        "domain “ci” added (digest channel C0CI)"
    )
    edited = {
        "name": "CI/CD",
        "from": {"name": "ci", "owner": None, "digest_channel": "C0CI"},
        "to": {"name": "CI/CD", "owner": "U0OWNER", "digest_channel": "C0CI"},
    }
    assert describe(entry("domain.edit", "domain", "1", edited)) == (
        "domain “CI/CD” edited: name ci → CI/CD; owner none → U0OWNER"
    )
