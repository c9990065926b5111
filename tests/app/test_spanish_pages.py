"""Explore and Briefing in Spanish (AppTest): no English label left on the page, in its charts or its exports.

Every text a reader can see is collected from the page (titles, captions, Markdown, metrics, widget labels,
options and help, buttons, expanders, popovers, code, dataframe headers and cells, the plotly figures' titles,
axes, legends, category labels and hover text, and the text drawn in the SVG charts). None may be, or hold as a
whole phrase, an English source string of the catalog whose Spanish differs (FBI, DEA ... are the same in both).
"""

from __future__ import annotations

import base64
import functools
import html
import json
import re
from datetime import date

import pytest
from google.protobuf.json_format import MessageToDict
from support import page_app

from dashboard import i18n

PERIOD = {"from": "2025-07-01", "to": "2026-06-30"}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# Record text is quoted as published (in the language of its source): summaries and responses are left alone
RECORD_TEXT = re.compile(r"\[DEMO\].*?Not a real event\.")
RECORD_COLUMNS = {"summary", "official response", "resumen", "respuesta oficial", "id"}
VISIBLE_FIELDS = {"body", "label", "options", "help", "placeholder", "content", "codeText", "delta"}


# --------------------------------------------------------------------------- what counts as English


def english_catalog() -> tuple[set[str], set[str], list[str]]:
    """(whole English labels, English fragments of 3+ words from sentences with placeholders, Spanish texts).

    Only entries whose Spanish differs count: "FBI" is "FBI" in both languages."""
    catalog = i18n.catalog("es")
    whole, fragments, spanish = set(), set(), set()
    for table in ("strings", "terms"):
        for english, translated in catalog[table].items():
            if english == translated:
                continue
            spanish.update(p.strip() for p in PLACEHOLDER.split(translated) if p.strip())
            parts = PLACEHOLDER.split(english)
            if len(parts) == 1:
                whole.add(english)
            for part in parts:
                part = part.strip(" .,;:()·–-[]")
                if len(part.split()) >= 3 and part not in translated:
                    fragments.add(part)
    return whole, fragments, sorted(spanish, key=len, reverse=True)


WHOLE, FRAGMENTS, SPANISH = english_catalog()


@functools.cache
def _pattern(phrase: str, flags: int) -> re.Pattern:
    return re.compile(rf"(?<![\w/]){re.escape(phrase)}(?![\w/])", flags)


def _contains(text: str, phrase: str, flags: int = 0) -> bool:
    """The phrase as a whole word or words (patterns compiled once: re's own cache holds 512 of the
    ~1,500 catalog phrases, so without this every text recompiled them all)."""
    return phrase.lower() in text.lower() and _pattern(phrase, flags).search(text) is not None


def english_in(text: str) -> list[str]:
    """English catalog phrases found in one visible text."""
    text = " ".join(text.split())
    if not text:
        return []
    if text in WHOLE:
        return [text]
    if len(text) >= 8 and any(es.startswith(text) for es in SPANISH):
        return []  # the first line of a Spanish label wrapped onto two ("ICE ERO (Operaciones de")
    found = []
    rest = text
    for es in SPANISH:  # a Spanish label may hold its English original ("ICE ERO (Operaciones de ...)")
        if len(es) > 3 and es in rest:
            rest = rest.replace(es, " ")
    while "…" in rest:  # a label cut short to fit: "ICE ERO (Operaciones de Detención…"
        cut = next((es[:k] for es in SPANISH for k in range(len(es) - 1, 7, -1) if es[:k] + "…" in rest), None)
        if cut is None:
            break
        rest = rest.replace(cut + "…", " ")
    found += [p for p in WHOLE if len(p.split()) >= 2 and _contains(rest, p)]
    found += [p for p in FRAGMENTS if _contains(rest, p, re.IGNORECASE)]
    return found


def offending(texts: list[str]) -> dict[str, list[str]]:
    out = {}
    for text in texts:
        hits = english_in(text)
        if hits:
            out[text[:160]] = sorted(set(hits))
    return out


def test_the_check_finds_english_and_passes_spanish():
    assert english_in("Map numbers")  # a whole label
    assert english_in("Showing the 12 records selected on the map.")  # a sentence with a number
    assert english_in("El tipo más frecuente es vehicle stop (3 de 9).")  # an untranslated taxonomy value
    assert english_in("The busiest month was May 2025 with 12 encounters")  # a fragment of a sentence
    assert not english_in("La agencia más frecuente es ICE ERO (Operaciones de Detención y Deportación) (3 de 9).")
    assert not english_in("Encuentros") and not english_in("FBI") and not english_in("Hennepin County, MN")


# --------------------------------------------------------------------------- what a reader sees


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def _visible_fields(d: dict) -> list[str]:
    out = []
    for key, value in d.items():
        if key in VISIBLE_FIELDS:
            out += _strings(value)
        elif isinstance(value, dict):
            out += _visible_fields(value)  # a popover's label, a metric's help ...
    return out


def _plain(text: str) -> str:
    """What a reader sees of a Markdown, HTML or plotly label."""
    text = re.sub(r"\\(.)", r"\1", text)  # Markdown escapes
    text = re.sub(r"<br\s*/?>", " ", text)
    text = re.sub(r"<extra>.*?</extra>|<[^>]+>", "", text)
    text = re.sub(r"%\{[^}]*\}", " ", text)  # plotly placeholders
    text = text.replace("**", "").lstrip("#")
    return html.unescape(RECORD_TEXT.sub(" ", text)).strip()


def _plotly_texts(spec: dict) -> list[str]:
    layout = spec.get("layout", {})
    title = layout.get("title")
    out = [title.get("text", "") if isinstance(title, dict) else str(title or "")]
    for value in layout.values():
        if isinstance(value, dict):
            title = value.get("title")
            out += [title.get("text", "")] if isinstance(title, dict) else [title or ""]
            out += [str(v) for v in value.get("ticktext", [])]
    for trace in spec.get("data", []):
        if trace.get("showlegend") is not False:
            out.append(trace.get("name") or "")
        out.append(trace.get("hovertemplate") or "")
        for axis in ("y", "text"):  # bar labels and per-point hover text
            values = trace.get(axis)
            if isinstance(values, list):
                out += [v for v in values if isinstance(v, str)]
    return out


def _svg_texts(url: str) -> list[str]:
    if not url.startswith("data:image/svg+xml;base64,"):
        return []
    svg = base64.b64decode(url.split(",", 1)[1]).decode("utf-8")
    return re.findall(r"<(?:text|title)[^>]*>([^<]*)</(?:text|title)>", svg)


def visible_texts(at) -> list[str]:
    texts: list[str] = []

    def walk(node):
        kind = getattr(node, "type", "")
        proto = getattr(node, "proto", None)
        if kind == "plotly_chart":
            texts.extend(_plotly_texts(json.loads(proto.spec)))
        elif kind in ("dataframe", "arrow_data_frame"):
            frame = node.value
            texts.extend(str(c) for c in frame.columns)
            for column in frame.columns:
                if str(column) not in RECORD_COLUMNS:
                    texts.extend(v for v in frame[column].tolist() if isinstance(v, str))
        elif kind == "image":
            for img in proto.imgs:
                texts.extend(_svg_texts(img.url))
        elif proto is not None and kind not in ("event",):
            d = MessageToDict(proto)
            for s in _visible_fields(d):
                texts.extend(s.splitlines() if "\n" in s else [s])
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return [p for p in (_plain(t) for t in texts) if p]


def check_page(at) -> list[str]:
    assert not at.exception, at.exception
    texts = visible_texts(at)
    bad = offending(texts)
    assert not bad, "English on the Spanish page:\n" + "\n".join(f"  {t!r}: {p}" for t, p in bad.items())
    return texts


# --------------------------------------------------------------------------- Explore


@pytest.fixture(scope="module")
def record_id(demo_root) -> str:
    from dashboard.store import load_records

    records = load_records(demo_root, "demo")
    weekly = records[records["date_precision"].astype(str) == "week"]
    return str((weekly if len(weekly) else records).iloc[0]["encounter_id"])


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({}, id="default"),
        pytest.param({"map": "county", "period": "week", "state": "MN", "group": "protester"}, id="counties-weekly"),
        pytest.param({"map": "district", "state": "IL"}, id="districts"),
    ],
)
def test_explore_in_spanish_shows_no_english(app_env, query):
    at = page_app("explore", lang="es", **query).run()
    texts = check_page(at)
    assert len(texts) > 150  # the collection itself works: labels, options, charts, table cells
    assert at.metric[0].label == "Encuentros"
    assert at.title[0].value == "Encuentros con agentes federales"
    charts = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    assert len(charts) == 6  # map, timeline, four breakdowns
    timeline = charts[1]["layout"]
    assert timeline["separators"] == ".," and timeline["legend"]["title"]["text"] == "Fuerza (agrupada)"
    months = r"(ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic) \d{4}"
    assert all(re.fullmatch(months, x) for x in timeline["xaxis"]["ticktext"])  # month names in Spanish
    records = [d.value for d in at.dataframe if "fecha" in d.value.columns][0]
    assert {"fecha", "lugar", "tipo", "verificación", "id"} <= set(records.columns)
    assert at.query_params.get("lang") in ("es", ["es"])  # kept in the URL


def test_explore_record_detail_in_spanish(app_env, record_id):
    at = page_app("explore", lang="es", record=record_id).run()
    check_page(at)
    facts = [d.value for d in at.dataframe if "campo" in d.value.columns][0]
    assert "Fecha" in facts["campo"].tolist() and "Tipo de encuentro" in facts["campo"].tolist()
    assert any("lang=es" in c.value for c in at.code)  # the permalink opens the record in Spanish
    assert any(b.label == "Cerrar" for b in at.button)


def test_explore_in_english_is_unchanged(app_env):
    at = page_app("explore", lang="en").run()
    assert not at.exception
    assert at.metric[0].label == "Encounters" and at.title[0].value == "Federal enforcement encounters"
    assert "Map numbers as a table" in [e.label for e in at.expander]


def test_hexagon_cells_and_their_sentence_in_spanish(demo_root):
    """Explore draws hexagon cells only past 3,000 points (not with the demo data): checked here directly."""
    import numpy as np

    from dashboard.explore import aggregate, mapfig, summaries
    from dashboard.explore.data import load_dataset

    ds = load_dataset(demo_root, "demo")
    m = np.ones(len(ds.records), dtype=bool)
    view = aggregate.map_extent(ds, m)["view"]
    kind, cells = aggregate.map_points(ds, m, 10, mapfig.hex_size_for(view), mapfig.x_scale(view))
    assert kind == "cells"
    fig = mapfig.cells_figure(cells, view, "es")
    sentence = summaries.map_sentence(kind, cells, int(m.sum()), 0, "es")
    texts = [_plain(t) for t in _plotly_texts(fig.to_plotly_json())] + [sentence]
    assert not offending(texts), offending(texts)
    assert "celdas hexagonales" in sentence and "°O" in sentence  # west is "oeste"


# --------------------------------------------------------------------------- Briefing


@pytest.mark.parametrize(
    "query",
    [
        pytest.param({}, id="default"),
        pytest.param({"area_type": "district", "area": "Chicago Ward 42", **PERIOD}, id="district"),
        pytest.param({"area_type": "city", "area": "Saint Paul, MN", "group": "protester", **PERIOD}, id="city"),
    ],
)
def test_briefing_in_spanish_shows_no_english(app_env, query):
    at = page_app("briefing", lang="es", **query).run()
    texts = check_page(at)
    assert len(texts) > 150
    assert [m.label for m in at.metric] == [
        "Encuentros",
        "Personas afectadas",
        "Arma exhibida o más grave",
        "En lugares sensibles",
        "Con ciudadanos estadounidenses",
    ]
    assert all("antes:" in m.delta for m in at.metric)
    memo = [c.value for c in at.code if "INFORME:" in c.value]
    assert memo and memo[0].startswith("DATOS DE DEMOSTRACIÓN")
    assert len(at.get("image")) == 7  # timeline, map, five breakdowns


def test_briefing_bad_link_note_in_spanish(app_env):
    at = page_app("briefing", lang="es", area_type="state", area="ZZ", **PERIOD).run()
    check_page(at)
    assert any("ZZ" in i.value and "Enlace" in i.value for i in at.info)


@pytest.fixture(scope="module")
def spanish_briefing(demo_root):
    from dashboard.briefing import area as areas
    from dashboard.briefing.compute import compute_briefing
    from dashboard.briefing.period import make_periods
    from dashboard.explore.data import load_dataset

    ds = load_dataset(demo_root, "demo")
    ward = areas.resolve_area(ds, "district", "Chicago Ward 42", "es")
    return compute_briefing(ds, ward, *make_periods(*PERIOD.values()), lang="es")


def test_briefing_text_html_and_png_titles_in_spanish(spanish_briefing):
    from dashboard.briefing import area as areas
    from dashboard.briefing import text
    from dashboard.briefing.document import to_html
    from dashboard.briefing.output import chart_svgs

    b = spanish_briefing
    memo = text.to_text(b, "https://encuentros.example.org")
    assert not offending(memo.splitlines()), offending(memo.splitlines())
    assert memo.startswith("DATOS DE DEMOSTRACIÓN") and "1 jul 2025 – 30 jun 2026" in memo
    shape = areas.outline(b.area)
    page = to_html(b, shape, areas.context(b.area, shape), generated=date(2026, 12, 1))
    assert '<html lang="es">' in page and "1 de diciembre de 2026" in page
    shown = re.findall(r">([^<>]+)<", re.sub(r"<style>.*?</style>", "", page, flags=re.S))
    assert not offending([_plain(s) for s in shown]), offending([_plain(s) for s in shown])
    for name, svg in chart_svgs(b).items():  # the PNG files are these, drawn by Chromium
        drawn = [_plain(s) for s in re.findall(r"<(?:text|title)[^>]*>([^<]*)</", svg)]
        assert not offending(drawn), (name, offending(drawn))
        assert "DATOS DE DEMOSTRACIÓN" in svg, name
    assert "lang=es" in text.permalink(b)


def test_cli_brief_in_spanish(app_env, tmp_path, capsys):
    from dashboard.cli import main

    out = tmp_path / "ward.txt"
    args = ["brief", "--dataset", "demo", "--area-type", "district", "--area", "Chicago Ward 42"]
    assert main([*args, "--from", PERIOD["from"], "--to", PERIOD["to"], "--lang", "es", "--out", str(out)]) == 0
    memo = out.read_text(encoding="utf-8")
    assert "INFORME: Chicago Ward 42 (distrito del concejo" in memo
    assert not offending(memo.splitlines()), offending(memo.splitlines())
    assert "encuentros" in capsys.readouterr().out
