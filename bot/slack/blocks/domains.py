"""Domains: the admin's list with its Edit and Add buttons, the one-domain modal and its
fields read back, and the note when the bot cannot post to a digest channel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.services.domain_views import DomainInput, DomainSummary
from bot.slack.blocks.elements import (
    AdminList,
    Block,
    admin_list_blocks,
    form_modal,
    input_block,
    plain,
    retire_checkbox,
    section,
)
from bot.slack.blocks.ids import DOMAIN_ADD_ACTION, DOMAIN_EDIT_ACTION, DOMAINS_MODAL
from bot.slack.blocks.text import channel_mention, safe, user_mention
from bot.slack.state import own_field

NAME, DESCRIPTION, OWNER, CHANNEL, RETIRED = "name", "description", "owner", "channel", "retired"


DOMAINS = AdminList(
    intro="*Domains* — the teams that own parts of the platform. A person's domain is the "
    "default of their requests; a domain with a digest channel gets its own digest.",
    empty="No domains yet.",
    edit_action=DOMAIN_EDIT_ACTION,
    add_label="Add a domain",
    add_action=DOMAIN_ADD_ACTION,
)


def domains_blocks(domains: Sequence[DomainSummary]) -> list[Block]:
    """The admin's list: each domain with its owner and digest channel, and Edit."""
    return admin_list_blocks(DOMAINS, [(domain.id, domain_line(domain)) for domain in domains])


def domain_line(domain: DomainSummary) -> str:
    parts = [f"*{safe(domain.name, 80)}*"]
    parts.append(f"owner {user_mention(domain.owner)}" if domain.owner else "no owner")
    digest = domain.digest_channel
    parts.append(f"digest in {channel_mention(digest)}" if digest else "no digest")
    if domain.retired:
        parts.append("_retired_")
    line = " · ".join(parts)
    if domain.description:
        line += f"\n{safe(domain.description, 200)}"
    return line


def domain_modal(domain: DomainSummary | None) -> Block:
    """One domain's fields (None: a new domain); private_metadata carries its id."""
    owner: Block = {"type": "users_select", "action_id": OWNER}
    channel: Block = {
        "type": "conversations_select",
        "action_id": CHANNEL,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    name: Block = {"type": "plain_text_input", "action_id": NAME, "max_length": 80}
    description: Block = {
        "type": "plain_text_input",
        "action_id": DESCRIPTION,
        "multiline": True,
        "max_length": 500,
    }
    if domain is not None:
        name["initial_value"] = domain.name
        if domain.description:
            description["initial_value"] = domain.description
        if domain.owner:
            owner["initial_user"] = domain.owner
        if domain.digest_channel:
            channel["initial_conversation"] = domain.digest_channel
    retired = domain is not None and domain.retired
    retire = retire_checkbox(RETIRED, "Retired: offer it nowhere, keep its history", retired)
    return form_modal(
        DOMAINS_MODAL,
        "Domain" if domain else "New domain",
        {"domain_id": domain.id} if domain else {},
        [
            input_block(NAME, "Name", name),
            input_block(DESCRIPTION, "What the domain owns", description, optional=True),
            input_block(OWNER, "Owner", owner, optional=True),
            input_block(CHANNEL, "Digest channel (its own weekly digest)", channel, optional=True),
            input_block(RETIRED, "Retire", retire, optional=True),
        ],
    )


def parse_domain(values: dict[str, dict[str, Any]]) -> DomainInput:
    """The submitted modal's fields (``view.state.values``) as a domain change."""
    return DomainInput(
        name=own_field(values, NAME).get("value") or "",
        description=own_field(values, DESCRIPTION).get("value") or "",
        owner=own_field(values, OWNER).get("selected_user") or None,
        digest_channel=own_field(values, CHANNEL).get("selected_conversation") or None,
        retired=bool(own_field(values, RETIRED).get("selected_options")),
    )


def not_in_channel_view(saved: str, channel: str) -> Block:
    """Shown in place of the modal when the digest channel will not take the bot's posts."""
    return {
        "type": "modal",
        "title": plain("Domain saved", 24),
        "close": plain("Done", 24),
        "blocks": [
            section(
                f"{safe(saved, 300)}\n:warning: Pulseboard is not a member of "
                f"{channel_mention(channel)}, "
                f"so its digest cannot be posted there. Invite it: `/invite @Pulseboard` "
                "in that channel."
            )
        ],
    }
