"""Answers to /roadmap: help, my requests, stats, and the result of a change."""

from __future__ import annotations

from collections.abc import Sequence

from bot.services.digest_views import ObjectiveKpiView, ProductKpis
from bot.services.home_views import MyRequest
from bot.services.roadmap.views import AuditLine
from bot.slack.blocks.elements import Block, context, section
from bot.slack.blocks.home import request_state
from bot.slack.blocks.objective_kpis import objective_kpi_text
from bot.slack.blocks.text import plural, request_name, safe, slack_date, theme_name, user_mention
from bot.slack.blocks.time_to_market import stats_lines

ROADMAP_HELP = "\n".join(
    [
        "*/roadmap* — what the platform team will do next",
        "_N is a theme's id, the `#12` beside its label everywhere (the digest, App Home, "
        "`/roadmap`, DMs); the `3.` before it is its rank this week, which moves. "
        "REQUEST is a request's number (`request 41`)._",
        "• `/roadmap` the current ranking · `/roadmap theme N` one theme in detail",
        "• `/roadmap mine` your requests · `/roadmap stats` how the platform team is doing",
        "• `/roadmap pulse` the latest satisfaction results · `/roadmap pulse chart` the trend",
        "• `/roadmap pulse stop|less|resume` fewer or no pulse questions for you, or again",
        "*For the platform's product managers*",
        "• `/roadmap status N planned|in_progress|shipped|declined [note]`",
        "• `/roadmap merge N INTO` · `/roadmap split REQUEST [label]`",
        "• `/roadmap effort N S|M|L|XL` · `/roadmap rename N <label>`",
        "• `/roadmap objectives` add, edit, reweight or retire business objectives, "
        "and give each a measured KPI",
        "• `/roadmap domains` add, rename or retire domains; set owners and digest channels",
        "• `/roadmap drivers` add, edit or retire the drivers pulse DMs ask about "
        "(build speed, documentation, …)",
        "• `/roadmap pulse start` start a satisfaction pulse round now",
        "• `/roadmap audit [N]` the last N changes: who, when, from what to what",
        "• `/roadmap link N <URL>` · `/roadmap unlink N <URL>` a GitHub, Jira or Linear item "
        "that delivers theme N",
        "• `/roadmap tie N <driver>` · `/roadmap untie N <driver>` theme N addresses a driver "
        "of developer experience (or not, even if suggested)",
    ]
)


def mine_blocks(requests: tuple[MyRequest, ...], limit: int = 20) -> list[Block]:
    if not requests:
        return [section("You have not asked for anything yet. `/feedback <what you need>`")]
    lines = []
    for request in requests[:limit]:
        state = request_state(request)
        theme = (
            f" · theme {theme_name(request.theme_id, request.theme_label, 80)}"
            if request.theme_label
            else ""
        )
        lines.append(f"• {request_name(request.id)}: {safe(request.title, 120)} — {state}{theme}")
    blocks = [section("*Your requests*\n" + "\n".join(lines))]
    if len(requests) > limit:
        blocks.append(context(f"and {len(requests) - limit} more"))
    return blocks


def stats_blocks(
    kpis: ProductKpis, days: int, objectives: Sequence[ObjectiveKpiView] = ()
) -> list[Block]:
    lines = [
        f"*The last {days} days*",
        f"• {plural(kpis.requests_this_period, 'request')} logged",
        f"• {plural(kpis.themes_shipped_this_period, 'theme')} shipped",
    ]
    lines.extend(stats_lines(kpis.time_to_market, days))
    if kpis.satisfaction is not None:
        lines.append(
            f"• Developer satisfaction: {kpis.satisfaction:.1f}/5 in the latest "
            f"pulse ({plural(kpis.satisfaction_answers, 'answer')})"
        )
    else:
        lines.append("• Developer satisfaction: not enough pulse answers yet")
    blocks = [section("\n".join(lines))]
    measured = objective_kpi_text(objectives, f"in {days} days")
    if measured is not None:
        blocks.append(section(f"*Objectives*\n{measured}"))
    return blocks


SECTION_CHARS = 2900


def audit_blocks(lines: list[AuditLine]) -> list[Block]:
    """Recent changes, newest first, each dated in the reader's time zone."""
    if not lines:
        return [section("*Recent changes*\nNo changes yet: PM decisions are listed here.")]
    shown = [
        f"• {slack_date(line.at)} {user_mention(line.actor)} {safe(line.summary, 400)}"
        for line in lines
    ]
    blocks: list[Block] = []
    chunk = "*Recent changes*"
    for text in shown:
        if len(chunk) + 1 + len(text) > SECTION_CHARS:
            blocks.append(section(chunk))
            chunk = text
        else:
            chunk += "\n" + text
    blocks.append(section(chunk))
    blocks.append(
        context("`/roadmap audit N` shows the last N (up to 100); `export` has them all.")
    )
    return blocks
