"""schema.yaml and taxonomies.yaml are the one authority on the record: a fault in either is refused
when they load, with a message naming the file, the column (or taxonomy) and the key."""

from __future__ import annotations

import pytest
import yaml
from support import REPO

from dashboard.schema import SchemaError, load_schema

REFERENCE = REPO / "data" / "reference"


def copy_with(tmp_path, edit_schema=None, edit_taxonomies=None):
    for name, edit in (("schema.yaml", edit_schema), ("taxonomies.yaml", edit_taxonomies)):
        doc = yaml.safe_load((REFERENCE / name).read_text(encoding="utf-8"))
        if edit:
            edit(doc)
        (tmp_path / name).write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return tmp_path


def column(doc, name):
    return next(c for c in doc["columns"] if c["name"] == name)


FAULTS = [
    pytest.param(
        lambda d: column(d, "city").update(public=False),
        None,
        ["schema.yaml", "column city", "unknown key", "public"],
        id="unknown-column-key",
    ),
    pytest.param(
        lambda d: column(d, "city").update(kind="string"),
        None,
        ["schema.yaml", "column city", "key kind", "string"],
        id="unknown-kind",
    ),
    pytest.param(
        lambda d: column(d, "latitude").update(min=95),
        None,
        ["schema.yaml", "column latitude", "key min (95)", "key max (90)"],
        id="min-above-max",
    ),
    pytest.param(
        lambda d: d["columns"].append(dict(column(d, "city"))),
        None,
        ["schema.yaml", "column city", "defined twice"],
        id="duplicated-column",
    ),
    pytest.param(
        lambda d: column(d, "outcome").update(taxonomy="results"),
        None,
        ["schema.yaml", "column outcome", "key taxonomy", "results"],
        id="unknown-taxonomy",
    ),
    pytest.param(
        lambda d: d.update(colums=[]),
        None,
        ["schema.yaml", "top-level", "colums"],
        id="unknown-top-level-key",
    ),
    pytest.param(
        None,
        lambda t: t["outcomes"]["values"].append({"value": "arrested"}),
        ["taxonomies.yaml", "outcomes", "arrested", "twice"],
        id="duplicated-value",
    ),
    pytest.param(
        None,
        lambda t: t["outcomes"]["values"][0].update(colour="red"),
        ["taxonomies.yaml", "outcomes", "released", "colour"],
        id="unknown-value-key",
    ),
]


@pytest.mark.parametrize("edit_schema, edit_taxonomies, fragments", FAULTS)
def test_each_kind_of_fault_is_refused_with_a_message_naming_it(tmp_path, edit_schema, edit_taxonomies, fragments):
    with pytest.raises(SchemaError) as err:
        load_schema(copy_with(tmp_path, edit_schema, edit_taxonomies))
    for fragment in fragments:
        assert fragment in str(err.value), (fragment, str(err.value))


def test_the_shipped_files_load_and_lists_of_columns_come_from_them(tmp_path):
    schema = load_schema(copy_with(tmp_path))
    assert schema.unique == ("encounter_id",)
    assert schema.of_kind("multi") == ("agencies", "targeted_groups", "force_types")


def test_unique_is_what_validation_enforces(tmp_path):
    """Mark city unique in a copy of the schema: two rows in one city are then refused, the later one."""
    import pandas as pd

    from dashboard.ingest.validate import validate

    schema = load_schema(copy_with(tmp_path, lambda d: column(d, "city").update(unique=True)))
    frame = pd.DataFrame(
        {
            "encounter_id": ["A-1", "A-2"],
            "date": ["2025-06-01", "2025-06-02"],
            "state": ["MN", "MN"],
            "city": ["Duluth", "Duluth"],
            "agencies": ["ICE ERO"] * 2,
            "encounter_type": ["arrest"] * 2,
            "verification": ["reported"] * 2,
            "sources": ["https://example.org/a"] * 2,
            "_row": [2, 3],
        }
    )
    found = validate(frame, schema=schema).problems
    assert found[["row", "column"]].values.tolist() == [[3, "city"]]


def test_every_text_column_a_contributor_fills_has_a_length_limit():
    """A 100,000-character city was once published (issue 14): free text is bounded wherever it is typed in."""
    schema = load_schema()
    unbounded = [c.name for c in schema.input_columns if c.kind == "text" and not c.max_length]
    assert not unbounded
