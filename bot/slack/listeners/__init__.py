"""Listeners, one module per Slack surface; each exposes ``register(app)``.

A listener is a top-level function: it reads the payload, acks, calls a service and
renders its result; the app's ``Deps`` come from bolt's context
(:func:`bot.slack.context.deps_of`), and a refusal or failure it lets raise is answered
by the one error handler (bot/slack/errors.py).
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import (
    actions,
    commands,
    domains,
    drivers,
    events,
    pulses,
    roadmap,
    shortcuts,
    trackers,
    views,
)


def register_all(app: App) -> None:
    for surface in (
        commands,
        roadmap,
        shortcuts,
        views,
        actions,
        events,
        pulses,
        domains,
        drivers,
        trackers,
    ):
        surface.register(app)
