"""Every string a visitor can see has a Spanish translation; placeholders survive translation."""

from __future__ import annotations

import ast
import re
import string

import pytest
from support import REPO

from dashboard import i18n
from dashboard.schema import load_schema


def _literal(node) -> str | None:
    """The text of a string literal (implicit concatenation included), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def source_strings() -> dict[str, str]:
    """English strings passed to t(...) anywhere in the package, with where they are."""
    found = {}
    for path in sorted((REPO / "dashboard").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                text = _literal(node.args[0])
                if name in ("t", "tr") and text is not None:
                    found.setdefault(text, f"{path.relative_to(REPO)}:{node.lineno}")
    return found


def test_the_code_uses_the_catalog():
    assert len(source_strings()) > 40  # guards the extraction itself: if it finds nothing, it checks nothing


def test_every_string_has_a_spanish_translation():
    strings = i18n.catalog("es")["strings"]
    missing = {text: where for text, where in source_strings().items() if text not in strings}
    assert not missing, "untranslated strings:\n" + "\n".join(f"  {w}: {t!r}" for t, w in missing.items())


def test_every_taxonomy_value_has_a_spanish_label():
    terms = i18n.catalog("es")["terms"]
    schema = load_schema()
    missing = [
        (name, v) for name, tax in schema.taxonomies.items() if name != "states" for v in tax.values if v not in terms
    ]
    assert not missing


@pytest.mark.parametrize("english, spanish", sorted(i18n.catalog("es")["strings"].items()))
def test_placeholders_survive(english, spanish):
    fields = lambda s: sorted(f for _, f, _, _ in string.Formatter().parse(s) if f)  # noqa: E731
    assert fields(english) == fields(spanish)


def test_translation_fills_placeholders_and_falls_back():
    assert i18n.t("Link: {note}", "es", note="x") == "Enlace: x"
    assert i18n.t("Link: {note}", "en", note="x") == "Link: x"
    assert i18n.t("a string nobody translated", "es") == "a string nobody translated"


@pytest.mark.parametrize(
    "query, accept, expected",
    [("es", None, "es"), ("en", "es-MX", "en"), (None, "es-MX", "es"), (None, "fr-FR", "en"), ("xx", None, "en")],
)
def test_language_choice(query, accept, expected):
    assert i18n.pick(query, accept) == expected


def test_numbers_and_dates_follow_the_language():
    from datetime import date

    assert i18n.num(1234567, "en") == "1,234,567"
    assert i18n.pct(0.45, "es") == "45 %" or re.fullmatch(r"45\s?%", i18n.pct(0.45, "es"))
    assert "marzo" in i18n.day(date(2026, 3, 5), "es", "long")
