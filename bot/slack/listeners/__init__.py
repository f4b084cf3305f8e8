"""Listeners, one module per Slack surface; each exposes ``register(app, deps)``."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime.deps import Deps
from bot.slack.listeners import actions, commands, events, pulses, roadmap, shortcuts, views


def register_all(app: App, deps: Deps) -> None:
    for surface in (commands, roadmap, shortcuts, views, actions, events, pulses):
        surface.register(app, deps)
