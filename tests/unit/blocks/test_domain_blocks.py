"""The domain list and modal: valid Block Kit, and imported values never ping anyone."""

from __future__ import annotations

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.services.domain_views import DomainSummary
from bot.slack.blocks.domains import domain_modal, domains_blocks, not_in_channel_view

CI = DomainSummary(1, "ci", "CI pipelines", "U0OWNER01", "C0CIBUILD", False)


def test_the_list_mentions_real_ids_and_escapes_anything_else() -> None:
    hostile = DomainSummary(2, "<!channel> data", "", "U1> <!here", "C1> <!channel", True)
    blocks = domains_blocks([CI, hostile])
    for block in blocks:
        Block.parse(block).validate_json()
    text = str(blocks)
    assert "owner <@U0OWNER01>" in text
    assert "digest in <#C0CIBUILD>" in text
    assert "<!channel>" not in text
    assert "<!here" not in text
    assert "_retired_" in text


def test_the_modal_and_the_invite_note_are_valid_views() -> None:
    View(**domain_modal(CI)).validate_json()
    View(**domain_modal(None)).validate_json()
    note = not_in_channel_view("Domain “ci” saved.", "C1> <!channel")
    View(**note).validate_json()
    assert "<!channel>" not in str(note)
