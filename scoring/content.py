"""Whether a text says anything about a need: "ok", "+1", "🙏" or "test pls ignore" do not.

A request with nothing in it cannot be grouped, scored or answered, so the bot asks for
a sentence instead of storing it. Real short asks ("faster CI", "dark mode for the
portal") are two or more words that are not filler; that is the whole rule.
"""

from __future__ import annotations

import re

MIN_CONTENT_WORDS = 2

_LABELLED_LINK = re.compile(r"<[^<>|\s]*\|([^<>]*)>")  # <https://…|docs>: "docs" was written
_MARKUP = re.compile(r"<[^<>\s]*>|:[a-z0-9_+'-]+:|\bhttps?://\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
#: Scripts written without spaces: each couple of characters counts as a word.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_FILLER = frozenset(
    """
    ok okay okey k kk yes yep yeah no nope nah sure thanks thank thx ty you pls plz please
    ignore ignored this that it these those me too also same here there hi hello hey yo lol
    omg wtf ugh hmm hm meh asdf foo bar baz qwerty xxx x y n a an the and or of to for in
    on at is are be was just plus one again up bump ping done
    """.split()  # noqa: SIM905
)


def has_content(text: str) -> bool:
    """True when ``text`` holds at least two different words that are not filler or markup."""
    plain = _MARKUP.sub(" ", _LABELLED_LINK.sub(r" \1 ", text))
    seen: set[str] = set()
    count = 0
    for word in _WORD.findall(plain):
        lowered = word.lower()
        if lowered in seen or lowered in _FILLER or lowered.isdigit():
            continue
        seen.add(lowered)
        unspaced = len(_UNSPACED.findall(word))
        count += (unspaced + 1) // 2 if unspaced else 1
        if count >= MIN_CONTENT_WORDS:
            return True
    return False
