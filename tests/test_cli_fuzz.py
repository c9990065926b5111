"""Property: whatever bytes a contributor feeds `encounters validate`, the exit code is 0, 1 or 2
and there is never a traceback."""

from __future__ import annotations

import contextlib
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.cli import main

HEADER = "encounter_id,date,agencies,encounter_type,verification,sources\n"
cells = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
csv_rows = st.lists(st.lists(cells, min_size=0, max_size=8).map(lambda r: ",".join(r)), max_size=6)


def _validate(path) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    return code, out.getvalue() + err.getvalue()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600))
def test_arbitrary_bytes(tmp_path, data):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(data)
    code, text = _validate(path)
    assert code in (0, 1, 2)
    assert "Traceback" not in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=csv_rows, with_header=st.booleans())
def test_arbitrary_csv_shaped_text(tmp_path, lines, with_header):
    path = tmp_path / "fuzz.csv"
    path.write_text((HEADER if with_header else "") + "\n".join(lines), encoding="utf-8")
    code, text = _validate(path)
    assert code in (0, 1, 2)
    assert "Traceback" not in text
    assert "could not process the input" not in text, text  # an unexpected error is a bug, even if caught
