"""Pulseboard's Slack app: settings, listeners, Block Kit builders, services, jobs, CLI."""

__version__ = "0.1.0"
