"""Theme labels a person would write: a request's title, cleaned into a name for the need.

People write requests the way they talk ("CI is sooo slow pls fix :fire:", "why does
deploying take longer than the build??"). A label is read in every digest, so it keeps
the need and drops the noise: Slack markup and emoji, filler ("pls", "ugh"), doubled
punctuation, and a complaint tacked on after the ask ("…, it's so slow ugh").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

LABEL_LENGTH = 60

_SLACK_MARKUP = re.compile(r"<[^<>\s]*>")  # <@U123>, <#C1|name>, <!here>, <https://…|text>
_URL = re.compile(r"\bhttps?://\S+", re.IGNORECASE)
_EMOJI_CODE = re.compile(r":[a-z0-9_+'-]+:", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@(channel|here|everyone)\b", re.IGNORECASE)
_FILLER = re.compile(
    r"\b((pls|plz|please) (fix|help)( (it|this|asap))?|pls|plz|please|bitte|ugh+|argh+|lol|"
    r"omg|wtf|asap|thx|thanks|ty|halp|fyi|tbh|imo)\b[.!?]*",
    re.IGNORECASE,
)
#: Filler closing a clause ("… team pls, we create like 5 a month"): the story follows.
_FILLER_BREAK = re.compile(r"\b(pls|plz|please|bitte|ugh+)\s*[,.!]+\s+", re.IGNORECASE)
_INTENSIFIER = re.compile(
    r"\b(so{2,}|super|really|way too|painfully)\s+(?=(slow|bad|broken|painful|flaky|hard|long)\b)",
    re.IGNORECASE,
)
_QUOTES = re.compile(r"[\"“”„«»]")
_LEADING_ASK = re.compile(
    r"^(hey|hi|hello)( (team|all|folks|everyone))?[,!: ]+|"
    r"^((can|could|would) (we|you|i|someone)( please)?( (get|have))?|"
    r"(we|i) (really )?(need|want|would like)|it would be (nice|great) to have|"
    r"feature request|request|idea|suggestion)\b[:,]?\s*",
    re.IGNORECASE,
)
_ARTICLE = re.compile(r"^(a|an|the|some)\s+", re.IGNORECASE)
#: Where a second clause begins: a sentence end, a dash, an ellipsis, a semicolon.
_CLAUSE_BREAK = re.compile(r"\s*(?:[.!?]+\s+|\s[-–—]+\s|…|\.\.\.+|;\s*|\s*\(|\s*\))\s*")
_COMPLAINT = re.compile(
    r"\b(it'?s|its|this is|that'?s|which is)\s+(so|sooo*|really|too|super|way too|still|"
    r"always|just|painfully|ridiculously|kind of|kinda)\b|"
    r"\b(annoying|frustrating|ridiculous|terrible|awful|unusable|useless|miserable|"
    r"nightmare|sucks?|hate|killing (me|us)|drives? (me|us)|every (single )?time|"
    r"again and again)\b",
    re.IGNORECASE,
)
_DOUBLED = re.compile(r"([!?.,])[!?.,]+")
_SPACES = re.compile(r"\s+")
_PUNCT_SPACE = re.compile(r"\s+([,;:])")
_COPULA = {"is", "are", "was", "were", "be", "been", "am", "'s"}
_TRIM = " ,.;:-–—!?&+/*_~`\"'"
#: Platform words people type in lower case that a label opens with in upper case.
_ACRONYM = re.compile(
    r"^(api|aws|cd|ci|cli|cpu|db|dns|gcp|gpu|iam|pr|qa|sdk|sla|slo|sql|sso|ssh|tls|ui|vm|vpn)"
    r"(?=\s|$)"
)


def clean_label(title: str, limit: int = LABEL_LENGTH) -> str:
    """A short name for the need in ``title`` (≤ ``limit`` chars); "" when nothing is left."""
    text = _first_line(title)
    text = _strip_markup(text)
    text = _DOUBLED.sub(r"\1", text)
    text = _FILLER_BREAK.sub("; ", text)
    text = _first_clause(text)
    text = _INTENSIFIER.sub("", text)
    text = _FILLER.sub(" ", text)
    text = _SPACES.sub(" ", text).strip(_TRIM)
    text = _drop_complaint(text)
    text = _drop_leading_ask(text).strip(_TRIM)
    text = _SPACES.sub(" ", _PUNCT_SPACE.sub(r"\1", text)).strip(_TRIM)
    return trim_label(_capitalise(text), limit)


def theme_label(title: str, top_terms: Sequence[str] = (), limit: int = LABEL_LENGTH) -> str:
    """``title`` cleaned; the top terms when cleaning leaves nothing; the raw title last."""
    label = clean_label(title, limit)
    if label:
        return label
    if top_terms:
        return trim_label(_capitalise(", ".join(top_terms[:3])), limit)
    raw = _SPACES.sub(" ", _strip_markup(_first_line(title))).strip(_TRIM)
    return trim_label(raw, limit) or "Untitled request"


def trim_label(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` chars (an ellipsis counted)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(_TRIM) + "…"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _strip_markup(text: str) -> str:
    """Markup and emoji out; an emoji between words ends a clause ("… deploys :fire: we…")."""
    text = _SLACK_MARKUP.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _EMOJI_CODE.sub(" ; ", text)
    text = "".join(" ; " if _is_emoji(ch) else ch for ch in text)
    text = re.sub(r"(\s*;\s*)+", "; ", text)
    return _QUOTES.sub("", text.replace("`", ""))


def _is_emoji(ch: str) -> bool:
    """Pictographs, dingbats, flags and the joiners/selectors that build them."""
    if ch in "\u200d\ufe0f\ufe0e\u20e3":
        return True
    code = ord(ch)
    if 0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x1F1E6 <= code <= 0x1F1FF:
        return True
    return unicodedata.category(ch) == "So"


def _first_clause(text: str) -> str:
    """The first clause with a word in it; later clauses are the story, not the name."""
    for clause in _CLAUSE_BREAK.split(text):
        if re.search(r"\w", clause) and _FILLER.sub("", clause).strip(_TRIM):
            return clause
    return text


def _drop_complaint(text: str) -> str:
    """Cut a complaint that follows the ask ("remote cache for CI, it's so slow")."""
    for match in _COMPLAINT.finditer(text):
        head = text[: match.start()].strip(_TRIM)
        words = head.lower().split()
        if len(words) >= 2 and words[-1] not in _COPULA:
            return head
    return text


def _drop_leading_ask(text: str) -> str:
    rest = _LEADING_ASK.sub("", text, count=1).strip(_TRIM)
    if len(rest.split()) < 2:
        return text
    return _ARTICLE.sub("", rest, count=1) if len(rest.split()) > 2 else rest


def _capitalise(text: str) -> str:
    if not text or not text[0].islower():
        return text
    if len(text) > 1 and text[1].isupper():
        return text  # "iOS", "eBPF"
    acronym = _ACRONYM.match(text)
    if acronym:  # "ci builds are slow": "CI builds", not "Ci builds"
        return acronym.group(0).upper() + text[acronym.end() :]
    return text[0].upper() + text[1:]
