"""The pulse trend chart in the thread of the latest digest, once per digest.

The claim commits before the upload: a crash in between loses this chart (at most once),
never posts it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.services.pulses.chart import chart_alt_text, trend_chart_png
from bot.services.pulses.results import pulse_results
from storage.db import SessionFactory
from storage.unit_of_work import unit_of_work

#: Puts a PNG in a channel, in a thread when one is given: (channel, png, alt text,
#: thread ts) -> the file's id, if the upload named one.
UploadChart = Callable[[str, bytes, str, str | None], str | None]


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
        claim_id = uow.pulse_charts.claim(run.id, now)
        if claim_id is None:
            return None
        thread_ts = run.posted_ts
    png = trend_chart_png(results.history)
    file_id = upload(channel, png, chart_alt_text(results.history), thread_ts)
    with unit_of_work(session_factory, workspace_id) as uow:
        uow.pulse_charts.record_posted(claim_id, file_id, clock())
    return file_id
