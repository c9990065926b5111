"""Find what looks like a person's name in free text: a known first name followed by a capitalised
word ("Jane Doe"), or a courtesy title before one ("Mr. Doe").

First names come from gender-guesser's dictionary (about 48,000 given names from many countries, a
package kept on PyPI). Places (the shipped gazetteer's 29,000 cities and towns, the states), the
taxonomies' values (operations, agencies) and the phrases in name_guard_allow.txt are not names.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

ALLOW_FILE = Path(__file__).with_name("name_guard_allow.txt")
WORD = r"[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?"
# A lookahead, so that overlapping pairs are all seen ("Secretary Kristi Noem": both pairs).
PAIR = re.compile(rf"(?=\b(({WORD})\s+((?:[A-Z]\.\s+)?(?:(?:Mc|Mac|O')?{WORD}))\b))")
WORDS = yaml.safe_load(Path(__file__).with_name("name_guard_words.yaml").read_text(encoding="utf-8"))
PLACE_NOUNS = frozenset(WORDS["second_words"])
COMMON_WORDS = frozenset(WORDS["first_words"])
TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Dr|Rev|Sen|Rep|Gov|Sgt|Lt|Capt)\.?\s+{WORD}")


@lru_cache(maxsize=1)
def _first_names() -> frozenset[str]:
    import gender_guesser.detector as gd

    detector = gd.Detector(case_sensitive=False)
    return frozenset(name for name in detector.names if len(name) > 2)


@lru_cache(maxsize=1)
def allowed_phrases() -> frozenset[str]:
    from dashboard.geo import places, state_names
    from dashboard.schema import load_schema

    phrases = {str(c).lower() for c in places()["city"]} | {n.lower() for n in state_names().values()}
    for tax in load_schema().taxonomies.values():
        phrases |= {v.lower() for v in tax.values}
    for line in ALLOW_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            phrases.add(line.strip().lower())
    return frozenset(phrases)


def _allowed(pair: str, text: str, start: int) -> bool:
    """The pair is part of an allowed phrase found at this place in the text."""
    lowered = text.lower()
    for phrase in allowed_phrases():
        if pair.lower() in phrase:
            at = lowered.find(phrase, max(0, start - len(phrase)))
            if at != -1 and at <= start < at + len(phrase):
                return True
    return False


def personal_names(text: str) -> list[str]:
    """The name-like phrases in `text` that no allow-list explains."""
    found = [m.group(0) for m in TITLED.finditer(text)]
    first = _first_names()
    for m in PAIR.finditer(text):
        pair, word, second = m.group(1), m.group(2).lower(), m.group(3).split()[-1].lower()
        if word in COMMON_WORDS or second in PLACE_NOUNS:
            continue
        if word in first and not _allowed(pair, text, m.start()):
            found.append(pair)
    return found
