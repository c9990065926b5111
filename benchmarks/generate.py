"""N fictional canonical records for the benchmarks: vectorised, deterministic, every taxonomy value.

`dashboard.demo.generate` loops in Python (fine for the 2,000 shipped demo records, slow at a
million); this makes the same kind of records with whole-array numpy operations from one
`numpy.random.Generator`, so a million rows take a few seconds and the same (n, seed) always gives
the same file. Places are real gazetteer cities (`dashboard.geo.places()`), drawn with a Zipf-like
weight so a few cities hold many records (as real data does); events, dates and points are invented.
Every record says it is fictional: ids start with BENCH-, summaries with [DEMO], sources are
example.org addresses.

    python benchmarks/generate.py -n 100000 --out benchmarks/work/bench-100000.csv
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dashboard import demo  # noqa: E402
from dashboard.geo import counties_geojson, places  # noqa: E402
from dashboard.schema import load_schema  # noqa: E402

SEED = 20260101
GENERATOR_VERSION = 2  # bump when the output for a given (n, seed) changes: cached files are keyed on it
# A fixed span in the past, so "date is in the future" never depends on the day the benchmark runs.
START, END = np.datetime64("2022-01-01"), np.datetime64("2025-12-31")
CITY_POOL = 3000  # distinct gazetteer places used
ZIPF = 0.9  # city weight ~ 1 / rank**ZIPF

COLUMNS = [
    "encounter_id",
    "date",
    "date_precision",
    "state",
    "county_fips",
    "city",
    "latitude",
    "longitude",
    "location_precision",
    "region",
    "agencies",
    "encounter_type",
    "targeted_groups",
    "force_types",
    "people_affected",
    "outcome",
    "summary",
    "verification",
    "official_response",
    "sources",
    "last_updated",
]
# The same wording as the shipped demonstration records (one definition, in dashboard/demo.py).
RESPONSES = np.array(demo.RESPONSES, dtype=object)


def _city_pool(gaz: pd.DataFrame, seed: int) -> np.ndarray:
    """Gazetteer rows of the places used, most frequent first: the demo's cities (so council districts
    and the Minnesota focus get records), then random places. Depends on the seed only, not on n."""
    from dashboard.demo import CITIES

    key = pd.MultiIndex.from_arrays([gaz["state"], gaz["city"]])
    first = key.get_indexer(pd.MultiIndex.from_tuples([(s, c) for c, s, _ in CITIES]))
    first = first[first >= 0]
    rest = np.setdiff1d(np.arange(len(gaz)), first)
    extra = np.random.default_rng(seed + 1).choice(rest, size=min(CITY_POOL, len(rest)) - len(first), replace=False)
    return np.concatenate([first, extra])


def _weights(k: int, decay: float) -> np.ndarray:
    w = 1.0 / np.arange(1, k + 1) ** decay
    return w / w.sum()


def _draw_bits(rng: np.random.Generator, n: int, p: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """For each row, OR together `draws[row]` values drawn with probabilities p, as a bitmask."""
    bits = np.zeros(n, dtype=np.int64)
    for d in range(int(draws.max(initial=0))):
        pick = rng.choice(len(p), size=n, p=p)
        bits |= np.where(draws > d, np.int64(1) << pick.astype(np.int64), 0)
    return bits


def _bits_to_text(bits: np.ndarray, values: tuple[str, ...]) -> np.ndarray:
    """Bitmasks -> "a; b" in taxonomy order (the order the validator writes them in)."""
    uniq, inverse = np.unique(bits, return_inverse=True)
    text = np.array(["; ".join(v for i, v in enumerate(values) if u >> i & 1) for u in uniq], dtype=object)
    return text[inverse]


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)


def generate(n: int, seed: int = SEED) -> pd.DataFrame:
    """n canonical rows (every value a string, as a contributor's CSV holds them)."""
    if n < 40:
        raise ValueError("n must be at least 40 so that every taxonomy value can appear")
    schema = load_schema()
    tax = {k: t.values for k, t in schema.taxonomies.items()}
    rng = np.random.default_rng(seed)

    # Places: a fixed pool of gazetteer cities (the pool depends on the seed only, not on n).
    gaz = places()
    pool = _city_pool(gaz, seed)
    city_row = pool[rng.choice(len(pool), size=n, p=_weights(len(pool), ZIPF))]
    state = gaz["state"].to_numpy(dtype=object)[city_row]
    city = gaz["city"].to_numpy(dtype=object)[city_row]
    base_lat = gaz["latitude"].to_numpy()[city_row]
    base_lon = gaz["longitude"].to_numpy()[city_row]

    # Dates over a fixed span; coarse precisions move the date to the first day of the month/year.
    span = int((END - START).astype(int)) + 1
    day = START + rng.integers(0, span, size=n).astype("timedelta64[D]")
    date_precision = np.array(["day", "week", "month", "year"], dtype=object)[
        rng.choice(4, size=n, p=[0.85, 0.06, 0.07, 0.02])
    ]
    day = np.where(date_precision == "month", day.astype("datetime64[M]").astype("datetime64[D]"), day)
    day = np.where(date_precision == "year", day.astype("datetime64[Y]").astype("datetime64[D]"), day)
    last_updated = day + rng.integers(0, 30, size=n).astype("timedelta64[D]")

    # Location precision: exact and block records carry jittered points; city records only name the
    # city (the publish step geocodes them); county, region and state records name only that.
    precision = np.array(["exact", "block", "city", "county", "region", "state"], dtype=object)[
        rng.choice(6, size=n, p=[0.3, 0.2, 0.35, 0.05, 0.05, 0.05])
    ]
    spread = np.where(precision == "exact", 0.02, 0.01)
    pointed = (precision == "exact") | (precision == "block")
    lat = np.round(base_lat + rng.normal(0, 1, size=n) * spread, 5)
    lon = np.round(base_lon + rng.normal(0, 1, size=n) * spread, 5)
    lat_text = np.where(pointed, pd.Series(lat).map("{:.5f}".format).to_numpy(dtype=object), "")
    lon_text = np.where(pointed, pd.Series(lon).map("{:.5f}".format).to_numpy(dtype=object), "")
    feats = counties_geojson()["features"]
    county_ids = np.array([f["id"] for f in feats], dtype=object)
    county_states = np.array([f["properties"]["state"] for f in feats], dtype=object)
    county_pick = rng.choice(len(county_ids), size=n, p=_weights(len(county_ids), 1.0))
    is_county = precision == "county"
    county_fips = np.where(is_county, county_ids[county_pick], "")
    state = np.where(is_county, county_states[county_pick], state)
    coarse = np.isin(precision, ["county", "region", "state"])
    city_out = np.where(coarse, "", city)
    region = np.where(precision == "region", "Demo region " + state.astype(str), "").astype(object)
    location_precision = np.where(pointed, precision, "")

    # Taxonomies: single values by weight, multi values as bitmasks joined in taxonomy order.
    etype_idx = rng.choice(len(tax["encounter_types"]), size=n, p=_weights(len(tax["encounter_types"]), 0.7))
    agencies = _bits_to_text(
        _draw_bits(rng, n, _weights(len(tax["agencies"]), 1.3), 1 + (rng.random(n) < 0.3)), tax["agencies"]
    )
    groups_k = np.where(rng.random(n) < 0.15, 0, rng.integers(1, 4, size=n))
    groups = _bits_to_text(
        _draw_bits(rng, n, _weights(len(tax["targeted_groups"]), 0.8), groups_k), tax["targeted_groups"]
    )
    force_k = np.where(rng.random(n) < 0.1, 0, rng.integers(1, 4, size=n))
    force_bits = _draw_bits(rng, n, _weights(len(tax["force_types"]) - 1, 0.6), force_k) << 1  # never "none"
    force_bits = np.where(np.arange(n) % 9 == 0, 1, force_bits)  # "none" alone, on every 9th record
    forces = _bits_to_text(force_bits, tax["force_types"])
    outcome = np.array(tax["outcomes"], dtype=object)[rng.integers(0, len(tax["outcomes"]), size=n)]
    verification = np.array(tax["verification"], dtype=object)[
        rng.choice(len(tax["verification"]), size=n, p=[0.45, 0.3, 0.15, 0.1])
    ]
    people = np.array([1, 1, 1, 2, 3, 5, 12, 40])[rng.integers(0, 8, size=n)]
    n_sources = 1 + (rng.random(n) < 0.4) + (rng.random(n) < 0.2)
    response = RESPONSES[rng.integers(0, len(RESPONSES), size=n)]

    # Every taxonomy value appears at least once, whatever n.
    etypes = np.array(tax["encounter_types"], dtype=object)
    etype = etypes[etype_idx]
    for values, column in ((tax["agencies"], agencies), (tax["targeted_groups"], groups), (tax["outcomes"], outcome)):
        column[: len(values)] = values
    etype[: len(etypes)] = etypes
    forces[: len(tax["force_types"])] = tax["force_types"]
    verification[: len(tax["verification"])] = tax["verification"]

    ids = pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)
    ids = ("BENCH-" + ids).to_numpy(dtype=object)
    where = pd.Series(np.where(city_out != "", city_out, state), dtype=object)
    words = pd.Series(etype, dtype=object).map(demo.PLACE_WORDS)
    summary = "[DEMO] Fictional benchmark record: an encounter at " + words + " in " + where + ". Not a real event."
    url = "https://example.org/bench/" + pd.Series(ids, dtype=object) + "/source-"
    sources = url + "1"
    sources = sources.where(n_sources < 2, sources + " | " + url + "2")
    sources = sources.where(n_sources < 3, sources + " | " + url + "3")

    frame = pd.DataFrame(
        {
            "encounter_id": ids,
            "date": _iso(day),
            "date_precision": date_precision,
            "state": state,
            "county_fips": county_fips,
            "city": city_out,
            "latitude": lat_text,
            "longitude": lon_text,
            "location_precision": location_precision,
            "region": region,
            "agencies": agencies,
            "encounter_type": etype,
            "targeted_groups": groups,
            "force_types": forces,
            "people_affected": people.astype(str).astype(object),
            "outcome": outcome,
            "summary": summary.to_numpy(dtype=object),
            "verification": verification,
            "official_response": response,
            "sources": sources.to_numpy(dtype=object),
            "last_updated": _iso(last_updated),
        },
        columns=COLUMNS,
    )
    _add_near_duplicates(frame)
    return frame


def _add_near_duplicates(frame: pd.DataFrame) -> None:
    """Every 250th record is reported twice (a second source's version), so the duplicate flag has work."""
    first = np.arange(45, len(frame) - 1, 250)
    columns = ("date", "last_updated", "state", "county_fips", "city", "region", "latitude", "longitude")
    for col in (*columns, "location_precision", "agencies"):
        values = frame[col].to_numpy(dtype=object).copy()
        values[first + 1] = values[first]
        frame[col] = values


def csv_path(work: Path, n: int, seed: int = SEED) -> Path:
    return Path(work) / "csv" / f"bench-{n}-s{seed}-g{GENERATOR_VERSION}.csv"


def write_csv(n: int, path: Path, seed: int = SEED) -> Path:
    """Write the n records to path atomically (a killed run never leaves half a file behind)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    generate(n, seed).to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


def ensure_csv(work: Path, n: int, seed: int = SEED) -> Path:
    """The cached CSV for (n, seed), generated if missing."""
    path = csv_path(work, n, seed)
    return path if path.is_file() else write_csv(n, path, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    write_csv(args.n, Path(args.out), args.seed)
    print(f"wrote {args.n:,} fictional benchmark records to {args.out}")


if __name__ == "__main__":
    main()
