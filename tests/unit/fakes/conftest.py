import pytest
from slack_sdk import WebClient

from tests.fakes.slack_api import FakeSlackAPI


@pytest.fixture
def client(slack: FakeSlackAPI) -> WebClient:
    return WebClient(base_url=slack.url, token="xoxb-test", timeout=5)
