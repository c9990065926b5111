"""Visitors' reports of encounters and of corrections, and their review (issue 18). No Streamlit here.

reports = open_reports(data_dir)            # SQLite in data_dir, or ENCOUNTERS_DATABASE_URL
ref = reports.file_new(NewEncounter(...), client="<hash of the visitor's address>")
reports.accept(ref, who="ana", data_dir=data_dir, dataset="reported-2025-2026")
"""

from dashboard.reports.model import Accepted, Draft, Event, NewEncounter, Report
from dashboard.reports.rules import MESSAGES, DraftInvalid, ReportError, ReportRefused, correctable_fields, load_rules
from dashboard.reports.service import Reports, open_reports

__all__ = [
    "MESSAGES",
    "Accepted",
    "Draft",
    "DraftInvalid",
    "Event",
    "NewEncounter",
    "Report",
    "ReportError",
    "ReportRefused",
    "Reports",
    "correctable_fields",
    "load_rules",
    "open_reports",
]
