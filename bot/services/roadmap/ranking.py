"""The ranked roadmap: rows mapped to scoring's plain types, scored, ranked."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.services.pulses.anonymity import DEFAULT_THRESHOLD
from bot.services.pulses.driver_results import driver_gaps, driver_results
from bot.services.pulses.mentions import theme_mentions
from bot.services.pulses.results import ReleasedComment, released_comments
from bot.services.roadmap.driver_ties import tied_drivers
from bot.services.roadmap.views import TRACKER_NAMES, Delivery, LinkView, RoadmapEntry
from bot.services.themes.vectors import (
    embeddings_for,
    mean_direction,
    request_doc,
    request_text,
    text_embedding,
)
from scoring import (
    Objective,
    RankedTheme,
    RequestFact,
    ScoringConfig,
    ThemeFacts,
    VoteFact,
    rank,
    score_theme,
)
from scoring.embedding import Embedder
from storage.enums import ThemeStatus
from storage.models import Request, Theme, ThemeLink, Vote
from storage.unit_of_work import UnitOfWork

MAX_THEME_TEXT_REQUESTS = 50
# Pulse comments from rounds started this long ago count towards a theme's satisfaction.
PULSE_MENTION_WINDOW = timedelta(days=90)
CLOSED_STATUSES = frozenset({ThemeStatus.SHIPPED, ThemeStatus.DECLINED})


def build_roadmap(
    uow: UnitOfWork,
    now: datetime,
    config: ScoringConfig | None = None,
    previous_positions: Mapping[int, int] | None = None,
    domain_id: int | None = None,
    active_only: bool = True,
    anonymity: int = DEFAULT_THRESHOLD,
) -> list[RoadmapEntry]:
    """Score and rank the live themes that have requests (optionally one domain's).

    Shipped and declined themes are left out unless ``active_only`` is False: the roadmap
    ranks what could still be done. ``anonymity``: the pulse threshold, for the pulse
    mentions in the satisfaction component.
    """
    config = config or ScoringConfig()
    themes = uow.themes.live()
    votes = uow.votes.by_theme()
    embedder = config.themes.embedder
    objectives = [
        Objective(
            name=o.name, description=o.description, keywords=tuple(o.keywords), weight=o.weight
        )
        for o in uow.objectives.list_active()
        if domain_id is None or o.domain_id in (None, domain_id)
    ]
    if embedder is not None:
        objectives = [replace(o, embedding=text_embedding(embedder, o.text())) for o in objectives]
    comments = released_comments(uow, now - PULSE_MENTION_WINDOW, anonymity, now)
    by_theme = requests_by_theme(uow.requests.live())
    facts: dict[int, ThemeFacts] = {}
    theme_rows: dict[int, Theme] = {}
    for theme in themes:
        if active_only and theme.status in CLOSED_STATUSES:
            continue
        members = by_theme.get(theme.id, [])
        if not members:
            continue
        if domain_id is not None and not asked_most_by(members, domain_id):
            continue
        facts[theme.id] = with_pulse_mentions(
            theme_facts(theme, members, votes.get(theme.id, [])), theme, comments, anonymity
        )
        theme_rows[theme.id] = theme
    drivers = {d.id: d for d in uow.drivers.list_all()}
    if embedder is not None and (objectives or drivers):
        facts = with_meaning(uow, embedder, facts, by_theme)
    ties = tied_drivers(uow, facts, drivers, config) if drivers else {}
    if ties:
        gaps = driver_gaps(driver_results(uow, anonymity, now))
        facts = {
            theme_id: replace(
                f, drivers=tuple(gaps[d] for d in sorted(ties[theme_id]) if d in gaps)
            )
            for theme_id, f in facts.items()
        }
    scores = [score_theme(f, objectives, config, now) for f in facts.values()]
    ranked = rank(scores, previous_positions)
    links: dict[int, list[ThemeLink]] = defaultdict(list)
    for link in uow.links.of_themes(theme_rows):
        links[link.theme_id].append(link)
    first_asked = uow.requests.first_asked_by_theme(list(theme_rows))
    return [
        replace(
            to_entry(r, theme_rows[r.theme_id], facts[r.theme_id]),
            links=tuple(link_view(link) for link in links[r.theme_id]),
            delivery=delivery_of(
                theme_rows[r.theme_id], first_asked.get(r.theme_id), links[r.theme_id]
            ),
            drivers=tuple(drivers[d].key for d in sorted(ties.get(r.theme_id, ())) if d in drivers),
        )
        for r in ranked
    ]


def requests_by_theme(requests: Iterable[Request]) -> dict[int, list[Request]]:
    """The requests grouped by theme (those in no theme left out)."""
    by_theme: dict[int, list[Request]] = defaultdict(list)
    for request in requests:
        if request.theme_id is not None:
            by_theme[request.theme_id].append(request)
    return by_theme


def theme_facts(theme: Theme, members: Sequence[Request], votes: Sequence[Vote]) -> ThemeFacts:
    request_facts = tuple(
        RequestFact(
            requester=r.requester.slack_id,
            domain=r.domain.name if r.domain else None,
            pain=r.pain,
            created_at=r.created_at,
            objective=r.objective.name if r.objective else None,
        )
        for r in members
    )
    requesters = {r.requester_id for r in members}
    vote_facts = tuple(
        VoteFact(
            user=v.user.slack_id,
            domain=v.user.domain.name if v.user.domain else None,
            created_at=v.created_at,
        )
        for v in votes
        if v.user_id not in requesters
    )
    text = "\n".join(request_text(r) for r in members[:MAX_THEME_TEXT_REQUESTS])
    return ThemeFacts(
        theme_id=theme.id,
        label=theme.label,
        text=text,
        requests=request_facts,
        votes=vote_facts,
        effort=theme.effort.value if theme.effort else None,
        confidence=theme.confidence,
    )


def with_meaning(
    uow: UnitOfWork,
    embedder: Embedder,
    facts: Mapping[int, ThemeFacts],
    members: Mapping[int, Sequence[Request]],
) -> dict[int, ThemeFacts]:
    """Each theme's facts with its direction in the embedding space: the mean of the
    stored embeddings of the requests its text is made of (for objective alignment)."""
    docs = {
        theme_id: [request_doc(r) for r in members[theme_id][:MAX_THEME_TEXT_REQUESTS]]
        for theme_id in facts
    }
    vectors = embeddings_for(uow, embedder, [d for rows in docs.values() for d in rows])
    out: dict[int, ThemeFacts] = {}
    start = 0
    for theme_id, rows in docs.items():
        direction = mean_direction(vectors[start : start + len(rows)])
        out[theme_id] = replace(facts[theme_id], embedding=direction)
        start += len(rows)
    return out


def with_pulse_mentions(
    facts: ThemeFacts, theme: Theme, comments: Sequence[ReleasedComment], k: int
) -> ThemeFacts:
    """Pulse comments on the theme's topic: the satisfaction signal (docs/scoring.md),
    within the anonymity rules (bot/services/pulses/anonymity.py)."""
    mentions, mood = theme_mentions(comments, theme.top_terms, theme.label, k)
    return replace(facts, pulse_mentions=mentions, pulse_mention_sentiment=mood)


def theme_ties(
    uow: UnitOfWork, theme_ids: Iterable[int], config: ScoringConfig | None = None
) -> dict[int, set[int]]:
    """The drivers each of these themes (any status) is tied to, as the ranking ties them."""
    config = config or ScoringConfig()
    drivers = {d.id: d for d in uow.drivers.list_all()}
    wanted = set(theme_ids)
    if not drivers or not wanted:
        return {theme_id: set() for theme_id in wanted}
    by_theme = requests_by_theme(uow.requests.live())
    facts = {
        theme.id: theme_facts(theme, by_theme.get(theme.id, []), [])
        for theme in uow.themes.live()
        if theme.id in wanted
    }
    embedder = config.themes.embedder
    with_members = {t: f for t, f in facts.items() if t in by_theme}
    if embedder is not None and with_members:
        facts |= with_meaning(uow, embedder, with_members, by_theme)
    ties = tied_drivers(uow, facts, drivers, config)
    return {theme_id: ties.get(theme_id, set()) for theme_id in wanted}


def delivery_of(
    theme: Theme, first_asked_at: datetime | None, links: Iterable[ThemeLink]
) -> Delivery:
    """A theme's time to market (bot/services/time_to_market.py)."""
    starts = [link.started_at for link in links if link.started_at is not None]
    shipped = theme.status_changed_at if theme.status == ThemeStatus.SHIPPED else None
    return Delivery(first_asked_at, min(starts) if starts else None, shipped)


def link_view(link: ThemeLink) -> LinkView:
    name = TRACKER_NAMES.get(link.provider, link.provider)
    return LinkView(name, link.item, link.url, link.state)


def to_entry(ranked: RankedTheme, theme: Theme, facts: ThemeFacts) -> RoadmapEntry:
    domains = sorted(
        {r.domain for r in facts.requests if r.domain} | {v.domain for v in facts.votes if v.domain}
    )
    return RoadmapEntry(
        theme_id=theme.id,
        position=ranked.position,
        label=theme.label,
        status=theme.status.value,
        score=ranked.score.total,
        why=ranked.score.why,
        trend=ranked.trend.marker,
        requesters=len({r.requester for r in facts.requests}),
        voters=len({v.user for v in facts.votes}),
        domains=tuple(domains),
        objectives=ranked.score.objectives,
        effort=facts.effort,
        components=ranked.score.components,
    )


def theme_ids_in_domain(uow: UnitOfWork, domain_id: int) -> set[int]:
    """The domain's themes (any status): those it asked for most (see ``asked_most_by``)."""
    by_theme = requests_by_theme(uow.requests.live())
    return {theme_id for theme_id, members in by_theme.items() if asked_most_by(members, domain_id)}


def asked_most_by(members: Sequence[Request], domain_id: int) -> bool:
    """Whether no domain asked for the theme more often than ``domain_id`` did (ties count
    for each): a Kafka theme with one CI request is the data domain's, not CI's."""
    counts = Counter(r.domain_id for r in members if r.domain_id is not None)
    return counts[domain_id] > 0 and counts[domain_id] == max(counts.values())
