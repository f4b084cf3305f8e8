"""The one settings class: every knob Pulseboard reads from the environment.

Names are the contract of DESIGN.md (SLACK_*, DATABASE_URL, PULSEBOARD_*). A `.env` file
in the working directory is read too. ``load_settings`` turns a validation failure into
one readable line naming the variable, and never echoes a secret's value.
"""

from __future__ import annotations

from datetime import UTC, time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AliasChoices,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.runtime.cron import cron_trigger

DEFAULT_DATABASE_URL = "sqlite:///pulseboard.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_LINEAR_API_URL = "https://api.linear.app/graphql"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECRET_FIELDS = {
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "github_token",
    "github_webhook_secret",
    "jira_token",
    "jira_webhook_secret",
    "linear_token",
    "linear_webhook_secret",
    "kpi_secret",
}


class SettingsError(Exception):
    """A setting is missing or wrong; the message names the variable."""


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    slack_bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_SIGNING_SECRET")
    )
    slack_app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    slack_api_url: str = Field(DEFAULT_SLACK_API_URL, validation_alias=_env("SLACK_API_URL"))
    database_url: str = Field(
        DEFAULT_DATABASE_URL, validation_alias=_env("DATABASE_URL"), repr=False
    )

    # Delivery trackers (issue links): a tracker is configured when its token or webhook
    # secret is set (Jira also needs its site URL); only its hosts are accepted in links.
    github_url: str = Field("https://github.com", validation_alias=_env("PULSEBOARD_GITHUB_URL"))
    github_token: SecretStr | None = Field(None, validation_alias=_env("PULSEBOARD_GITHUB_TOKEN"))
    github_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("PULSEBOARD_GITHUB_WEBHOOK_SECRET")
    )
    jira_url: str | None = Field(None, validation_alias=_env("PULSEBOARD_JIRA_URL"))
    jira_token: SecretStr | None = Field(None, validation_alias=_env("PULSEBOARD_JIRA_TOKEN"))
    jira_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("PULSEBOARD_JIRA_WEBHOOK_SECRET")
    )
    linear_token: SecretStr | None = Field(None, validation_alias=_env("PULSEBOARD_LINEAR_TOKEN"))
    linear_webhook_secret: SecretStr | None = Field(
        None, validation_alias=_env("PULSEBOARD_LINEAR_WEBHOOK_SECRET")
    )
    # Polling (`pulseboard sync` and its job) reads items with the tokens above.
    #: GitHub's REST API (default: api.github.com for github.com, else <host>/api/v3).
    github_api_url: str | None = Field(None, validation_alias=_env("PULSEBOARD_GITHUB_API_URL"))
    #: Jira Cloud's account email: with it the token is an API token (Basic auth);
    #: without it, a Data Center personal access token (Bearer).
    jira_email: str | None = Field(None, validation_alias=_env("PULSEBOARD_JIRA_EMAIL"))
    linear_api_url: str = Field(
        DEFAULT_LINEAR_API_URL, validation_alias=_env("PULSEBOARD_LINEAR_API_URL")
    )
    #: Signs `POST /kpis` (objective KPI values; bot/runtime/web/kpi_endpoint.py); unset:
    #: no endpoint.
    kpi_secret: SecretStr | None = Field(None, validation_alias=_env("PULSEBOARD_KPI_SECRET"))
    tracker_sync_cron: str = Field(
        "*/15 * * * *", validation_alias=_env("PULSEBOARD_TRACKER_SYNC_CRON")
    )

    admins: Annotated[frozenset[str], NoDecode] = Field(
        frozenset(), validation_alias=_env("PULSEBOARD_ADMINS")
    )
    #: When linked items call for a status: ``confirm`` asks the PM by DM, ``automatic``
    #: makes the change.
    tracker_status_mode: Literal["confirm", "automatic"] = Field(
        "confirm", validation_alias=_env("PULSEBOARD_TRACKER_STATUS")
    )
    digest_channel: str | None = Field(None, validation_alias=_env("PULSEBOARD_DIGEST_CHANNEL"))
    timezone: str = Field("UTC", validation_alias=_env("PULSEBOARD_TIMEZONE"))
    digest_schedule: str = Field("0 9 * * mon", validation_alias=_env("PULSEBOARD_DIGEST_SCHEDULE"))
    pulse_schedule: str = Field("0 10 1,15 * *", validation_alias=_env("PULSEBOARD_PULSE_SCHEDULE"))
    pulse_question: str = Field(
        "How well does the platform help you ship?",
        min_length=5,
        max_length=200,
        validation_alias=_env("PULSEBOARD_PULSE_QUESTION"),
    )
    pulse_min_gap_days: float = Field(
        13, ge=0, le=365, validation_alias=_env("PULSEBOARD_PULSE_MIN_GAP_DAYS")
    )
    pulse_audience: Annotated[tuple[str, ...], NoDecode] = Field(
        (), validation_alias=_env("PULSEBOARD_PULSE_AUDIENCE")
    )
    pulse_days: Annotated[tuple[int, ...], NoDecode] = Field(
        (1, 2, 3), validation_alias=_env("PULSEBOARD_PULSE_DAYS")
    )
    pulse_hours: Annotated[tuple[time, time], NoDecode] = Field(
        (time(10), time(16)), validation_alias=_env("PULSEBOARD_PULSE_HOURS")
    )
    pulse_reminder_hours: float = Field(
        48, ge=1, le=24 * 30, validation_alias=_env("PULSEBOARD_PULSE_REMINDER_HOURS")
    )
    pulse_open_days: float = Field(
        7, ge=1, le=60, validation_alias=_env("PULSEBOARD_PULSE_OPEN_DAYS")
    )
    pulse_anonymity: int = Field(
        5, ge=3, le=10, validation_alias=_env("PULSEBOARD_PULSE_ANONYMITY")
    )
    followup_days: float = Field(
        14, ge=0, le=365, validation_alias=_env("PULSEBOARD_FOLLOWUP_DAYS")
    )
    digest_grace_hours: float = Field(
        6, ge=0, le=72, validation_alias=_env("PULSEBOARD_DIGEST_GRACE_HOURS")
    )
    digest_size: int = Field(10, ge=1, le=25, validation_alias=_env("PULSEBOARD_DIGEST_SIZE"))
    scoring_framework: Literal["default", "rice", "wsjf"] = Field(
        "default", validation_alias=_env("PULSEBOARD_SCORING_FRAMEWORK")
    )
    theme_backend: Literal["semantic", "tfidf"] = Field(
        "semantic", validation_alias=_env("PULSEBOARD_THEME_BACKEND")
    )
    #: Another ONNX file for the semantic backend (default: the one the model package
    #: ships); used only together with its sha256.
    embedding_model: str | None = Field(
        None, min_length=1, validation_alias=_env("PULSEBOARD_EMBEDDING_MODEL")
    )
    embedding_model_sha256: str | None = Field(
        None, validation_alias=_env("PULSEBOARD_EMBEDDING_MODEL_SHA256")
    )
    listener_threads: int = Field(
        8, ge=1, le=64, validation_alias=_env("PULSEBOARD_LISTENER_THREADS")
    )
    request_read_seconds: float = Field(
        10, ge=0.2, le=120, validation_alias=_env("PULSEBOARD_REQUEST_READ_SECONDS")
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias=_env("PULSEBOARD_LOG_LEVEL")
    )
    log_format: Literal["text", "json"] = Field(
        "text", validation_alias=_env("PULSEBOARD_LOG_FORMAT")
    )

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url_shape(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("github_url", "jira_url", "github_api_url", "linear_api_url")
    @classmethod
    def _site_url_shape(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://acme.atlassian.net")
        return value.rstrip("/") if value else value

    @field_validator("database_url")
    @classmethod
    def _database_url_shape(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError(
                "is not a database URL (e.g. sqlite:///pulseboard.db or "
                "postgresql+psycopg://user@host/db)"
            ) from None
        if backend not in {"sqlite", "postgresql"}:
            raise ValueError(f"{backend} is not supported; use sqlite or postgresql+psycopg")
        return value

    @field_validator("embedding_model_sha256")
    @classmethod
    def _sha256_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().lower()
        if len(value) != 64 or any(c not in "0123456789abcdef" for c in value):
            raise ValueError("must be the file's sha256: 64 hexadecimal digits")
        return value

    @model_validator(mode="after")
    def _model_with_its_hash(self) -> Settings:
        if (self.embedding_model is None) != (self.embedding_model_sha256 is None):
            raise ValueError(
                "PULSEBOARD_EMBEDDING_MODEL and PULSEBOARD_EMBEDDING_MODEL_SHA256 go together: "
                "set both (a model file and its sha256) or neither"
            )
        return self

    @field_validator("admins", "pulse_audience", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """A comma-separated variable's IDs (the field's type makes them a set or a tuple)."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admins")
    @classmethod
    def _admin_ids_shape(cls, value: frozenset[str]) -> frozenset[str]:
        bad = sorted(v for v in value if v[:1] not in {"U", "W"} or not v.isalnum())
        if bad:
            raise ValueError(f"expects Slack user IDs like U012ABCDEF, got {', '.join(bad)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known time zone (e.g. Europe/Berlin)") from None
        return value

    @field_validator("digest_schedule", "pulse_schedule", "tracker_sync_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        try:
            cron_trigger(value, UTC)
        except ValueError as error:
            raise ValueError(f"{value!r} is not a cron expression ({error})") from None
        return value

    @field_validator("pulse_audience")
    @classmethod
    def _audience_ids_shape(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = sorted(v for v in value if v[:1] not in {"C", "G", "S"} or not v.isalnum())
        if bad:
            raise ValueError(
                "expects channel IDs (C…, G…) or user group IDs (S…), "
                f"comma-separated; got {', '.join(bad)}"
            )
        return value

    @field_validator("pulse_days", mode="before")
    @classmethod
    def _parse_days(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        days: list[int] = []
        for part in (p.strip().lower() for p in value.split(",") if p.strip()):
            first, _, last = part.partition("-")
            if first[:3] not in WEEKDAYS or (last and last[:3] not in WEEKDAYS):
                raise ValueError(f"{part!r} is not a weekday or range (e.g. tue-thu or mon,wed)")
            start = WEEKDAYS.index(first[:3])
            end = WEEKDAYS.index(last[:3]) if last else start
            days.extend(
                range(start, end + 1) if start <= end else [*range(start, 7), *range(end + 1)]
            )
        if not days:
            raise ValueError("name at least one weekday (e.g. tue-thu)")
        return tuple(sorted(set(days)))

    @field_validator("pulse_hours", mode="before")
    @classmethod
    def _parse_hours(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        first, _, last = value.partition("-")
        try:
            start, end = time.fromisoformat(first.strip()), time.fromisoformat(last.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a time window like 10:00-16:00") from None
        if end <= start:
            raise ValueError(f"{value!r} ends before it starts; use a window like 10:00-16:00")
        return (start, end)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_admin(self, slack_user_id: str) -> bool:
        return slack_user_id in self.admins


ENV_NAMES = {
    name: next(a for a in field.validation_alias.choices if isinstance(a, str) and a.isupper())
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, AliasChoices)
}


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe(error)) from None


def describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        variable = ENV_NAMES.get(field, field.upper())
        message = problem["msg"].removeprefix("Value error, ")
        if field not in SECRET_FIELDS and "input" in problem and problem["type"] != "value_error":
            message = f"{message} (got {problem['input']!r})"
        lines.append(f"{variable}: {message}" if variable else message)
    return "; ".join(lines)
