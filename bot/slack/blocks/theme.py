"""One theme in detail: for the Details modal and `/roadmap theme N`."""

from __future__ import annotations

from bot.services.roadmap.views import LinkView, ThemeDetails
from bot.slack.blocks.driver_results import outcome_blocks
from bot.slack.blocks.elements import Block, context, plain, section, vote_button
from bot.slack.blocks.followup import summary_text
from bot.slack.blocks.text import plural, request_name, safe, status_words
from bot.slack.blocks.time_to_market import delivery_line

REQUESTS_SHOWN = 12
NO_REQUESTS_LEFT = (
    "_None left: every request of this theme was moved to another theme by a PM or "
    "withdrawn by the person who asked. Its status and history stay._"
)


def theme_detail_blocks(details: ThemeDetails) -> list[Block]:
    entry = details.entry
    heading = f"*#{details.theme_id} {safe(details.label, 200)}* · {status_words(details.status)}"
    if entry is not None and details.status not in {"shipped", "declined"}:
        heading += f"\nRank {entry.position} · score `{entry.score:.2f}` · {entry.trend}"
    blocks: list[Block] = [section(heading, vote_button(details.theme_id))]
    if entry is not None:
        blocks.append(context(f"_{safe(entry.why, 500)}_"))
        lines = [
            f"• {safe(c.name, 40)}: {c.value:.2f} × {c.weight:g} = *{c.contribution:.2f}*"
            f" — {safe(c.detail, 150)}"
            for c in entry.components
        ]
        blocks.append(section("*Score breakdown*\n" + "\n".join(lines)))
        if entry.drivers:
            blocks.append(
                context("Addresses drivers: " + ", ".join(safe(k, 40) for k in entry.drivers))
            )
    if details.followup is not None and details.followup.answers:
        said = [summary_text(details.followup)]
        said += [f"“{safe(comment, 200)}”" for comment in details.followup.comments]
        blocks.append(section("\n".join(said)))
    blocks += outcome_blocks(details.outcome)
    delivery = [f"• {link_text(link)}" for link in details.links]
    timing = delivery_line(entry.delivery) if entry and entry.delivery else None
    if timing and (details.links or details.status == "shipped"):
        delivery.append(timing)
    if delivery:
        blocks.append(section("*Delivery*\n" + "\n".join(delivery)))
    if details.top_terms:
        blocks.append(context("Key terms: " + ", ".join(safe(t, 30) for t in details.top_terms)))
    domains = sorted({r.domain for r in details.requests if r.domain})
    request_lines = [
        f"• {request_name(r.id)}: {safe(r.title, 120)}"
        + (f" _({safe(r.domain, 40)})_" if r.domain else "")
        for r in details.requests[:REQUESTS_SHOWN]
    ]
    if len(details.requests) > REQUESTS_SHOWN:
        request_lines.append(f"and {len(details.requests) - REQUESTS_SHOWN} more")
    if not details.requests:
        request_lines.append(NO_REQUESTS_LEFT)
    blocks.append(
        section(
            f"*{plural(len(details.requests), 'request')} from "
            f"{plural(len(domains), 'domain')}*\n" + "\n".join(request_lines)
        )
    )
    return blocks


def link_text(link: LinkView) -> str:
    """A linked item, as a link (its URL is built by Pulseboard from the parsed item)."""
    state = link.state.replace("_", " ") if link.state else "state not read yet"
    return f"<{link.url}|{safe(f'{link.tracker} {link.item}', 120)}> — {state}"


def theme_modal(details: ThemeDetails) -> Block:
    return {
        "type": "modal",
        "title": plain("Theme details", 24),
        "close": plain("Close", 24),
        "blocks": theme_detail_blocks(details),
    }
