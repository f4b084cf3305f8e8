"""The pulse trend chart: satisfaction and participation per round, as a PNG.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, safe in
threads). A round whose satisfaction is withheld for anonymity is a gap in the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

from bot.services.pulses.views import TrendPoint

NAN = float("nan")


def trend_chart_png(points: Sequence[TrendPoint]) -> bytes:
    # Imported here: matplotlib takes a third of a second to import, and every process
    # that serves Slack or posts a digest imports this module, most never drawing.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4), dpi=100)
    left = figure.subplots()
    xs = list(range(len(points)))
    satisfaction = [p.satisfaction if p.satisfaction is not None else NAN for p in points]
    participation = [p.participation * 100 if p.participation is not None else NAN for p in points]
    left.plot(xs, satisfaction, marker="o", color="#1d3557", label="satisfaction (1–5)")
    left.set_ylim(1, 5)
    left.set_ylabel("average score (1–5)")
    left.set_xticks(xs, [p.label for p in points], rotation=30, ha="right")
    right = left.twinx()
    right.bar(xs, participation, alpha=0.25, color="#e63946", label="participation (%)")
    right.set_ylim(0, 100)
    right.set_ylabel("participation (%)")
    left.set_zorder(right.get_zorder() + 1)
    left.patch.set_visible(False)
    left.set_title("Developer satisfaction")
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    left.legend(handles=handles, loc="lower left", fontsize="small")
    figure.tight_layout()
    buffer = BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def chart_alt_text(points: Sequence[TrendPoint]) -> str:
    """What the chart shows, in words, for screen readers (Slack's alt text)."""
    parts = []
    for p in points[-6:]:
        score = f"{p.satisfaction:.1f}" if p.satisfaction is not None else "withheld"
        share = f"{p.participation:.0%}" if p.participation is not None else "n/a"
        parts.append(f"{p.label}: {score}, {share} answered")
    return ("Satisfaction per round — " + "; ".join(parts))[:1000]
