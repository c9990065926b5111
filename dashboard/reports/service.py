"""Reports: what the Report page files, and what contributors do with it (review, accept, reject).

Nothing here reaches the public pages: a report becomes public only when a contributor accepts it, and
then as a record published through the usual validate, clean, diff and publish path.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from dashboard import store
from dashboard.reports import db, place_grid
from dashboard.reports import rules as r
from dashboard.reports.model import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    STATUSES,
    Accepted,
    Event,
    NewEncounter,
    Report,
    id_of,
    ref_of,
)
from dashboard.reports.rules import ReportError, ReportRefused
from dashboard.reports.tables import filing_log, report_contacts, report_events, reports
from dashboard.schema import load_schema

CLAIM_SECONDS = 600  # a contributor's unfinished accept (killed mid-publish) stops blocking others after this


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # stored naive, in UTC, the same way on both databases


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class Reports:
    """The reports database. Open it with open_reports(data_dir)."""

    def __init__(self, engine: sa.Engine, data_dir: Path | None, rules: r.Rules | None = None):
        self.engine = engine
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.rules = rules or r.load_rules()

    def close(self) -> None:
        self.engine.dispose()

    # ---- the public: filing ------------------------------------------------------------------------
    def file_new(self, report: NewEncounter, client: str) -> str:
        """Store a visitor's report of an encounter; returns its reference (R-000123). Raises ReportRefused."""
        rules = self.rules
        self._check_honeypot(report.honeypot)
        date_from, date_to = r.check_dates(report.date_from, report.date_to, date.today())
        r.date_precision(date_from, date_to, rules)
        latitude, longitude = r.check_point(report.latitude, report.longitude)
        if latitude is not None:  # rounded, however it was given, so that no report pinpoints a home
            latitude, longitude = place_grid.snap(latitude, longitude, rules.point_grid_m)
        values = {
            "kind": "new",
            "date_from": date_from,
            "date_to": date_to,
            "city": r.check_text("city", report.city, rules),
            "state": r.check_state(report.state, rules),
            "latitude": latitude,
            "longitude": longitude,
            "what_happened": r.check_text("what_happened", report.what_happened, rules, required=True),
            "force_seen": list(r.check_terms("force_seen", report.force_seen, rules)),
            "agencies": list(r.check_terms("agencies", report.agencies, rules)),
            "links": list(r.check_links(report.links, rules)),
        }
        if not values["state"] and latitude is None:
            raise ReportRefused("no_place")
        contact = r.check_text("contact", report.contact, rules)
        return self._insert(values, contact, self._client(client))

    def file_correction(
        self,
        dataset: str,
        encounter_id: str,
        field: str,
        what_is_wrong: str,
        source_url: str,
        contact: str,
        client: str,
        honeypot: str = "",
    ) -> str:
        """Store a visitor's correction of a published record; returns its reference. Raises ReportRefused."""
        rules = self.rules
        self._check_honeypot(honeypot)
        dataset = r.check_text("dataset", dataset, rules, required=True)
        encounter_id = r.check_text("encounter_id", encounter_id, rules, required=True)
        field = r.check_text("field", field, rules, required=True)
        if field not in r.correctable_fields(rules):
            raise ReportRefused("unknown_field", field=field)
        self._check_record(dataset, encounter_id)
        values = {
            "kind": "correction",
            "dataset": dataset,
            "encounter_id": encounter_id,
            "field": field,
            "what_is_wrong": r.check_text("what_is_wrong", what_is_wrong, rules, required=True),
            "source_url": r.check_link(r.check_text("source_url", source_url, rules, required=True), rules, "source"),
        }
        contact = r.check_text("contact", contact, rules)
        return self._insert(values, contact, self._client(client))

    def _client(self, client: str) -> str:
        if not client or not str(client).strip():
            # the page's mistake, not the visitor's: without a key every visitor would share one limit
            raise ValueError("file_new/file_correction need the client's key (a hash of its address or session)")
        return r.check_text("client", client, self.rules)

    def _check_honeypot(self, honeypot: str | None) -> None:
        if honeypot and str(honeypot).strip():
            raise ReportRefused("honeypot")  # polite and vague: a bot learns nothing, nothing is stored

    def _check_record(self, dataset: str, encounter_id: str) -> None:
        if self.data_dir is None:
            return
        try:
            ids = store.published_ids(self.data_dir, dataset)
        except store.StoreError:
            ids = None
        if ids is None or ids.empty or not (ids == encounter_id).any():
            raise ReportRefused("unknown_record", encounter_id=encounter_id[:120], dataset=dataset[:100])
        if store.read_metadata(self.data_dir, dataset).get("demonstration"):
            raise ReportRefused("demonstration")

    def _insert(self, values: dict, contact: str, client: str) -> str:
        rules = self.rules
        now = _utcnow()
        since = now - timedelta(seconds=rules.window_seconds)
        with self.engine.begin() as conn:
            db.lock(conn, f"encounters-reports-client:{client}")  # one client's filings, one at a time
            conn.execute(sa.delete(filing_log).where(filing_log.c.at <= since))
            recent = conn.execute(
                sa.select(sa.func.count()).select_from(filing_log).where(filing_log.c.client == client)
            ).scalar_one()
            if recent >= rules.reports_per_window:
                raise ReportRefused("rate_limit", count=recent)
            conn.execute(sa.insert(filing_log).values(client=client, at=now))
            report_id = conn.execute(
                sa.insert(reports).values(status="new", created_at=now, **values).returning(reports.c.id)
            ).scalar_one()
            if contact.strip():
                conn.execute(sa.insert(report_contacts).values(report_id=report_id, contact=contact))
            conn.execute(sa.insert(report_events).values(report_id=report_id, at=now, who="visitor", action="filed"))
        return ref_of(report_id)

    # ---- contributors: reading ---------------------------------------------------------------------
    def list(self, status: str | None = None) -> list[Report]:
        """Reports, oldest first (a queue); only those with this status when given."""
        if status is not None and status not in STATUSES:
            raise ReportError(f'"{status}" is not a status; use one of {", ".join(STATUSES)}')
        query = sa.select(reports).order_by(reports.c.id)
        if status is not None:
            query = query.where(reports.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
            return self._reports(conn, rows)

    def get(self, ref: str) -> Report:
        with self.engine.connect() as conn:
            return self._reports(conn, [self._row(conn, ref)])[0]

    def counts(self) -> dict[str, int]:
        """received (all), accepted, rejected, open (new or in review): for the Methodology page."""
        with self.engine.connect() as conn:
            by_status = dict(
                conn.execute(sa.select(reports.c.status, sa.func.count()).group_by(reports.c.status)).all()
            )
        return {
            "received": sum(by_status.values()),
            "accepted": by_status.get("accepted", 0),
            "rejected": by_status.get("rejected", 0),
            "open": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        }

    def contact(self, ref: str, who: str) -> str | None:
        """The reporter's contact (None: none given, or deleted on closing). The reading is recorded."""
        who = self._who(who)
        with self.engine.begin() as conn:
            row = self._row(conn, ref)
            value = conn.execute(
                sa.select(report_contacts.c.contact).where(report_contacts.c.report_id == row["id"])
            ).scalar_one_or_none()
            if value is not None:
                conn.execute(
                    sa.insert(report_events).values(report_id=row["id"], at=_utcnow(), who=who, action="contact_read")
                )
        return value

    def _row(self, conn: sa.Connection, ref: str):
        report_id = id_of(ref)
        row = (
            None
            if report_id is None
            else conn.execute(sa.select(reports).where(reports.c.id == report_id)).mappings().first()
        )
        if row is None:
            raise ReportError(f'there is no report "{str(ref)[:40]}"')
        return row

    def _reports(self, conn: sa.Connection, rows) -> list[Report]:
        ids = [row["id"] for row in rows]
        events: dict[int, list[Event]] = {i: [] for i in ids}
        contacts: set[int] = set()
        for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
            for e in conn.execute(
                sa.select(report_events).where(report_events.c.report_id.in_(chunk)).order_by(report_events.c.id)
            ).mappings():
                events[e["report_id"]].append(Event(_aware(e["at"]), e["who"], e["action"], e["note"] or ""))
            contacts |= set(
                conn.execute(
                    sa.select(report_contacts.c.report_id).where(report_contacts.c.report_id.in_(chunk))
                ).scalars()
            )
        return [_report(row, tuple(events[row["id"]]), row["id"] in contacts) for row in rows]

    # ---- contributors: deciding --------------------------------------------------------------------
    def start_review(self, ref: str, who: str) -> Report:
        """Mark an open report as being reviewed (by who)."""
        who = self._who(who)
        with self.engine.begin() as conn:
            row = self._open_row(conn, ref)
            conn.execute(sa.update(reports).where(reports.c.id == row["id"]).values(status="in_review"))
            conn.execute(
                sa.insert(report_events).values(report_id=row["id"], at=_utcnow(), who=who, action="in_review")
            )
        return self.get(ref)

    def reject(self, ref: str, who: str, reason: str) -> Report:
        """Close a report without publishing anything; the reason is kept and the contact deleted."""
        who = self._who(who)
        reason = r.check_text("reason", reason, self.rules, required=True)
        with self.engine.begin() as conn:
            row = self._open_row(conn, ref)
            self._close(conn, row["id"], who, "rejected", reason, rejection_reason=reason)
        if row["kind"] == "correction" and self.data_dir is not None and row["dataset"]:
            self._audit(
                row["dataset"], {"action": "reject report", "report": ref_of(row["id"]), "who": who, "reason": reason}
            )
        return self.get(ref)

    def draft(self, ref: str, data_dir: Path, dataset: str | None = None, overrides: dict | None = None):
        """The record accepting would publish, and its problems, without publishing (publishing.Draft)."""
        from dashboard.reports import publishing

        report = self.get(ref)
        row = self._drafted_row(report, Path(data_dir), dataset, overrides)
        return publishing.check_draft(dataset or report.dataset, row)

    def accept(
        self, ref: str, who: str, data_dir: Path, dataset: str | None = None, overrides: dict | None = None
    ) -> Accepted:
        """Publish what the report says: a new record (verification reported) in `dataset`, or the corrected
        field of the record it names (its value from overrides[field]). Raises publishing.DraftInvalid with
        every problem when the record cannot be published (nothing is), ReportError when it is not open."""
        from dashboard.reports import publishing

        who = self._who(who)
        data_dir = Path(data_dir)
        report = self._claim(ref, who)
        try:
            target = dataset if report.kind == "new" else report.dataset
            if report.kind == "correction" and dataset and dataset != report.dataset:
                raise ReportError(f"{ref} corrects a record of {report.dataset}, not of {dataset}")
            if not target:
                raise ReportError(f"say which dataset {ref} is to be published in (--dataset)")
            if store.read_metadata(data_dir, target).get("demonstration"):
                raise ReportError(
                    f"{target} holds fictional demonstration records; a report belongs in a dataset of real ones"
                )
            row = self._drafted_row(report, data_dir, target, overrides)
            action = "accept report" if report.kind == "new" else "accept correction"
            manifest = publishing.publish_record(data_dir, target, row, report.ref, who, action)
        except (store.StoreError, store.PublishBusy) as exc:  # a dataset name that cannot be, a busy dataset
            self._unclaim(report.ref)
            raise ReportError(str(exc)) from exc
        except BaseException:
            self._unclaim(report.ref)
            raise
        changed = self._fields_changed(data_dir, target, manifest, row)
        note = f"{target} / {row['encounter_id']} version {manifest['version']}"
        with self.engine.begin() as conn:
            self._close(
                conn,
                id_of(report.ref),
                who,
                "accepted",
                note,
                dataset=target,
                encounter_id=row["encounter_id"],
                published_version=manifest["version"],
            )
        return Accepted(report.ref, target, row["encounter_id"], manifest["version"], changed, manifest)

    def _drafted_row(self, report: Report, data_dir: Path, dataset: str | None, overrides: dict | None) -> dict:
        from dashboard.reports import publishing  # pandas, the pipeline: only for contributors, not for filing

        today = date.today()
        if report.kind == "new":
            return publishing.apply_overrides(publishing.draft_new(report, self.rules, today), overrides, self.rules)
        if report.field not in (overrides or {}):
            raise ReportError(
                f"{report.ref} says {report.field} of {report.encounter_id} is wrong; give the corrected value "
                f"(--set {report.field}=VALUE)"
            )
        records = store.load_records(data_dir, report.dataset)
        text = publishing.records_as_text(records[records["encounter_id"] == report.encounter_id], load_schema())
        if text.empty:
            raise ReportError(f"{report.dataset} no longer has a record {report.encounter_id}; reject {report.ref}")
        row = {k: v for k, v in text.iloc[0].items() if k != "_row"}
        row = publishing.edit_for_correction(row, report, today)
        return publishing.apply_overrides(row, overrides, self.rules)

    @staticmethod
    def _fields_changed(data_dir: Path, dataset: str, manifest: dict, row: dict) -> tuple[str, ...]:
        import pandas as pd

        changes = pd.read_parquet(store.version_dir(data_dir, dataset, manifest["version"]) / "changes.parquet")
        mine = changes[changes["encounter_id"] == row["encounter_id"]]
        if mine.empty:
            return ()
        if mine.iloc[0]["change"] == "added":
            return ("added",)
        return tuple(f for f in str(mine.iloc[0]["fields"]).split(", ") if f)

    def _claim(self, ref: str, who: str) -> Report:
        """Take an open report for accepting, so that two contributors cannot publish it twice."""
        now = _utcnow()
        stale = now - timedelta(seconds=CLAIM_SECONDS)
        with self.engine.begin() as conn:
            row = self._open_row(conn, ref)
            taken = conn.execute(
                sa.update(reports)
                .where(reports.c.id == row["id"], reports.c.status.in_(OPEN_STATUSES))
                .where(sa.or_(reports.c.claimed_by.is_(None), reports.c.claimed_at < stale))
                .values(claimed_by=who, claimed_at=now)
            ).rowcount
        if not taken:
            raise ReportError(f"{ref_of(row['id'])} is being accepted by {row['claimed_by']} right now")
        return self.get(ref)

    def _unclaim(self, ref: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.update(reports).where(reports.c.id == id_of(ref)).values(claimed_by=None, claimed_at=None))

    def _open_row(self, conn: sa.Connection, ref: str):
        row = self._row(conn, ref)
        if row["status"] in CLOSED_STATUSES:
            raise ReportError(f"{ref_of(row['id'])} is already {row['status']}; nothing was changed")
        return row

    def _close(self, conn: sa.Connection, report_id: int, who: str, status: str, note: str, **values) -> None:
        """Accepted or rejected: the status, the outcome, the event, and the contact deleted, in one transaction."""
        conn.execute(
            sa.update(reports)
            .where(reports.c.id == report_id)
            .values(status=status, claimed_by=None, claimed_at=None, **values)
        )
        conn.execute(sa.delete(report_contacts).where(report_contacts.c.report_id == report_id))
        conn.execute(
            sa.insert(report_events).values(report_id=report_id, at=_utcnow(), who=who, action=status, note=note)
        )

    def _audit(self, dataset: str, entry: dict) -> None:
        # a correction naming a dataset that is gone: the report's own history still says it
        with contextlib.suppress(store.StoreError):
            store.append_audit(self.data_dir, dataset, entry)

    def _who(self, who: str) -> str:
        return r.check_text("who", who, self.rules, required=True).strip()


def _report(row, history: tuple[Event, ...], has_contact: bool) -> Report:
    return Report(
        ref=ref_of(row["id"]),
        kind=row["kind"],
        status=row["status"],
        created_at=_aware(row["created_at"]),
        date_from=row["date_from"],
        date_to=row["date_to"],
        city=row["city"] or "",
        state=row["state"] or "",
        latitude=row["latitude"],
        longitude=row["longitude"],
        what_happened=row["what_happened"] or "",
        force_seen=tuple(row["force_seen"] or ()),
        agencies=tuple(row["agencies"] or ()),
        links=tuple(row["links"] or ()),
        dataset=row["dataset"] or "",
        encounter_id=row["encounter_id"] or "",
        field=row["field"] or "",
        what_is_wrong=row["what_is_wrong"] or "",
        source_url=row["source_url"] or "",
        published_version=row["published_version"],
        rejection_reason=row["rejection_reason"] or "",
        has_contact=has_contact,
        history=history,
    )


def open_reports(data_dir: Path | None) -> Reports:
    """The reports database: <data_dir>/reports.sqlite3, or ENCOUNTERS_DATABASE_URL when set; migrated to
    the newest schema on opening (idempotent; safe when several processes open it at once)."""
    engine = db.make_engine(db.database_url(data_dir))
    db.upgrade(engine)
    return Reports(engine, data_dir)
