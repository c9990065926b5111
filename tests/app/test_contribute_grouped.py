"""The Contribute page with a mapping that groups rows into encounters: the accounting says how the rows
add up (rows in, encounters out), and the published message repeats it (issue 15)."""

from __future__ import annotations

from test_contribute import contribute_app, metrics, upload

from dashboard import store

# Seattle's use-of-force layout: one row per officer per subject; incident 7 has 2 officers x 2 subjects.
SEATTLE = (
    "ID,Incident_Num,Incident_Type,Occured_date_time,Precinct,Sector,Beat,Officer_ID,Subject_ID,Subject_Race,Subject_Gender\n"
    "2020UOF-1-1-1,7,Level 1 - Use of Force,06/07/2020 12:09:00 AM,East,C,C2,1,11,Black or African American,Male\n"
    "2020UOF-1-2-1,7,Level 1 - Use of Force,06/07/2020 12:09:00 AM,East,C,C2,2,11,Black or African American,Male\n"
    "2020UOF-1-1-2,7,Level 1 - Use of Force,06/07/2020 12:09:00 AM,East,C,C2,1,12,White,Female\n"
    "2020UOF-1-2-2,7,Level 1 - Use of Force,06/07/2020 12:09:00 AM,East,C,C2,2,12,White,Female\n"
    "2020UOF-2-3-3,8,Level 2 - Use of Force,06/08/2020 02:06:00 PM,West,D,D1,3,13,Not Specified,Male\n"
)


def test_grouped_rows_are_accounted_for_on_the_page(root):  # noqa: F811
    at = contribute_app(sign_in=True)
    at.selectbox(key="contribute_dataset").set_value("+ a new dataset").run()
    at.text_input(key="contribute_new_name").input("seattle-sample").run()
    at.selectbox(key="contribute_mapping").set_value("seattle-uof.yaml").run()
    upload(at, SEATTLE.encode(), "Use_Of_Force.csv")
    assert (metrics(at)["Rows in"], metrics(at)["Valid"], metrics(at)["Invalid"]) == ("5", "2", "0")
    texts = [t.value for t in at.tabs[0].text]
    assert "rows in: 5 = 5 rows grouped into 2 encounters (2 valid + 0 invalid)" in texts
    at.button(key="contribute_publish").click().run()
    assert "rows in 5 = 5 rows grouped into encounters: published 2 + quarantined 0" in at.success[0].value
    records = store.load_records(root, "seattle-sample")
    assert records.set_index("encounter_id")["people_affected"].astype(int).to_dict() == {
        "SPD-UOF-7": 2,
        "SPD-UOF-8": 1,
    }
