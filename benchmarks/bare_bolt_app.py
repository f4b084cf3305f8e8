"""The baseline for ack latency: a bolt app whose /feedback only acks, on the same server."""

from __future__ import annotations

import argparse
import os

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime.http_server import serve_http


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    client = WebClient(token="xoxb-bare", base_url=os.environ["SLACK_API_URL"])
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        client=client,
    )

    @app.command("/feedback")
    def feedback(ack) -> None:
        ack(response_type="ephemeral", text="ok")

    serve_http(app, "127.0.0.1", args.port)


if __name__ == "__main__":
    main()
