"""Contribute: draft a mapping from an uploaded file, edit it in the page, validate with it, preview records."""

from __future__ import annotations

from support import page_app, sign_in

from dashboard import auth

PASSWORD = "correct horse battery"
CONTRIBUTORS = {"alice": {"name": "Alice Example", "password_hash": auth.hash_password(PASSWORD, n=2**10)}}
POLICE_CSV = (
    b"IncidentNum,Occurred,Location,Taser Used,OC Spray,Officer Badge,Shift\n"
    b'A-1,01/09/2013 12:00:00 AM,"100 Main St (44.9801, -93.2702)",Yes,No,B17,Day\n'
    b'A-2,01/10/2013 03:15:00 PM,"5 Lake St (44.9480, -93.2900)",Yes,Yes,B17,Night\n'
    b'A-3,01/11/2013 09:00:00 AM,"9 Oak Av (44.9600, -93.2500)",No,No,B30,Day\n'
)
FILLED = {
    'agencies: ""': 'agencies: "unknown federal"',
    'verification: ""': 'verification: "documented"',
    'sources: ""': 'sources: "Test police | https://example.org/uof"',
    'encounter_type: ""': 'encounter_type: "other"',
}


def _signed_in_with_upload():
    at = page_app("contribute")
    at.secrets["contributors"] = CONTRIBUTORS
    at.run()
    sign_in(at, "alice", PASSWORD)
    at.selectbox(key="contribute_dataset").set_value("+ a new dataset").run()
    at.text_input(key="contribute_new_name").input("police-test").run()
    at.selectbox(key="contribute_mapping").set_value("my own mapping: draft it from the file and edit it here").run()
    at.get("file_uploader")[0].set_value(("police.csv", POLICE_CSV, "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_draft_edit_validate_and_preview_on_the_page(root):
    at = _signed_in_with_upload()
    assert not at.metric  # nothing is checked before a mapping is applied
    at.button(key="contribute_draft_mapping").click().run()
    drafted = at.text_area(key="contribute_mapping_text").value
    assert "Drafted by `encounters mapping draft` from police.csv" in drafted
    assert '"Taser Used": "taser"' in drafted and 'exclude: ["Officer Badge"]' in drafted
    assert any(b.label == "Download the mapping (YAML)" for b in at.get("download_button"))

    at.button(key="contribute_apply_mapping").click().run()  # the raw draft: constants still to fill in
    assert not at.exception, at.exception
    assert _metrics(at)["Rows in"] == "3" and _metrics(at)["Valid"] == "0"

    edited = drafted
    for old, new in FILLED.items():
        edited = edited.replace(old, new)
    at.text_area(key="contribute_mapping_text").input(edited).run()
    at.button(key="contribute_apply_mapping").click().run()
    assert not at.exception, at.exception
    assert _metrics(at)["Valid"] == "3", [e.value for e in at.error]

    at.number_input(key="contribute_preview_n").set_value(2).run()
    sources = [d.value for d in at.dataframe if list(d.value.columns) == ["source column", "value"]]
    records = [d.value for d in at.dataframe if list(d.value.columns) == ["record column", "value"]]
    assert len(sources) == len(records) == 2
    assert "Officer Badge" not in sources[0]["source column"].tolist()  # excluded: never shown
    record = dict(zip(records[0]["record column"], records[0]["value"], strict=True))
    assert record["date"] == "2013-01-09" and record["force_types"] == "taser"
    assert record["latitude"] == "44.9801"


def test_a_new_dataset_without_a_license_is_warned_about(root):
    at = _signed_in_with_upload()
    at.button(key="contribute_draft_mapping").click().run()
    edited = at.text_area(key="contribute_mapping_text").value
    for old, new in FILLED.items():
        edited = edited.replace(old, new)
    at.text_area(key="contribute_mapping_text").input(edited).run()
    at.button(key="contribute_apply_mapping").click().run()
    assert any(w.value.startswith("No license given") for w in at.warning)
    at.text_input(key="contribute_new_license").input("Public domain").run()
    assert not any(w.value.startswith("No license given") for w in at.warning)
