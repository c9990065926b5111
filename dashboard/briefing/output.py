"""Files from a briefing: PDF and PNG drawn by the system's Chromium, headless and offline."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

from dashboard.briefing import area as areas
from dashboard.briefing import charts
from dashboard.briefing.compute import Briefing
from dashboard.briefing.document import to_html
from dashboard.chromium import NO_HOSTS, OFFLINE_FLAGS, find

CHROMIUM_FLAGS = ("--headless", *OFFLINE_FLAGS, NO_HOSTS)  # the briefing is a local file


class RenderError(RuntimeError):
    """Chromium is missing or could not draw the file; the message says which."""


def chromium() -> str:
    found = find()
    if found:
        return found
    raise RenderError("Chromium is not installed (apt-get install chromium), so PDF and PNG files cannot be made.")


def _run(html: str, out_name: str, extra: list[str], timeout: float) -> bytes:
    with tempfile.TemporaryDirectory(prefix="briefing-render-") as tmp:
        page, out = Path(tmp) / "page.html", Path(tmp) / out_name
        page.write_text(html, encoding="utf-8")
        args = [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", *extra]
        args = [a.replace("{out}", str(out)) for a in args] + [page.as_uri()]
        try:
            done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise RenderError(f"Chromium took more than {timeout:.0f} s to draw {out_name}.") from None
        if not out.is_file() or out.stat().st_size == 0:
            tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RenderError(f"Chromium could not draw {out_name} (exit {done.returncode}): {' | '.join(tail)}")
        return out.read_bytes()


def html_to_pdf(html: str, timeout: float = 90) -> bytes:
    return _run(html, "briefing.pdf", ["--no-pdf-header-footer", "--print-to-pdf={out}"], timeout)


def svgs_to_png(svgs: dict[str, str], scale: float = 2, timeout: float = 60) -> dict[str, bytes]:
    """PNG of each SVG: one Chromium screenshot of them all, stacked, then cut apart (one launch, not one each)."""
    from PIL import Image

    if not svgs:
        return {}
    sizes = {k: _size(v) for k, v in svgs.items()}
    width, height, y, placed = max(w for w, _ in sizes.values()), sum(h for _, h in sizes.values()), 0, []
    for name, svg in svgs.items():
        placed.append(f'<div style="position:absolute;left:0;top:{y}px">{svg}</div>')
        y += sizes[name][1]
    page = f'<!doctype html><html><body style="margin:0;background:#fff">{"".join(placed)}</body></html>'
    extra = [
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--force-device-scale-factor={scale}",
        "--default-background-color=ffffffff",
        "--screenshot={out}",
    ]
    sheet = Image.open(io.BytesIO(_run(page, "charts.png", extra, timeout)))
    out, y = {}, 0
    for name, (w, h) in sizes.items():
        buf = io.BytesIO()
        sheet.crop((0, round(y * scale), round(w * scale), round((y + h) * scale))).save(
            buf, format="PNG", optimize=True
        )
        out[name] = buf.getvalue()
        y += h
    return out


def _size(svg: str) -> tuple[int, int]:
    head = svg[: svg.index(">")]

    def attr(name: str) -> int:
        return int(float(head.split(f' {name}="', 1)[1].split('"', 1)[0]))

    return attr("width"), attr("height")


def briefing_html(b: Briefing, base_url: str = "") -> str:
    shape = areas.outline(b.area)
    return to_html(b, shape, areas.context(b.area, shape), base_url=base_url)


def briefing_pdf(b: Briefing, base_url: str = "") -> bytes:
    return html_to_pdf(briefing_html(b, base_url))


def chart_svgs(b: Briefing) -> dict[str, str]:
    """Each chart on its own, titled and labelled (demonstration data, area, period, dataset): name -> SVG."""
    shape = areas.outline(b.area)
    out = {"timeline": charts.timeline_svg(b, width=800, height=330, heading=True)}
    out["map"] = charts.map_svg(b, shape, areas.context(b.area, shape), width=640, height=560, heading=True)
    for part in b.breakdowns:
        out[part.column] = charts.breakdown_svg(b, part, width=640, rows=20, heading=True)
    return out


def chart_pngs(b: Briefing, names: list[str] | None = None) -> dict[str, bytes]:
    """PNG files of the charts (name -> bytes), each titled and labelled like chart_svgs."""
    return svgs_to_png({k: v for k, v in chart_svgs(b).items() if names is None or k in names})
