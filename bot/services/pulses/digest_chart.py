"""The pulse trend chart in the thread of the latest digest, once per digest, and the
driver quadrant (bot/services/pulses/driver_chart.py) beside it when drivers were asked.

The claim commits before the upload: a crash in between loses this chart (at most once),
never posts it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.services.pulses.chart import chart_alt_text, trend_chart_png
from bot.services.pulses.driver_chart import (
    QUADRANT_FILE,
    QUADRANT_TITLE,
    plotted,
    quadrant_alt_text,
    quadrant_chart_png,
)
from bot.services.pulses.driver_results import driver_results
from bot.services.pulses.driver_views import DriverResults
from bot.services.pulses.results import pulse_results
from bot.services.pulses.views import PulseResults
from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work


class UploadChart(Protocol):
    """Puts a PNG in a channel, in a thread when one is given: (channel, png, alt text,
    thread ts) -> the file's id, if the upload named one; the trend chart unless a file
    name and title say otherwise."""

    def __call__(
        self,
        channel: str,
        png: bytes,
        alt_text: str,
        thread_ts: str | None = None,
        *,
        filename: str = ...,
        title: str = ...,
    ) -> str | None: ...


def attach_chart_to_digest(
    session_factory: SessionFactory,
    workspace_id: str,
    channel: str | None,
    anonymity: int,
    clock: Callable[[], datetime],
    upload: UploadChart,
) -> str | None:
    """Post the trend chart in the thread of the channel's latest digest; the file id."""
    if not channel:
        return None
    now = clock()
    with unit_of_work(session_factory, workspace_id) as uow:
        run = uow.digests.last_posted(channel)
        results = pulse_results(uow, anonymity, now)
        if run is None or not run.posted_ts or results is None:
            return None
        drivers = driver_results(uow, anonymity, now)
        claim_id = uow.pulse_charts.claim(run.id, now)
        if claim_id is None:
            return None
        thread_ts = run.posted_ts
    # Under the same claim: the quadrant goes up once per digest with the trend.
    file_id = upload_charts(upload, channel, results, drivers, thread_ts)
    with unit_of_work(session_factory, workspace_id) as uow:
        uow.pulse_charts.record_posted(claim_id, file_id, clock())
    return file_id


def upload_charts(
    upload: UploadChart,
    channel: str,
    results: PulseResults,
    drivers: DriverResults | None,
    thread_ts: str | None = None,
) -> str | None:
    """The trend chart, then the driver quadrant if it has drivers; the trend's file id."""
    history = results.history
    file_id = upload(channel, trend_chart_png(history), chart_alt_text(history), thread_ts)
    if drivers is not None and plotted(drivers):
        upload(
            channel,
            quadrant_chart_png(drivers),
            quadrant_alt_text(drivers),
            thread_ts,
            filename=QUADRANT_FILE,
            title=QUADRANT_TITLE,
        )
    return file_id
