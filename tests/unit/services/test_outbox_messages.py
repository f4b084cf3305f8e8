"""SlackPost stores the payload format rows already in production carry."""

from bot.services.outbox import SlackPost

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}]


def test_a_post_is_stored_as_method_and_args() -> None:
    assert SlackPost("U1", "hi", BLOCKS).payload() == {
        "method": "chat.postMessage",
        "args": {"channel": "U1", "text": "hi", "blocks": BLOCKS},
    }


def test_unfurl_links_and_extra_keys_are_kept_as_before() -> None:
    post = SlackPost("C1", "digest", BLOCKS, unfurl_links=False)

    assert post.payload({"digest_run_id": 7}) == {
        "method": "chat.postMessage",
        "args": {"channel": "C1", "text": "digest", "blocks": BLOCKS, "unfurl_links": False},
        "digest_run_id": 7,
    }
