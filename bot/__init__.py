"""Pulseboard's Slack app.

``slack`` is the Slack adapter (bolt app, listeners, Block Kit), ``services`` the use cases,
``jobs`` what runs on a clock, ``runtime`` settings and serving, ``cli`` the command.
docs/architecture.md is the map.
"""

__version__ = "0.1.0"
