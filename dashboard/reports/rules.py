"""What a visitor may file: limits from data/reference/reports.yaml, and one refusal per broken rule.

Every refusal says what to change, in English; its `key` is that English template, which the page
translates with dashboard.i18n.t(key, lang, **params) (the same way as every other string).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from dashboard.paths import REFERENCE_DIR
from dashboard.schema import load_schema

RULES_FILE = REFERENCE_DIR / "reports.yaml"


def tr(text: str) -> str:
    """Mark a message for the catalog (tests/test_i18n.py checks it has a Spanish translation)."""
    return text


# reason -> the English message (its key for translation). {placeholders} are filled from params.
MESSAGES = {
    "rate_limit": tr(
        "You have sent {count} reports within the last hour, the most we accept from one visitor. "
        "Please wait a while and send this one again; nothing you sent before is lost."
    ),
    "honeypot": tr("Your report could not be sent. Please try again later."),
    "required": tr("Please fill in: {field}."),
    "too_long": tr("{field} is {length} characters long; at most {most} fit. Please shorten it."),
    "too_many": tr("{field} has {count} entries; at most {most} are accepted."),
    "link_scheme": tr("{link} is not a web address; links must start with http:// or https://."),
    "link_invalid": tr("{link} is not a usable web address (no spaces, quotes or angle brackets)."),
    "unknown_value": tr('"{value}" is not one of the values offered for {field}.'),
    "unknown_field": tr('"{field}" is not a field of the record that can be corrected.'),
    "unknown_state": tr('"{value}" is not a US state code (two letters, such as MN).'),
    "unknown_record": tr("There is no record {encounter_id} in the dataset {dataset}."),
    "bad_point": tr("Give both latitude and longitude, within -90 to 90 and -180 to 180, or neither."),
    "no_place": tr("Please say where it happened: a state (and city if known), or a point on the map."),
    "future_date": tr("The date {value} is in the future."),
    "bad_character": tr(
        "{field} holds a character that cannot be stored (such as a null character); please remove it."
    ),
    "bad_date": tr('"{value}" is not a date; write it as 2025-06-14.'),
    "demonstration": tr("This record is fictional (demonstration data): there is nothing to correct."),
    "date_order": tr("The range ends ({date_to}) before it starts ({date_from})."),
    "date_span": tr("A date range must lie within one calendar year; give the part you are sure of."),
}


# field -> its name in a message (translated like the message). Fields not listed are named as they are.
FIELD_LABELS = {
    "date": tr("the date"),
    "city": tr("the city"),
    "state": tr("the state"),
    "what_happened": tr("what happened"),
    "force_seen": tr("the force seen"),
    "agencies": tr("the agencies"),
    "links": tr("the links"),
    "contact": tr("your contact"),
    "dataset": tr("the dataset"),
    "encounter_id": tr("the record"),
    "field": tr("the field to correct"),
    "what_is_wrong": tr("what is wrong"),
    "source_url": tr("the source"),
    "source": tr("the source"),
    "client": tr("the visitor's key"),
    "who": tr("the contributor's name"),
    "reason": tr("the reason"),
    "honeypot": tr("the hidden field"),
}


class ReportError(ValueError):
    """A contributor's action that cannot be done (unknown report, already closed...)."""


class ReportRefused(ReportError):
    """A report that is not stored, and why. str(exc) is the English message; `key` and `params` translate it;
    `reason` is a short code (rate_limit, too_long, honeypot...) for the page's own logic."""

    def __init__(self, reason: str, **params):
        self.reason = reason
        self.key = MESSAGES[reason]
        self.field = params.get("field", "")  # the field at fault (what_happened...), "" when none
        self.params = params  # as given: params["field"] is the field's name in code (what_happened)
        super().__init__(self.message("en"))

    def message(self, lang: str = "en", labels: dict | None = None) -> str:
        """The refusal in the visitor's language: t(key), the field named in words (labels: a page's own
        names for its fields, English, translated here; else FIELD_LABELS)."""
        from dashboard.i18n import t

        params = dict(self.params)
        if "field" in params:
            params["field"] = t({**FIELD_LABELS, **(labels or {})}.get(params["field"], params["field"]), lang)
        return _sentence(t(self.key, lang, **params))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


class DraftInvalid(ReportError):
    """The drafted or edited record has problems; nothing was published. `problems`: (column, value, reason)."""

    def __init__(self, ref: str, problems: list[tuple[str, str, str]], row: dict[str, str]):
        self.ref = ref
        self.problems = problems
        self.row = row
        lines = "; ".join(f'{c} "{v}": {r}' if v else f"{c}: {r}" for c, v, r in problems)
        super().__init__(
            f"{ref} cannot be published as it stands ({lines}). Nothing was published; "
            "set the value of each column named (encounters reports accept ... --set column=value)."
        )


@dataclass(frozen=True)
class Rules:
    reports_per_window: int
    window_seconds: int
    max_length: dict = field(hash=False)
    links_max_count: int
    link_max_length: int
    link_schemes: tuple[str, ...]
    lists: dict = field(hash=False)
    date_range: tuple = ()
    draft: dict = field(default_factory=dict, hash=False)
    not_correctable: tuple[str, ...] = ()
    point_grid_m: float = 500.0  # a visitor's point is stored rounded to this grid (place_grid.snap)


@lru_cache(maxsize=2)
def load_rules(path=RULES_FILE) -> Rules:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return Rules(
        reports_per_window=int(raw["rate_limit"]["reports"]),
        window_seconds=int(raw["rate_limit"]["window_seconds"]),
        max_length={k: int(v) for k, v in raw["max_length"].items()},
        links_max_count=int(raw["links"]["max_count"]),
        link_max_length=int(raw["links"]["max_length"]),
        link_schemes=tuple(raw["links"]["schemes"]),
        lists=dict(raw["lists"]),
        date_range=tuple(raw["date_range"]),
        draft=dict(raw["draft"]),
        not_correctable=tuple(raw.get("not_correctable") or ()),
        point_grid_m=float(raw["point_grid_m"]),
    )


def check_text(name: str, value: str | None, rules: Rules, required: bool = False) -> str:
    """The text as given ("" for None): never rewritten, only measured."""
    text = "" if value is None else str(value)
    if required and not text.strip():
        raise ReportRefused("required", field=name)
    if "\x00" in text or not _encodable(text):  # PostgreSQL cannot store NUL; nothing can store a lone surrogate
        raise ReportRefused("bad_character", field=name)
    most = rules.max_length[name]  # KeyError: a field without a limit is a programming error, not a visitor's
    if len(text) > most:
        raise ReportRefused("too_long", field=name, length=len(text), most=most)
    return text


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_link(link: str, rules: Rules, name: str = "links") -> str:
    text = str(link).strip()
    shown = text if len(text) <= 80 else text[:77] + "..."
    if len(text) > rules.link_max_length:
        raise ReportRefused("too_long", field=name, length=len(text), most=rules.link_max_length)
    try:
        parts = urlsplit(text)
    except ValueError:
        raise ReportRefused("link_invalid", link=shown) from None
    if parts.scheme.lower() not in rules.link_schemes:
        raise ReportRefused("link_scheme", link=shown)
    # the characters the record's sources column refuses (schema validation) are refused here already
    if not parts.netloc or any(c.isspace() or c in '|<>"' or ord(c) < 32 or ord(c) == 127 for c in text):
        raise ReportRefused("link_invalid", link=shown)
    return text


def check_links(links, rules: Rules) -> tuple[str, ...]:
    links = [str(x) for x in (links or ()) if str(x).strip()]
    if len(links) > rules.links_max_count:
        raise ReportRefused("too_many", field="links", count=len(links), most=rules.links_max_count)
    return tuple(check_link(x, rules) for x in links)


def check_terms(name: str, values, rules: Rules) -> tuple[str, ...]:
    spec = rules.lists[name]
    values = [str(x) for x in (values or ()) if str(x).strip()]
    if len(values) > spec["max_count"]:
        raise ReportRefused("too_many", field=name, count=len(values), most=spec["max_count"])
    allowed = load_schema().taxonomies[spec["taxonomy"]].values
    for value in values:
        if value not in allowed:
            raise ReportRefused("unknown_value", value=value[:80], field=name)
    return tuple(dict.fromkeys(values))  # each once, in the order given


def check_state(value: str | None, rules: Rules) -> str:
    text = check_text("state", (value or "").strip().upper(), rules)
    if text and text not in load_schema().taxonomies["states"].values:
        raise ReportRefused("unknown_state", value=text)
    return text


def check_point(latitude, longitude) -> tuple[float | None, float | None]:
    if latitude is None and longitude is None:
        return None, None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise ReportRefused("bad_point") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ReportRefused("bad_point")
    return lat, lon


def as_date(value) -> date | None:
    """A date from a date picker (date), a datetime, or ISO text; None when not given."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ReportRefused("bad_date", value=str(value)[:40]) from None


def check_dates(date_from, date_to, today: date) -> tuple[date, date | None]:
    date_from, date_to = as_date(date_from), as_date(date_to)
    if date_from is None:
        raise ReportRefused("required", field="date")
    for d in (date_from, date_to):
        if d is not None and d > today:
            raise ReportRefused("future_date", value=d.isoformat())
    if date_to is not None and date_to < date_from:
        raise ReportRefused("date_order", date_from=date_from.isoformat(), date_to=date_to.isoformat())
    if date_to is not None and date_to.year != date_from.year:
        raise ReportRefused("date_span")
    return date_from, (None if date_to == date_from else date_to)


def date_precision(date_from: date, date_to: date | None, rules: Rules) -> str:
    """The finest precision (rules.date_range, in order) whose span covers the range."""
    end = date_to or date_from
    for step in rules.date_range:
        if "days" in step and end - date_from <= timedelta(days=step["days"]):
            return step["precision"]
        if step.get("same") == "month" and (end.year, end.month) == (date_from.year, date_from.month):
            return step["precision"]
        if step.get("same") == "year" and end.year == date_from.year:
            return step["precision"]
    raise ReportRefused("date_span")


def correctable_fields(rules: Rules) -> tuple[str, ...]:
    """The record's columns a correction may name (those a contributor types in, in schema order)."""
    return tuple(c.name for c in load_schema().input_columns if c.name not in rules.not_correctable)
