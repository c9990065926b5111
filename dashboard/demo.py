"""Generate the demonstration dataset: fictional encounters, deterministic, obviously not real.

Every record is marked fictional three ways: its id starts with DEMO-, its summary starts with
"[DEMO]", and its sources are example.org addresses. Places are real cities (so the map and the
spatial joins have something to show) but the events, times and points are invented. No names, no
quotes. Run: python -m dashboard.demo --out data/sources/demo/encounters.csv
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.schema import load_schema

SEED = 20250101
START, DAYS = date(2024, 11, 1), 730
# (city, state, weight): Minnesota gets the most records, by design of the demo.
CITIES = [
    ("Minneapolis", "MN", 16),
    ("Saint Paul", "MN", 8),
    ("Eden Prairie", "MN", 3),
    ("Minnetonka", "MN", 3),
    ("Burnsville", "MN", 2),
    ("Duluth", "MN", 2),
    ("Saint Cloud", "MN", 2),
    ("Chicago", "IL", 9),
    ("Los Angeles", "CA", 7),
    ("San Diego", "CA", 3),
    ("Houston", "TX", 4),
    ("El Paso", "TX", 3),
    ("Phoenix", "AZ", 4),
    ("New York", "NY", 5),
    ("Newark", "NJ", 2),
    ("Miami", "FL", 3),
    ("Denver", "CO", 3),
    ("Portland", "OR", 3),
    ("Seattle", "WA", 2),
    ("Charlotte", "NC", 2),
    ("Atlanta", "GA", 2),
    ("Boston", "MA", 2),
]
PLACE_WORDS = {
    "stop": "a sidewalk",
    "vehicle stop": "a road",
    "home raid": "a residence",
    "workplace raid": "a workplace",
    "courthouse arrest": "a courthouse",
    "protest response": "a public gathering",
    "arrest": "a public place",
    "detention": "a holding facility",
    "shooting": "a parking area",
    "other": "a public place",
}
RESPONSES = [
    "",
    "",
    "",
    "Demonstration record: the agency did not respond to requests for comment.",
    "Demonstration record: the agency said it could not verify the account.",
    "Demonstration record: the agency said its officers followed policy.",
]


def _pick_multi(rng, values, k_max, p_empty=0.0):
    if rng.random() < p_empty:
        return []
    k = int(rng.integers(1, k_max + 1))
    return list(rng.choice(values, size=min(k, len(values)), replace=False))


def generate(n: int = 2000, seed: int = SEED) -> pd.DataFrame:
    """n fictional records covering every taxonomy value; the same output for the same seed."""
    from dashboard.geo import places

    schema = load_schema()
    tax = {k: list(t.values) for k, t in schema.taxonomies.items()}
    rng = np.random.default_rng(seed)
    gaz = places().set_index(["state", "key"])
    weights = np.array([w for *_, w in CITIES], dtype=float)
    force_order = tax["force_types"]
    rows = []
    for i in range(n):
        city, state, _ = CITIES[rng.choice(len(CITIES), p=weights / weights.sum())]
        day = START + timedelta(days=int(rng.integers(0, DAYS)))
        etype = (
            tax["encounter_types"][i % len(tax["encounter_types"])] if i < 40 else rng.choice(tax["encounter_types"])
        )
        forces = _pick_multi(rng, force_order[1:], 3, p_empty=0.1)
        if i % 9 == 0:
            forces = ["none"]
        forces = sorted(forces, key=force_order.index)
        date_precision = rng.choice(["day", "week", "month", "year"], p=[0.85, 0.06, 0.07, 0.02])
        if date_precision == "month":
            day = day.replace(day=1)
        elif date_precision == "year":
            day = day.replace(month=1, day=1)
        precision = rng.choice(
            ["exact", "block", "city", "county", "region", "state"], p=[0.3, 0.2, 0.35, 0.05, 0.05, 0.05]
        )
        lat = lon = ""
        city_out, county, region = city, "", ""
        if precision in ("exact", "block"):
            base = gaz.loc[(state, city.lower())]
            spread = 0.02 if precision == "exact" else 0.01
            lat = round(float(base["latitude"]) + rng.normal(0, spread), 5)
            lon = round(float(base["longitude"]) + rng.normal(0, spread), 5)
        elif precision == "county":
            city_out, county = "", {"MN": "27053", "IL": "17031", "CA": "06037", "TX": "48201"}.get(state, "27123")
            state = {"27053": "MN", "17031": "IL", "06037": "CA", "48201": "TX", "27123": "MN"}[county]
        elif precision == "region":
            city_out, region = "", f"Demo region {state}"
        elif precision == "state":
            city_out = ""
        n_sources = 1 + int(rng.random() < 0.4) + int(rng.random() < 0.2)
        verification = rng.choice(tax["verification"], p=[0.45, 0.3, 0.15, 0.1])
        people = int(rng.choice([1, 1, 1, 2, 3, 5, 12, 40]))
        rows.append(
            {
                "encounter_id": f"DEMO-{i + 1:05d}",
                "date": day.isoformat(),
                "date_precision": date_precision,
                "state": state,
                "county_fips": county,
                "city": city_out,
                "latitude": lat,
                "longitude": lon,
                "location_precision": "" if precision in ("city", "county", "region", "state") else precision,
                "region": region,
                "agencies": "; ".join(_pick_multi(rng, tax["agencies"], 2)),
                "encounter_type": etype,
                "targeted_groups": "; ".join(_pick_multi(rng, tax["targeted_groups"], 3, p_empty=0.15)),
                "force_types": "; ".join(forces),
                "people_affected": people,
                "outcome": rng.choice(tax["outcomes"]),
                "summary": f"[DEMO] Fictional record for demonstration: an encounter at {PLACE_WORDS[etype]}"
                f" in {city_out or state}. Not a real event.",
                "verification": verification,
                "official_response": rng.choice(RESPONSES),
                "sources": " | ".join(f"https://example.org/demo/{i + 1:05d}/source-{k + 1}" for k in range(n_sources)),
                "last_updated": (day + timedelta(days=int(rng.integers(0, 30)))).isoformat(),
            }
        )
    frame = pd.DataFrame(rows)
    frame.insert(frame.columns.get_loc("encounter_type") + 1, "place_type", _place_types(n, seed, tax["place_types"]))
    _cover_every_value(frame, tax)
    _add_near_duplicates(frame)
    return frame


def _place_types(n: int, seed: int, values: list[str]) -> list[str]:
    """Every place type in turn for the first records, then at random with a fifth left empty (not
    said). A generator of its own, so the columns drawn before place types existed are unchanged."""
    rng = np.random.default_rng(seed + 1)
    drawn = [values[i] if i < len(values) else str(rng.choice(values)) for i in range(n)]
    return [v if i < len(values) or rng.random() >= 0.2 else "" for i, v in enumerate(drawn)]


def _cover_every_value(frame: pd.DataFrame, tax: dict) -> None:
    """Make sure each taxonomy value appears at least once (the demo exercises the whole schema)."""
    for column, key in (("agencies", "agencies"), ("targeted_groups", "targeted_groups"), ("outcome", "outcomes")):
        for k, value in enumerate(tax[key]):
            row = 100 + 7 * k + (0 if column == "agencies" else 3 if column == "outcome" else 5)
            frame.loc[row, column] = value
    for k, value in enumerate(tax["force_types"][1:]):
        frame.loc[200 + k, "force_types"] = value


def _add_near_duplicates(frame: pd.DataFrame) -> None:
    """Every 250th record is reported twice (a second source's version), so the duplicate flag shows."""
    for i in range(5, len(frame) - 1, 250):
        for col in (
            "date",
            "state",
            "city",
            "latitude",
            "longitude",
            "location_precision",
            "agencies",
            "county_fips",
            "region",
        ):
            frame.loc[i + 1, col] = frame.loc[i, col]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/sources/demo/encounters.csv")
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    generate(args.n).to_csv(args.out, index=False)
    print(f"wrote {args.n:,} fictional demonstration records to {args.out}")


if __name__ == "__main__":
    main()
