"""Force shown so it can be read (issue 20): five ordered bands by default, told apart in colour-blind
vision, every level one choice away."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from dashboard.explore import figures

# Machado, Oliveira & Fernandes (2009), severity 1.0: linear-RGB matrices of the three dichromacies.
SIMULATIONS = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    f = np.cbrt(np.clip(xyz / np.array([0.95047, 1.0, 1.08883]), 1e-9, None))
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _seen(hex_colour: str, vision: str | None) -> np.ndarray:
    linear = _linear(hex_colour)
    if vision:
        linear = np.clip(np.array(SIMULATIONS[vision]) @ linear, 0, 1)
    return _lab(linear)


def test_there_are_five_bands_in_order_of_severity():
    assert figures.force_bands() == (
        "no force",
        "threat, restraint or property",
        "weapon displayed",
        "chemical, impact or taser",
        "shots fired or death",
    )
    assert (
        figures.band_of()["taser"] == "chemical, impact or taser"
        and figures.band_of()["death"] == "shots fired or death"
    )


@pytest.mark.parametrize("vision", [None, *SIMULATIONS])
def test_bands_and_not_recorded_stay_distinct_in_colour_blind_vision(vision):
    colours = [*figures.BAND_COLOURS, figures.NOT_RECORDED_COLOUR]
    seen = [_seen(c, vision) for c in colours]
    closest = min(np.linalg.norm(a - b) for a, b in itertools.combinations(seen, 2))
    assert closest > 12, f"two colours nearly alike under {vision or 'normal vision'} (ΔE {closest:.1f})"


@pytest.mark.parametrize("vision", [None, *SIMULATIONS])
def test_bands_get_darker_with_severity_in_any_vision(vision):
    lightness = [_seen(c, vision)[0] for c in figures.BAND_COLOURS]
    assert lightness == sorted(lightness, reverse=True)


def test_the_timeline_shows_bands_by_default_and_every_level_on_request():
    tl = pd.DataFrame(
        {
            "period": pd.to_datetime(["2025-06-01"] * 4),
            "force_level": ["chemical agent", "taser", "weapon displayed", "not recorded"],
            "records": [2, 3, 4, 1],
        }
    )
    banded = figures.timeline_figure(tl).data
    assert {t.legendgroup for t in banded} == {"not recorded", "weapon displayed", "chemical, impact or taser"}
    assert list(next(t for t in banded if t.legendgroup == "chemical, impact or taser").y) == [5]
    levels = figures.timeline_figure(tl, bands=False).data
    assert {t.legendgroup for t in levels} == set(tl["force_level"])


def test_records_sharing_a_point_are_spread_so_a_cluster_shows_its_mix():
    from dashboard.explore import mapfig

    view = (-125.0, -66.5, 24.0, 49.5)
    x = np.array([-93.27] * 5 + [-87.63])
    y = np.array([44.98] * 5 + [41.88])
    severity = np.array([0, 4, 2, 4, 1, 3])
    sx, sy = mapfig.spread_stacks(x, y, severity, view)
    assert (sx[5], sy[5]) == (x[5], y[5])  # a lone point stays where it is
    assert len({(round(a, 6), round(b, 6)) for a, b in zip(sx[:5], sy[:5], strict=True)}) == 5  # each marker seen
    centre = np.hypot(sx[:5] - x[0], sy[:5] - y[0])
    assert centre[np.argmax(severity[:5])] == 0  # the most severe in the middle, not hiding the rest on top
    big = mapfig.spread_stacks(np.full(900, -93.27), np.full(900, 44.98), np.zeros(900), view)
    few = mapfig.spread_stacks(np.full(30, -93.27), np.full(30, 44.98), np.zeros(30), view)
    assert np.ptp(big[0]) <= np.ptp(few[0]) * 1.25  # a huge stack keeps about a small stack's size
