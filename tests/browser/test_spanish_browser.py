"""Explore and Briefing in Spanish, in Debian's Chromium: no English phrase on the page, the language
switch, and screenshots of the Spanish pages on a desktop and on a phone (looked at by a person too)."""

from __future__ import annotations

import re

import pytest
from support import screenshot, wait_for_app

from dashboard import i18n

pytestmark = pytest.mark.browser

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
RECORD_TEXT = re.compile(r"\[DEMO\].*?Not a real event\.")  # record text is quoted as published
WARD = "area_type=district&area=Chicago+Ward+42&from=2025-07-01&to=2026-06-30"


def catalog_phrases(min_words: int = 3) -> tuple[list[str], list[str]]:
    """(English phrases of `min_words`+ words whose Spanish differs, Spanish texts), from data/i18n/es.yaml.
    A sentence with placeholders gives its literal parts."""
    catalog = i18n.catalog("es")
    english, spanish = set(), set()
    for table in ("strings", "terms"):
        for en, es in catalog[table].items():
            if en == es:
                continue
            spanish.update(p.strip() for p in PLACEHOLDER.split(es) if len(p.strip()) > 3)
            for part in PLACEHOLDER.split(en):
                part = part.strip(" .,;:()·–-[]")
                if len(part.split()) >= min_words and part not in es:
                    english.add(part)
    return sorted(english), sorted(spanish, key=len, reverse=True)


ENGLISH, SPANISH = catalog_phrases()


def english_phrases_in(text: str) -> list[str]:
    text = " ".join(RECORD_TEXT.sub(" ", text).split())
    for es in SPANISH:  # a Spanish label may hold its English original ("ICE ERO (Operaciones de ...)")
        text = text.replace(es, " ")
    return [p for p in ENGLISH if re.search(rf"(?<![\w/]){re.escape(p)}(?![\w/])", text, re.IGNORECASE)]


def page_text(pg) -> str:
    """What a reader sees: the page's text and the text drawn in its charts (SVG)."""
    return pg.evaluate(
        "() => document.body.innerText + '\\n' + "
        "Array.from(document.querySelectorAll('svg text')).map(t => t.textContent).join('\\n')"
    )


def open_page(pg, url: str, charts: int = 0, last: str = "") -> None:
    """Open a page and wait until it is drawn: `charts` plotly charts, and the text `last` (the page's end)."""
    pg.goto(url)
    wait_for_app(pg)
    if charts:
        pg.wait_for_function(
            f"() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= {charts}", timeout=60000
        )
    if last:
        pg.get_by_text(last).first.wait_for(timeout=60000)
    pg.wait_for_timeout(800)


def whole_page(pg, name: str):
    """Streamlit scrolls inside its main block: grow the viewport to the content to capture all of it."""
    size = pg.viewport_size
    height = pg.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    pg.set_viewport_size({"width": size["width"], "height": min(height, 12000)})
    pg.wait_for_timeout(1200)
    path = screenshot(pg, name)
    pg.set_viewport_size(size)
    return path


def no_horizontal_scroll(pg) -> None:
    widths = pg.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths
    main = pg.evaluate(
        "(() => { const m = document.querySelector('[data-testid=stMain]'); return [m.scrollWidth, m.clientWidth]; })()"
    )
    assert main[0] <= main[1], main


def test_the_check_finds_english():
    assert english_phrases_in("Cifras del mapa · Showing the 12 records selected on the map.")
    assert english_phrases_in("fuerza: local law enforcement officer")
    assert not english_phrases_in("ICE ERO (Operaciones de Detención y Deportación) · Encuentros")


def test_spanish_explore_has_no_english_phrase(server, page):
    open_page(page, server + "/?lang=es", charts=5, last="Descargar CSV")
    text = page_text(page)
    assert "Encuentros con agentes federales" in text and "Fuerza (agrupada)" in text
    found = english_phrases_in(text)
    assert not found, found
    labels = page.locator('[data-testid="stMetricLabel"]').all_inner_texts()
    assert [x.strip() for x in labels][:2] == ["Encuentros", "Personas afectadas"]
    ticks = (
        page.locator(".js-plotly-plot").nth(1).locator(".xtick text").evaluate_all("ts => ts.map(t => t.textContent)")
    )
    assert ticks and all(re.fullmatch(r"(ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic) \d{4}", x) for x in ticks)


def test_spanish_briefing_has_no_english_phrase(server, page):
    open_page(page, f"{server}/briefing?lang=es&{WARD}", last="Datos y filtros")
    text = page_text(page)
    assert "Informe" in text and "Cómo leer estas cifras" in text
    found = english_phrases_in(text)
    assert not found, found


def test_the_language_switch_goes_back_to_english(server, page):
    open_page(page, server + "/?lang=es", charts=5)
    switch = page.locator('[data-testid="stSidebar"] [data-testid="stButtonGroup"] button', has_text="English")
    switch.click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('lang') === 'en'", timeout=60000)
    wait_for_app(page)
    page.wait_for_function(
        "() => document.querySelector('[data-testid=stMetricLabel]').innerText.trim() === 'Encounters'",
        timeout=60000,
    )
    assert "Federal enforcement encounters" in page.locator("h1").first.inner_text()


def test_spanish_desktop_and_phone_screenshots(server, page, browser):
    open_page(page, server + "/?lang=es", charts=5, last="Descargar CSV")
    whole_page(page, "explore-es-desktop")
    open_page(page, f"{server}/briefing?lang=es&{WARD}", last="Datos y filtros")
    whole_page(page, "briefing-es-desktop")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        pg = phone.new_page()
        open_page(pg, server + "/?lang=es&state=MN", charts=5, last="Descargar CSV")
        no_horizontal_scroll(pg)
        whole_page(pg, "explore-es-phone")
        open_page(pg, f"{server}/briefing?lang=es&{WARD}", last="Datos y filtros")
        no_horizontal_scroll(pg)
        whole_page(pg, "briefing-es-phone")
    finally:
        phone.close()


def test_spanish_record_dialog(server, page, demo_root):
    from dashboard.store import load_records

    rec = load_records(demo_root, "demo").iloc[10]
    open_page(page, f"{server}/?lang=es&record={rec['encounter_id']}")
    dialog = page.get_by_role("dialog")
    dialog.wait_for(timeout=30000)
    text = dialog.inner_text()
    assert "Respuesta oficial" in text and "Enlace permanente" in text and "Fuentes" in text
    found = english_phrases_in(text)
    assert not found, found
    screenshot(page, "explore-es-record", full_page=False)
