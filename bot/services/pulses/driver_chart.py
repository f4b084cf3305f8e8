"""The driver quadrant: importance (y) against satisfaction (x) per driver, as a PNG, and
the shaded quadrant in words.

Drawn like the trend chart (bot/services/pulses/chart.py): matplotlib's object API on the
Agg canvas, imported lazily. Only drivers whose satisfaction and importance both show
(anonymity rules applied before) are drawn.
"""

from __future__ import annotations

from io import BytesIO

from bot.services.pulses.driver_views import (
    IMPORTANT_LINE,
    QUADRANT,
    SATISFIED_LINE,
    DriverFigures,
    DriverResults,
    quadrant_words,
)

QUADRANT_FILE = "pulse-drivers.png"
QUADRANT_TITLE = "Drivers: importance against satisfaction"


def plotted(results: DriverResults) -> list[DriverFigures]:
    return [d for d in results.drivers if d.satisfaction is not None and d.importance is not None]


def quadrant_chart_png(results: DriverResults) -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7, 6), dpi=100)
    axes = figure.subplots()
    axes.set_xlim(1, 5)
    axes.set_ylim(1, 5)
    axes.axvspan(
        1, SATISFIED_LINE, ymin=(IMPORTANT_LINE - 1) / 4, ymax=1, color="#e63946", alpha=0.15
    )
    axes.axvline(SATISFIED_LINE, color="#888888", linewidth=1)
    axes.axhline(IMPORTANT_LINE, color="#888888", linewidth=1)
    axes.text(1.1, 4.85, QUADRANT, color="#a4161a", fontsize="medium", va="top", weight="bold")
    for driver in plotted(results):
        x, y = driver.satisfaction or 0.0, driver.importance or 0.0
        axes.scatter([x], [y], s=60, color="#1d3557", zorder=3)
        axes.annotate(
            driver.name, (x, y), xytext=(6, 4), textcoords="offset points", fontsize="small"
        )
    axes.set_xlabel("satisfaction (mean 1–5)")
    axes.set_ylabel("importance (mean 1–5)")
    axes.set_title(f"Drivers of developer experience, round of {results.started_at:%d %b %Y}")
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def quadrant_alt_text(results: DriverResults) -> str:
    """What the chart shows, for screen readers (Slack's alt text)."""
    points = "; ".join(
        f"{d.name}: satisfaction {d.satisfaction:.1f}, importance {d.importance:.1f}"
        for d in plotted(results)
    )
    return f"{quadrant_words(results)} — {points}"[:1000]
