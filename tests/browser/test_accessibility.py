"""axe-core (from npm, injected by Playwright) finds no serious or critical violation on the public
pages, in English and in Spanish."""

from __future__ import annotations

import json

import pytest
from support import REPO, screenshot, wait_for_app

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {"explore": "/", "methodology": "/methodology", "briefing": "/briefing", "report": "/report"}


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (run `npm install` at the repo root); accessibility check skipped")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_accessibility_violations(server, page, name, lang):
    page.goto(f"{server}{PAGES[name]}?lang={lang}")
    wait_for_app(page)
    page.wait_for_timeout(1500)  # charts finish drawing
    violations = axe_violations(page)
    screenshot(page, f"a11y-{name}-{lang}")
    summary = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"][:5]]}
        for v in violations
    ]
    assert not violations, json.dumps(summary, indent=1)
