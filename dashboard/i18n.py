"""English and Spanish: catalogs in data/i18n/<lang>.yaml, numbers and dates formatted per language.

English source strings are the keys (as in gettext): `t("Encounters", "es")` -> "Encuentros".
Taxonomy values stay canonical in data and URLs; `term()` gives their display label.
A missing translation falls back to English and is caught by tests/test_i18n.py.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from numbers import Integral

import yaml
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

from dashboard.paths import REPO_DATA_DIR

LANGS = ("en", "es")
DEFAULT = "en"
# US conventions for both languages: the audience is in the United States (1,234.5 in Spanish too).
LOCALES = {"en": "en_US", "es": "es_US"}
CATALOG_DIR = REPO_DATA_DIR / "i18n"


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict:
    path = CATALOG_DIR / f"{lang}.yaml"
    if lang == DEFAULT or not path.is_file():
        return {"strings": {}, "terms": {}}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"strings": raw.get("strings") or {}, "terms": raw.get("terms") or {}}


def pick(lang: str | None, accept: str | None = None) -> str:
    """The language: ?lang= wins, else the browser's locale (e.g. 'es-MX'), else English."""
    for candidate in (lang, accept):
        if candidate and candidate[:2].lower() in LANGS:
            return candidate[:2].lower()
    return DEFAULT


def t(text: str, lang: str = DEFAULT, **values) -> str:
    """Translate an English string, then fill its {placeholders}."""
    out = catalog(lang)["strings"].get(text) or text
    return out.format(**values) if values else out


def term(value: str, lang: str = DEFAULT) -> str:
    """Display label of a taxonomy value ('weapon displayed' -> 'arma exhibida')."""
    if not value:
        return value
    return catalog(lang)["terms"].get(value) or value


def num(n, lang: str = DEFAULT) -> str:
    if n is None:
        return "–"
    # Maps and tables format thousands of counts a rerun, and babel takes ~12 µs a number.
    if isinstance(n, Integral) and not isinstance(n, bool):
        return f"{int(n):,}" if lang == DEFAULT else _whole(int(n), lang)
    return format_decimal(n, locale=LOCALES[lang])


@lru_cache(maxsize=65536)
def _whole(n: int, lang: str) -> str:
    return format_decimal(n, locale=LOCALES[lang])


def pct(x, lang: str = DEFAULT) -> str:
    return "–" if x is None else format_percent(x, locale=LOCALES[lang])


def day(d: date, lang: str = DEFAULT, style: str = "medium") -> str:
    return format_date(d, style, locale=LOCALES[lang])


def month(ts, lang: str = DEFAULT, short: bool = False) -> str:
    """A month in words: "March 2025" / "marzo de 2025", or short: "Mar 2025" / "mar 2025"."""
    import pandas as pd

    ts = pd.Timestamp(ts)
    if lang == "en":
        return f"{ts:%b %Y}" if short else f"{ts:%B %Y}"
    return format_date(ts.date(), "LLL y" if short else "LLLL 'de' y", locale=LOCALES[lang])
