"""The digest in a terminal, with rich."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bot.services.digest_views import DigestView
from bot.slack.blocks.objective_kpis import PLAIN, objective_kpi_text
from bot.slack.blocks.text import plural
from bot.slack.blocks.time_to_market import ship_time_phrase

#: Below this many columns the score, trend, backers and domains go under each theme's
#: name instead of in columns of their own, which would leave the theme ~13 columns at 80.
WIDE = 100

STATUS_STYLES = {
    "open": "white",
    "planned": "cyan",
    "in_progress": "yellow",
    "shipped": "green",
    "declined": "red",
}


def print_digest(view: DigestView, console: Console) -> None:
    console.rule(f"[bold]{view.title}[/bold]")
    console.print(
        f"{view.period_label} · {plural(view.kpis.requests_this_period, 'new request')} · "
        f"{plural(view.total_themes, 'theme')} ranked",
        style="dim",
        markup=False,
        highlight=False,
    )
    wide = console.width >= WIDE
    table = Table(show_lines=True, expand=True)
    table.add_column("Rank", justify="right", no_wrap=True)
    table.add_column("Id", justify="right", no_wrap=True)
    table.add_column("Theme and why", ratio=5)
    if wide:
        table.add_column("Score", justify="right", no_wrap=True)
        table.add_column("Trend", justify="center", no_wrap=True)
        table.add_column("Backers", justify="right", no_wrap=True)
        table.add_column("Domains", justify="right", no_wrap=True)
    table.add_column("Status", no_wrap=True)
    for entry in view.entries:
        figures = (f"{entry.score:.2f}", entry.trend, str(entry.backers), str(len(entry.domains)))
        theme = Text(entry.label, style="bold")
        if not wide:
            theme.append(
                f"\nscore {entry.score:.2f} · {entry.trend} · {plural(entry.backers, 'backer')} · "
                f"{plural(len(entry.domains), 'domain')}",
                style="dim",
            )
        theme.append("\n" + entry.why, style="italic dim")
        if entry.objectives:
            served = ", ".join(f"{name} ({strength})" for name, strength in entry.objectives)
            theme.append("\nServes: " + served, style="dim")
        status = Text(entry.status.replace("_", " "), style=STATUS_STYLES.get(entry.status, ""))
        table.add_row(
            str(entry.position), f"#{entry.theme_id}", theme, *(figures if wide else ()), status
        )
    console.print(table)
    hidden = view.total_themes - len(view.entries)
    if hidden > 0:
        console.print(f"and {hidden} more themes", style="dim")
    print_footer(view, console)
    measured = objective_kpi_text(view.objectives, "since the last digest", PLAIN)
    if measured is not None:
        console.print("\n[bold]Objectives[/bold]")
        console.print(measured, markup=False, highlight=False)
    for title, news in (
        ("Shipped since last digest", view.shipped),
        ("Newly planned", view.planned),
    ):
        if news:
            console.print(f"\n[bold]{title}[/bold]")
            for item in news:
                line = Text(f"  • #{item.theme_id} {item.label}")
                if item.note:
                    line.append(f" — {item.note}", style="dim")
                console.print(line)


def print_footer(view: DigestView, console: Console) -> None:
    """The product KPIs and, once pulses ran, satisfaction (anonymity rules applied)."""
    kpis = view.kpis
    parts = [plural(kpis.themes_shipped_this_period, "theme") + " shipped this period"]
    shipped = ship_time_phrase(kpis.time_to_market.overall, "the period before")
    if shipped is not None:
        parts.insert(0, shipped)
    pulse = view.pulse
    if pulse is not None and pulse.current.figures.whole is not None:
        whole = pulse.current.figures.whole
        line = f"satisfaction {whole.average or 0:.1f}/5"
        if whole.enps is not None:
            line += f", eNPS {whole.enps:+.0f}"
        line += f" ({pulse.current.figures.answered} of {pulse.current.figures.asked} answered)"
        parts.append(line)
    console.print(" · ".join(parts), style="dim", markup=False, highlight=False)
