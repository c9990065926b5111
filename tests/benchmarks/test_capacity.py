"""benchmarks/capacity.py's report: the figures replace their own section of RESULTS.md and nothing else."""

from __future__ import annotations

from PIL import Image

from benchmarks import capacity


def _point(sessions: int, p95: float, held: bool) -> dict:
    return {
        "sessions": sessions,
        "interactions": 10 * sessions,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "errors": 0,
        "server_cpu_pct": 10.0 * sessions,
        "server_cpu_ms_per_interaction": 90,
        "server_rss_mb": 320,
        "tool_cpu_pct": 1.0,
        "machine_speed": 1000,
        "held": held,
    }


SERIES = [
    {
        "label": "one",
        "capacity": 4,
        "first_failed": 8,
        "points": [_point(1, 100, True), _point(4, 800, True), _point(8, 2500, False)],
        "machine_speed": 1000,
    },
    {
        "label": "two",
        "capacity": 8,
        "first_failed": 16,
        "points": [_point(1, 90, True), _point(8, 900, True), _point(16, 3000, False)],
        "machine_speed": 1250,
    },
]
INFO = {
    "started": "today",
    "command": "python benchmarks/capacity.py",
    "quick": False,
    "nproc": 2,
    "load_start": "load average 0.1",
    "load_end": "load average 1.9",
    "think": 3.0,
    "step": 20.0,
}


def test_the_section_replaces_the_last_one_and_keeps_the_rest(tmp_path):
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nkept above\n")
    capacity.write_results(results, capacity.section(INFO, SERIES, 2.0, tmp_path / "capacity.png"))
    both = results.read_text()
    # the replicas ran on a machine 1.25x as fast: 2.0x the visitors is 1.6x at equal speed
    assert "**2.00×**" in both and "**1.25×**" in both and "at equal speed: **1.60×**" in both
    capacity.write_results(results, capacity.section(INFO, SERIES[:1], None, tmp_path / "capacity.png"))
    text = results.read_text()
    assert text.startswith("# Benchmark results\n\nkept above\n")
    assert text.count(capacity.START) == 1 and text.count(capacity.END) == 1
    assert "- one: **4** concurrent visitors" in text
    assert "two" not in text  # the second report replaced the first
    results.write_text(text + "\nkept below\n")
    capacity.write_results(results, capacity.section(INFO, SERIES, 2.0, tmp_path / "capacity.png"))
    both = results.read_text()
    # the replicas ran on a machine 1.25x as fast: 2.0x the visitors is 1.6x at equal speed
    assert "**2.00×**" in both and "**1.25×**" in both and "at equal speed: **1.60×**" in both
    assert results.read_text().endswith("kept below\n")
    assert "two replicas ÷ one process: **2.00×**" in results.read_text()


def test_the_curve_is_a_png_with_the_target_line(tmp_path):
    path = tmp_path / "capacity.png"
    capacity.plot(SERIES, path)
    image = Image.open(path)
    assert image.format == "PNG" and image.size[0] > 500
    colours = {c for _, c in image.convert("RGB").getcolors(100000)}
    assert (0x1F, 0x77, 0xB4) in colours and (0xD6, 0x27, 0x28) in colours  # one line per series
