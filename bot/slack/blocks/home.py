"""The App Home tab."""

from __future__ import annotations

from bot.services.home_views import HomeView, MyRequest
from bot.slack.blocks.elements import Block, context, option, plain, section, vote_button
from bot.slack.blocks.feedback import MAX_OPTIONS, home_button
from bot.slack.blocks.ids import MY_DOMAIN_ACTION
from bot.slack.blocks.pulse import results_blocks
from bot.slack.blocks.text import request_name, safe, status_words, theme_name
from bot.slack.blocks.theme import link_text


def home_status(status: str) -> str:
    return "shipped :tada:" if status == "shipped" else status_words(status)


def request_state(request: MyRequest) -> str:
    return "withdrawn" if request.withdrawn else home_status(request.status)


def domain_picker(view: HomeView) -> list[Block]:
    """Each person picks their domain once; it is the default of their requests."""
    if not view.domains:
        return []
    options = [option(name, str(domain_id)) for domain_id, name in view.domains[:MAX_OPTIONS]]
    picker: Block = {
        "type": "static_select",
        "action_id": MY_DOMAIN_ACTION,
        "placeholder": plain("Pick your domain"),
        "options": options,
    }
    mine = next((o for o in options if o["value"] == str(view.my_domain)), None)
    if mine is not None:
        picker["initial_option"] = mine
    return [section("*Your domain* — your requests carry it, and its digest lists them.", picker)]


def home_tab(view: HomeView) -> Block:
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Pulseboard"}},
        section("Tell the platform team what would help you, and see what comes next."),
        home_button(),
        *domain_picker(view),
        {"type": "divider"},
        section("*Your requests*"),
    ]
    if not view.my_requests:
        blocks.append(context("Nothing yet. `/feedback <what you need>` works from anywhere."))
    for request in view.my_requests:
        theme = (
            f" · theme *{theme_name(request.theme_id, request.theme_label, 120)}*"
            if request.theme_label
            else ""
        )
        state = request_state(request)
        blocks.append(
            section(f"{request_name(request.id)}: {safe(request.title, 200)}\n{state}{theme}")
        )
    if view.more_requests:
        blocks.append(context(f"and {view.more_requests} more"))
    blocks.extend([{"type": "divider"}, section("*Themes you backed*")])
    if not view.voted:
        blocks.append(context("None yet. Press *+1* on a theme to back it."))
    for backed in view.voted[:10]:
        blocks.append(
            section(
                f"{theme_name(backed.theme_id, backed.label, 200)} · {home_status(backed.status)}"
            )
        )
    blocks.extend([{"type": "divider"}, section("*Top of the roadmap*")])
    if not view.top:
        blocks.append(context("No themes yet."))
    for entry in view.top:
        heading = (
            f"*{entry.position}. {theme_name(entry.theme_id, entry.label, 150)}*  {entry.trend}"
        )
        if entry.links:
            heading += "\n" + "; ".join(link_text(link) for link in entry.links[:3])
        blocks.append(section(f"{heading}\n_{safe(entry.why, 300)}_", vote_button(entry.theme_id)))
    if view.pulse is not None:
        blocks.extend(
            [
                {"type": "divider"},
                section("*Developer satisfaction* (admins)"),
                *results_blocks(view.pulse),
            ]
        )
    return {"type": "home", "blocks": blocks[:100]}
