"""A request whose body missed its read deadline is recorded as the 408 the server sends,
not as a failure of the app (500)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.runtime.metrics import REQUEST_SECONDS
from bot.runtime.web.observe import observed
from bot.runtime.web.read_deadline import RequestReadTimeoutError


def _count(status: str) -> float:
    for metric in REQUEST_SECONDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_count") and sample.labels.get("status") == status:
                return sample.value
    return 0.0


def test_a_body_read_timeout_is_recorded_as_408() -> None:
    def slow_body(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise RequestReadTimeoutError

    before_408, before_500 = _count("408"), _count("500")
    with pytest.raises(RequestReadTimeoutError):
        observed(slow_body)({"PATH_INFO": "/slack/events", "REQUEST_METHOD": "POST"}, None)
    assert _count("408") == before_408 + 1
    assert _count("500") == before_500
