"""The mapping format's reference (`encounters mapping reference`, data/mappings/REFERENCE.md) covers every
key the loader accepts, each example in it loads, and the loader refuses any other key by name."""

from __future__ import annotations

import pytest
import yaml
from support import BASE_MAPPING, REPO

from dashboard import cli
from dashboard.ingest.mapping import MappingError, load_mapping
from dashboard.ingest.mapping_format import KEYS, SECTIONS, keys_of, reference_markdown

REFERENCE = REPO / "data" / "mappings" / "REFERENCE.md"


def test_reference_file_is_the_command_s_output():
    assert REFERENCE.read_text(encoding="utf-8") == reference_markdown(), (
        "data/mappings/REFERENCE.md is stale: run `encounters mapping reference > data/mappings/REFERENCE.md`"
    )


def test_the_command_prints_the_reference(capsys):
    assert cli.main(["mapping", "reference"]) == cli.EXIT_OK
    assert capsys.readouterr().out == reference_markdown()


def test_readme_links_the_reference():
    assert "data/mappings/REFERENCE.md" in (REPO / "README.md").read_text(encoding="utf-8")


def test_every_key_is_in_the_reference_under_its_section():
    text = reference_markdown()
    for section, (title, _) in SECTIONS.items():
        part = text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]
        for name in keys_of(section):
            assert f"### `{name}`" in part, f"{section}.{name} is missing from the reference"


def with_example(example: str, section: str) -> dict:
    snippet = yaml.safe_load(example)
    snippet = {"columns": snippet} if section == "column" else snippet
    doc = {"columns": dict(BASE_MAPPING["columns"]), "constants": dict(BASE_MAPPING["constants"])}
    for key, value in snippet.items():
        doc[key] = {**doc[key], **value} if key in ("columns", "constants") else value
    for column in doc["columns"]:
        doc["constants"].pop(column, None)
    return doc


@pytest.mark.parametrize("key", KEYS, ids=lambda k: f"{k.section}.{k.name}")
def test_each_example_loads_and_uses_its_key(tmp_path, key):
    """Every key of the table is one the loader accepts, shown by an example that loads."""
    doc = with_example(key.example, key.section)
    path = tmp_path / "example.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    load_mapping(path)
    assert key.name in key.example


UNKNOWN = [
    pytest.param({"colums": {"city": "Town"}}, 'unknown key colums (did you mean "columns"?)', id="top"),
    pytest.param({"columns": {"city": {"form": "Town"}}}, 'unknown key form (did you mean "from"?)', id="column"),
    pytest.param({"coordinates": {"latitude": "a", "longtitude": "b"}}, '"longitude"', id="coordinates"),
    pytest.param({"group_by": {"keys": ["A"]}}, 'unknown key keys (did you mean "key"?)', id="group_by"),
    pytest.param({"leave_out": [{"name": "x", "wher": {"A": "b"}}]}, '(did you mean "where"?)', id="leave_out"),
    pytest.param({"flag_values": {"yes": ["Y"]}}, "unknown key yes", id="flag_values"),
    pytest.param({"redact": {"names_form": ["a"], "in": ["summary"]}}, '"names_from"', id="redact"),
    pytest.param(
        {"lookups": [{"table": "x.csv", "match": {"a": "b"}, "sett": {}}]}, '(did you mean "set"?)', id="lookup"
    ),
]


@pytest.mark.parametrize("body, message", UNKNOWN)
def test_an_unknown_key_is_refused_naming_the_closest(tmp_path, body, message):
    doc = with_example(yaml.safe_dump(body), "top")
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    assert message in str(err.value)


def test_unknown_keys_are_tried_in_every_section():
    assert {p.id for p in UNKNOWN} == set(SECTIONS)
