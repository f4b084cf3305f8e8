"""Block Kit for satisfaction pulses: the DM, the thank-you, the comment modal, results.

Buttons carry the round id (and the score) in ``value``, so a click is self-contained;
the listener in bot/slack/listeners/pulses.py reads them back with :func:`parse_value`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.driver_views import DriverQuestion
from bot.services.pulses.anonymity import SCORE_ACTION_PREFIX
from bot.services.pulses.views import AnswerView, Figures, PulseResults, RoundResult
from bot.slack.blocks import elements
from bot.slack.blocks.drivers import driver_question_blocks
from bot.slack.blocks.elements import Block, CommentForm, actions, button, context, plain, section
from bot.slack.blocks.text import DATE, DAY, plural, safe, slack_date
from bot.slack.validation import whole_number

ENPS_ACTION = "pulse_enps"
COMMENT_ACTION = "pulse_comment_open"
LOG_REQUEST_ACTION = "pulse_log_request"
LESS_OFTEN_ACTION = "pulse_less_often"
STOP_ACTION = "pulse_stop"
COMMENT_MODAL = "pulse_comment_modal"
COMMENT_BLOCK, COMMENT_INPUT = "pulse_comment", "pulse_comment_input"

SCALE_HINT = "1 = not at all · 5 = very well"
ANONYMITY_NOTE = (
    "Anonymous: nobody sees your answer; results show only for groups of {k}+ answers, "
    "and comments without names."
)
QUESTION_LIMIT = 300
COMMENT_LIMIT = 400
BAR_WIDTH = 10


def parse_value(value: str | None) -> tuple[int, int | None] | None:
    """``"round"`` or ``"round:number"`` back into ints; None when malformed
    (InvalidInputError when a number is too large for the database)."""
    first, _, second = (value or "").partition(":")
    round_id, number = whole_number(first), whole_number(second)
    if round_id is None or (second and number is None):
        return None
    return round_id, number


def score_buttons(round_id: int, chosen: int | None = None) -> Block:
    return elements.one_to_five(SCORE_ACTION_PREFIX, str(round_id), chosen, "pulse_scores")


def preference_buttons(round_id: int) -> Block:
    return actions(
        button("Ask me less", LESS_OFTEN_ACTION, str(round_id)),
        button("Stop asking me", STOP_ACTION, str(round_id)),
        block_id="pulse_prefs",
    )


def pulse_dm_text(question: str) -> str:
    """The DM's (and reminder's) notification text: the question, escaped."""
    return safe(question, QUESTION_LIMIT)


def pulse_dm_blocks(
    round_id: int,
    question: str,
    k: int = 5,
    reminder: bool = False,
    *,
    drivers: Sequence[DriverQuestion] = (),
) -> list[Block]:
    """The DM: the main question (one click is enough), then this person's driver
    questions, if any."""
    lead = "A gentle reminder, in case it got buried: " if reminder else ""
    return [
        section(f"{lead}*{safe(question, QUESTION_LIMIT)}*\n{SCALE_HINT}. One click is enough."),
        score_buttons(round_id),
        *driver_question_blocks(round_id, drivers),
        context(ANONYMITY_NOTE.format(k=k)),
        preference_buttons(round_id),
    ]


def enps_select(round_id: int, chosen: int | None) -> Block:
    options = [elements.option(str(n), f"{round_id}:{n}") for n in range(11)]
    element: Block = {
        "type": "static_select",
        "action_id": ENPS_ACTION,
        "placeholder": plain("0–10"),
        "options": options,
    }
    if chosen is not None:
        element["initial_option"] = options[chosen]
    return section(
        "_Optional:_ how likely are you to recommend the platform to a colleague? "
        "(0 = not at all, 10 = certainly)",
        element,
    )


def thank_you_blocks(answer: AnswerView, k: int = 5) -> list[Block]:
    recorded = [f"your score *{answer.score}/5*"]
    if answer.enps is not None:
        recorded.append(f"recommend *{answer.enps}/10*")
    lines = [
        f":pray: Thanks! For “{safe(answer.question, QUESTION_LIMIT)}” I recorded "
        + ", ".join(recorded)
        + "."
    ]
    if answer.comment:
        lines.append(f"Your comment: _{safe(answer.comment, COMMENT_LIMIT)}_")
    comment_buttons = [
        button(
            "Edit comment" if answer.comment else "Add a comment",
            COMMENT_ACTION,
            str(answer.round_id),
        )
    ]
    if answer.request_id is not None:
        lines.append(f"Logged as request *{answer.request_id}* (with your name on it).")
    elif answer.comment:
        comment_buttons.append(
            button("Log this as a request", LOG_REQUEST_ACTION, str(answer.round_id))
        )
    return [
        section("\n".join(lines)),
        context(
            f"You can change your answer until {slack_date(answer.closes_at)}. "
            "Logging a comment as a request puts your name on that request."
        ),
        score_buttons(answer.round_id, answer.score),
        *driver_question_blocks(answer.round_id, answer.drivers),
        enps_select(answer.round_id, answer.enps),
        actions(*comment_buttons),
        context(ANONYMITY_NOTE.format(k=k)),
        preference_buttons(answer.round_id),
    ]


def closed_blocks() -> list[Block]:
    return [
        section(
            ":hourglass: This pulse round has closed — thank you for wanting to answer! "
            "The next one will reach you in a couple of weeks."
        )
    ]


PULSE_COMMENT_FORM = CommentForm(
    COMMENT_MODAL,
    COMMENT_BLOCK,
    COMMENT_INPUT,
    "Anything to add? (anonymous in results)",
    "What helps, what gets in your way?",
)


def comment_modal(round_id: int, existing: str | None, channel: str, ts: str) -> Block:
    metadata = {"round": round_id, "channel": channel, "ts": ts}
    return elements.comment_modal(PULSE_COMMENT_FORM, metadata, existing)


# --- results -----------------------------------------------------------------------------


def bar(count: int, most: int) -> str:
    filled = round(BAR_WIDTH * count / most) if most else 0
    return "█" * filled + "░" * (BAR_WIDTH - filled)


def figures_line(figures: Figures, delta: float | None) -> str:
    parts = [f"*{figures.average:.2f}*/5" if figures.average is not None else "—"]
    if delta is not None:
        arrow = "▲" if delta > 0.005 else "▼" if delta < -0.005 else "="
        parts.append(f"{arrow} {delta:+.2f} vs previous round")
    if figures.enps is not None:
        parts.append(f"eNPS *{figures.enps:+.0f}* ({plural(figures.enps_answers, 'answer')})")
    if figures.participation is not None:
        parts.append(f"{figures.answers} of {figures.asked} answered ({figures.participation:.0%})")
    return " · ".join(parts)


def distribution_text(figures: Figures) -> str:
    counts = figures.distribution or ()
    most = max(counts, default=0)
    return "\n".join(f"`{n}` {bar(c, most)} {c}" for n, c in zip(range(1, 6), counts, strict=True))


def round_heading(result: RoundResult) -> str:
    state = (
        f"open until {slack_date(result.closes_at)}"
        if result.open
        else f"closed {slack_date(result.closes_at, DAY)}"
    )
    started = slack_date(result.started_at, DATE)
    return f"*Developer satisfaction* · round of {started} · {state}"


def results_blocks(results: PulseResults | None, compact: bool = False) -> list[Block]:
    """The results for `/roadmap pulse`, App Home and (``compact``) the digest."""
    if results is None:
        return [section("No satisfaction pulse has run yet.")]
    current, k = results.current, results.threshold
    figures = current.figures
    blocks: list[Block] = [section(f"{round_heading(current)}\n_{safe(current.question, 200)}_")]
    if figures.whole is None:
        when = "once the round closes, " if current.open else ""
        blocks.append(
            context(
                f"{figures.answered} of {figures.asked} answered so far; results show "
                f"{when}from {plural(k, 'answer')} on, to keep answers anonymous."
            )
        )
        return blocks
    whole_text = figures_line(figures.whole, results.delta())
    if not compact:
        whole_text += "\n" + distribution_text(figures.whole)
    blocks.append(section(whole_text))
    if figures.groups:
        lines = [
            f"• {safe(group, 60)}: {figures_line(f, results.delta(group))}"
            for group, f in figures.groups.items()
        ]
        blocks.append(section("*By domain*\n" + "\n".join(lines)))
    if figures.withheld_groups:
        blocks.append(
            context(
                f"{plural(figures.withheld_groups, 'domain')} withheld: fewer than {k} answers, "
                "or would let someone work out a small group's answers."
            )
        )
    if results.comments and not compact:
        quoted = "\n".join(f"> {safe(c, COMMENT_LIMIT)}" for c in results.comments)
        blocks.append(section(f"*What people said* (no names)\n{quoted}"))
    return blocks
