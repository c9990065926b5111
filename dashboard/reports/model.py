"""The values the reports package takes and gives: what a visitor files, what a contributor reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

KINDS = ("new", "correction")
STATUSES = ("new", "in_review", "accepted", "rejected")
OPEN_STATUSES = ("new", "in_review")
CLOSED_STATUSES = ("accepted", "rejected")


@dataclass
class NewEncounter:
    """A visitor's report of an encounter, as typed on the Report page (or in a test)."""

    date_from: date | None
    date_to: date | None = None  # a range: the encounter happened between date_from and date_to
    city: str = ""
    state: str = ""  # USPS code (MN)
    latitude: float | None = None  # a point on the map, instead of (or as well as) city and state
    longitude: float | None = None
    what_happened: str = ""
    force_seen: list[str] = field(default_factory=list)  # force_types taxonomy values
    agencies: list[str] = field(default_factory=list)  # agencies taxonomy values, if known
    links: list[str] = field(default_factory=list)  # http(s) addresses of videos or reports
    contact: str = ""  # optional; never public, deleted when the report is closed
    honeypot: str = ""  # the hidden field: people leave it empty, bots fill it


@dataclass(frozen=True)
class Event:
    at: datetime  # UTC
    who: str
    action: str  # filed | in_review | accepted | rejected | contact_read
    note: str = ""


@dataclass(frozen=True)
class Report:
    """One report as a contributor sees it (never its contact: see Reports.contact)."""

    ref: str  # R-000123
    kind: str  # new | correction
    status: str  # new | in_review | accepted | rejected
    created_at: datetime  # UTC
    # a new encounter
    date_from: date | None = None
    date_to: date | None = None
    city: str = ""
    state: str = ""
    latitude: float | None = None
    longitude: float | None = None
    what_happened: str = ""
    force_seen: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    # a correction: the record it is about; an accepted new report: the record it became
    dataset: str = ""
    encounter_id: str = ""
    field: str = ""
    what_is_wrong: str = ""
    source_url: str = ""
    # the outcome
    published_version: int | None = None  # the dataset version that published it (accepted)
    rejection_reason: str = ""
    has_contact: bool = False  # whether a contact is stored (its value only through Reports.contact)
    history: tuple[Event, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def resolution(self) -> str:
        """What became of it: "reported-2025-2026 / R-000123 (version 7)", the rejection reason, or ""."""
        if self.status == "accepted":
            return f"{self.dataset} / {self.encounter_id} (version {self.published_version})"
        if self.status == "rejected":
            return self.rejection_reason
        return ""


@dataclass(frozen=True)
class Accepted:
    ref: str
    dataset: str
    encounter_id: str
    version: int  # the dataset version that holds the change
    fields: tuple[str, ...]  # the record's columns that changed ("added" for a new record: all of them)
    manifest: dict = field(hash=False, compare=False, default_factory=dict)


@dataclass(frozen=True)
class Draft:
    """The record a report would publish, as canonical text, and what validation says of it."""

    dataset: str
    encounter_id: str
    row: dict  # column -> text, the record's input columns
    problems: tuple[tuple[str, str, str], ...]  # (column, value, reason); empty when it can be published


def ref_of(report_id: int) -> str:
    return f"R-{report_id:06d}"


def id_of(ref: str) -> int | None:
    text = str(ref).strip().upper()
    if text.startswith("R-") and text[2:].isdigit():
        return int(text[2:])
    if text.isdigit():
        return int(text)
    return None
