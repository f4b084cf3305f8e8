"""`pulseboard digest`: print the digest here, or post it now (exactly once per period)."""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CommandError,
    configured_scoring,
    database_or_fail,
    settings_or_fail,
    stdout,
    workspace_unit,
)
from bot.cli.terminal import print_digest
from bot.runtime.settings import Settings
from bot.services.digest import preview_digest
from bot.services.digest_views import DigestView
from bot.slack.blocks.digest import digest_blocks
from scoring import ScoringConfig

if TYPE_CHECKING:
    from bot.jobs.outbox import OutboxSender

MAX_SEND_ROUNDS = 30


def run(args: argparse.Namespace) -> int:
    settings = settings_or_fail()
    if not (args.dry_run or args.json):
        if args.demo:
            raise CommandError("--demo only shows the digest: add --dry-run or --json", EXIT_USAGE)
        return post_now(settings)
    if args.demo:
        view = demo_view(args.top, configured_scoring(settings))
    else:
        view = database_view(settings, args)
    if args.json:
        print(json.dumps({"blocks": digest_blocks(view)}, ensure_ascii=False, indent=2))
    else:
        print_digest(view, stdout)
    return EXIT_OK


def database_view(settings: Settings, args: argparse.Namespace) -> DigestView:
    """The digest as it would be posted now, with trends against the last one posted."""
    with workspace_unit(settings, args.workspace) as uow:
        return preview_digest(
            uow,
            datetime.now(UTC),
            channel=settings.digest_channel,
            top=args.top or settings.digest_size,
            pulse_threshold=settings.pulse_anonymity,
            config=configured_scoring(settings),
        )


def demo_view(top: int | None, config: ScoringConfig) -> DigestView:
    from bot.cli.demo import demo_database, demo_digest

    demo = demo_database(Path(tempfile.mkdtemp(prefix="pulseboard-digest-demo-")), config)
    return demo_digest(demo, top or 10)


def post_now(settings: Settings) -> int:
    """Queue this period's digests and send them; a second run in the period posts nothing."""
    from bot.jobs.scheduler import Jobs
    from bot.runtime.serve import SlackUnavailableError, workspace_of
    from bot.slack.app import make_client

    if settings.slack_bot_token is None:
        raise CommandError("posting needs SLACK_BOT_TOKEN (or use --dry-run)", EXIT_USAGE)
    if not settings.digest_channel:
        raise CommandError("set PULSEBOARD_DIGEST_CHANNEL to the channel ID to post to", EXIT_USAGE)
    sessions = database_or_fail(settings.database_url)
    client = make_client(settings)
    try:
        workspace_id = workspace_of(client, settings.slack_api_url)
    except SlackUnavailableError as error:
        raise CommandError(str(error)) from None
    jobs = Jobs(settings, sessions, client, workspace_id)
    outcomes = jobs.run_digest()
    if not outcomes:
        raise CommandError("the digest schedule has no firing in the last year")
    send_queued(jobs.sender)
    for outcome in outcomes:
        verb = "Posted" if outcome.queued else "Already posted"
        stdout.print(f"{verb}: digest for {outcome.period} in {outcome.channel}", highlight=False)
    return EXIT_OK


def send_queued(sender: OutboxSender) -> None:
    for _ in range(MAX_SEND_ROUNDS):
        report = sender.drain_once()
        if not report.claimed:
            return
