"""Settings: the environment of DESIGN.md, readable errors, secrets never shown."""

from __future__ import annotations

import pytest

from bot.runtime.settings import DEFAULT_DATABASE_URL, SettingsError, load_settings

ALL_VARIABLES = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "DATABASE_URL",
    "PULSEBOARD_ADMINS",
    "PULSEBOARD_DIGEST_CHANNEL",
    "PULSEBOARD_TIMEZONE",
    "PULSEBOARD_DIGEST_SCHEDULE",
    "PULSEBOARD_PULSE_SCHEDULE",
    "PULSEBOARD_DIGEST_SIZE",
]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ALL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.timezone == "UTC"
    assert settings.admins == frozenset()


def test_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1-2-abc")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("PULSEBOARD_ADMINS", " U01ABC, W02DEF ,")
    monkeypatch.setenv("PULSEBOARD_TIMEZONE", "Europe/Berlin")
    settings = load_settings()
    assert settings.slack_bot_token is not None
    assert settings.slack_bot_token.get_secret_value() == "xoxb-1-2-abc"
    assert settings.slack_api_url == "http://127.0.0.1:9999/api/"
    assert settings.is_admin("U01ABC")
    assert settings.is_admin("W02DEF")
    assert not settings.is_admin("U999")


def test_reads_a_dotenv_file(tmp_path) -> None:
    (tmp_path / ".env").write_text("PULSEBOARD_DIGEST_CHANNEL=C0ROADMAP\n")
    assert load_settings().digest_channel == "C0ROADMAP"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (
            "PULSEBOARD_TIMEZONE",
            "Mars/Olympus",
            "PULSEBOARD_TIMEZONE: 'Mars/Olympus' is not a known",
        ),
        ("PULSEBOARD_ADMINS", "U01ABC,bob", "PULSEBOARD_ADMINS: expects Slack user IDs"),
        (
            "PULSEBOARD_DIGEST_SCHEDULE",
            "every monday",
            "PULSEBOARD_DIGEST_SCHEDULE: 'every monday'",
        ),
        (
            "PULSEBOARD_PULSE_SCHEDULE",
            "0 10 * * 8",
            "PULSEBOARD_PULSE_SCHEDULE: '0 10 * * 8' is not a cron expression (day of week '8'",
        ),
        ("DATABASE_URL", "mysql://x@y/z", "DATABASE_URL: mysql is not supported"),
        ("DATABASE_URL", "not a url", "DATABASE_URL: is not a database URL"),
        ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL: must be an http(s) URL"),
        (
            "PULSEBOARD_DIGEST_SIZE",
            "lots",
            "PULSEBOARD_DIGEST_SIZE: Input should be a valid integer",
        ),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(expected)
    assert "\n" not in message


def test_secrets_are_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "not-a-token-s3cr3t")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xoxb-wrong-kind-s3cr3t")
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert "s3cr3t" not in str(error.value)
    assert "SLACK_BOT_TOKEN: must be a bot token" in str(error.value)
    assert "SLACK_APP_TOKEN: must be an app-level token" in str(error.value)


def test_repr_hides_tokens_and_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-s3cr3t")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cr3t-signing")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://pb:hunter2@db/pb")
    shown = repr(load_settings())
    assert "s3cr3t" not in shown
    assert "hunter2" not in shown
