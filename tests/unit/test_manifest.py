"""manifest.yml declares what the app implements, with only the scopes it uses."""

from pathlib import Path
from typing import Any

import pytest
import yaml

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yml"


def load_manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    return load_manifest()


def test_only_known_top_level_sections(manifest: dict[str, Any]) -> None:
    assert set(manifest) <= {
        "_metadata",
        "display_information",
        "features",
        "oauth_config",
        "settings",
    }


def test_display_information_within_slacks_limits(manifest: dict[str, Any]) -> None:
    info = manifest["display_information"]

    assert info["name"] == "Pulseboard"
    assert 0 < len(info["description"]) <= 140
    assert 174 <= len(info["long_description"]) <= 4000
    assert info["background_color"].startswith("#")


def test_slash_commands(manifest: dict[str, Any]) -> None:
    commands = {c["command"]: c for c in manifest["features"]["slash_commands"]}

    assert set(commands) == {"/feedback", "/roadmap"}
    feedback, roadmap = commands["/feedback"], commands["/roadmap"]
    assert feedback["description"] == "Log a feature request, or see similar ones"
    assert feedback["usage_hint"] == "[what you need] | help"
    assert roadmap["description"] == "See and manage the platform roadmap"
    assert roadmap["usage_hint"] == "[theme N | mine | stats | pulse | help]"


def test_message_shortcut(manifest: dict[str, Any]) -> None:
    [shortcut] = manifest["features"]["shortcuts"]

    assert shortcut["name"] == "Log as feature request"
    assert shortcut["type"] == "message"
    assert shortcut["callback_id"] == "log_feature_request"
    assert shortcut["description"]


def test_app_home_and_bot_user(manifest: dict[str, Any]) -> None:
    features = manifest["features"]

    assert features["app_home"]["home_tab_enabled"] is True
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["bot_user"]["display_name"]


def test_bot_scopes_are_the_minimum(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]["bot"]

    assert len(scopes) == len(set(scopes))
    assert set(scopes) == {
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "files:write",
        # the outbox sender's check for a message already posted (bot/jobs/outbox/sender.py)
        "im:history",
        "channels:history",
        "groups:history",
        # the pulse audience from configured channels and user groups (bot/slack/pulse_api.py)
        "channels:read",
        "groups:read",
        "usergroups:read",
    }
    assert "user" not in manifest["oauth_config"]["scopes"]


def test_events_and_interactivity(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]

    assert settings["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert settings["interactivity"]["is_enabled"] is True


def test_socket_mode_without_request_urls(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]

    assert settings["socket_mode_enabled"] is True
    assert settings["org_deploy_enabled"] is False
    assert settings["token_rotation_enabled"] is False
    assert "request_url" not in settings["event_subscriptions"]
    assert "request_url" not in settings["interactivity"]
    assert all("url" not in c for c in manifest["features"]["slash_commands"])
