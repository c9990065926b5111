"""What every page shares: the datasets directory, the loaded dataset, the filter sidebar and the URL.

The big read-only frame is held once per (directory, dataset, version) in st.cache_resource and
shared by every session; a new published version is picked up on the next rerun, without a restart.
"""

from __future__ import annotations

import functools
import gc
import re
import threading
import weakref
from datetime import date

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import auth, config, i18n, store
from dashboard.explore import filters as flt
from dashboard.explore import mapgeo
from dashboard.explore.data import Dataset, load_dataset
from dashboard.explore.summaries import tr
from dashboard.paths import datasets_dir
from dashboard.schema import load_schema

# Cached functions that take Filters hash them by their repr: Streamlit's own hashing of a dataclass
# (a deep asdict) costs ~0.5 ms a call, and Explore calls seven such functions a rerun.
HASH_FILTERS = {flt.Filters: repr}

# URL parameters that are not filters and must survive when the filters rewrite the URL.
KEEP_PARAMS = ("lang", "record", "view", "area_type", "area", "compare_from", "compare_to")
WIDGET_PREFIX = "f_"


def run_page(page) -> None:
    try:
        page.run()
    except store.DamagedVersion as exc:  # a clear message on the page, not Streamlit's redacted error
        damaged_message(exc)


def damaged_message(exc: store.DamagedVersion) -> None:
    st.error(
        t(
            "The dataset {name} cannot be shown: the files of its published version {version} are damaged. "
            "Its contributors can repair it by publishing the data again or restoring an earlier version. "
            "Choose another dataset in the sidebar, or come back later.",
            name=md_escape(exc.name),
            version=exc.version,
        ),
        icon=":material/broken_image:",
    )


def lang() -> str:
    """?lang=es or ?lang=en, else the browser's language, else English.

    Asked for by every t() (a few hundred times a rerun), so it is kept on the run's context for as
    long as the run's URL is the same; reading st.query_params each time cost ~5 ms a rerun."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return i18n.pick(st.query_params.get("lang"), getattr(st.context, "locale", None))
    key = (ctx.query_string, ctx.context_info)
    kept = _LANG_BY_RUN.get(id(ctx))
    if kept is None or kept[0]() is not ctx or kept[1] != key:
        gone = functools.partial(_forget, id(ctx))
        kept = (
            weakref.ref(ctx, gone),
            key,
            i18n.pick(st.query_params.get("lang"), getattr(st.context, "locale", None)),
        )
        _LANG_BY_RUN[id(ctx)] = kept
    return kept[2]


# id(run context) -> (a weak reference to it, its URL, its language): kept beside Streamlit's object
# rather than set on it (a private attribute), and dropped when the context goes. The context is an
# unhashable dataclass, so it cannot be a WeakKeyDictionary's key.
_LANG_BY_RUN: dict[int, tuple] = {}


def _forget(key: int, _ref) -> None:
    _LANG_BY_RUN.pop(key, None)


def t(text: str, **values) -> str:
    return i18n.t(text, lang(), **values)


def term(value: str) -> str:
    return i18n.term(value, lang())


def label_in_page_language(labels: dict | None = None):
    """A widget's format_func that keeps this run's language: Streamlit may call it outside the run
    (AppTest does, to read widget states), where lang() cannot see the page's URL. Without `labels`
    it translates taxonomy terms; with it, it translates labels[value]."""
    current = lang()
    if labels is None:
        return functools.partial(i18n.term, lang=current)
    return lambda value: i18n.t(labels[value], current)


def language_switch() -> None:
    """A visible English/Español switch; the choice goes into the URL so shared links keep it."""
    current = lang()
    choice = st.sidebar.segmented_control(
        t("Language"),
        list(i18n.LANGS),
        default=current,
        key="lang_switch",
        format_func={"en": "English", "es": "Español"}.get,
    )
    if choice and choice != current:
        st.query_params["lang"] = choice
        st.rerun()


@st.cache_resource(max_entries=8, show_spinner="Loading the dataset ...")
def _load(root: str, name: str, version: int) -> Dataset:
    threading.Thread(target=mapgeo.warm, name="warm boundaries", daemon=True).start()
    dataset = load_dataset(root, name, version)
    # What is loaded by now (modules, the dataset) lives as long as the server: move it out of the
    # garbage collector's reach. Otherwise each full collection walks ~200,000 objects (~100 ms) in
    # the middle of some visitor's rerun. Collect first, so that no garbage is kept forever.
    gc.collect()
    gc.freeze()
    return dataset


def data_root() -> str:
    return str(datasets_dir())


def available() -> list[str]:
    return store.list_datasets(data_root())


def dataset_at(name: str, version: int) -> Dataset:
    """A version already known (cached functions are keyed by it): no read of the CURRENT pointer."""
    return _load(root=data_root(), name=name, version=version)


def get_dataset(name: str) -> Dataset:
    root = data_root()
    return _load(root=root, name=name, version=store.current_version(root, name))  # keywords: see explore.py


def default_dataset(names: list[str]) -> str:
    return config.default_dataset(names)


def demo_banner(dataset: Dataset) -> None:
    if dataset.is_demo:
        st.warning(
            t(
                "**Demonstration data.** Every record in this dataset is fictional, generated to show how the "
                "dashboard works. None describes a real event."
            ),
            icon=":material/science:",
        )


def no_data_message() -> None:
    st.error(
        t(
            "No dataset is published yet. Run `make run` (which publishes the shipped datasets) or publish one "
            "with `encounters publish FILE --dataset NAME`."
        )
    )


@st.cache_resource
def county_names() -> dict[str, str]:
    from dashboard.geo import counties_geojson

    return {f["id"]: f"{f['properties']['name']}, {f['properties']['state']}" for f in counties_geojson()["features"]}


class _Labels(dict):
    def __missing__(self, key) -> str:
        return str(key)


@st.cache_resource
def _county_labels() -> _Labels:
    """FIPS -> "Hennepin County, MN (27053)". The sidebar passes its lookup as format_func, which
    Streamlit calls for each of ~3,000 options on every rerun: a dict lookup, not a Python function."""
    return _Labels({fips: f"{name} ({fips})" for fips, name in county_names().items()})


def _label(column: str):
    return _county_labels().__getitem__ if column == "county_fips" else str


def _init_from_url(dataset: Dataset, names: list[str]) -> list[str]:
    """On a session's first run (or a new dataset), widget values come from the URL."""
    parsed, notes = flt.from_query(st.query_params, dataset, names)
    st.session_state[WIDGET_PREFIX + "dates"] = (
        parsed.date_from or _min_date(dataset),
        parsed.date_to or _max_date(dataset),
    )
    for _param, (attr, _column) in flt.LIST_PARAMS.items():
        st.session_state[WIDGET_PREFIX + attr] = list(getattr(parsed, attr))
    st.session_state[WIDGET_PREFIX + "min_force"] = parsed.min_force or ""
    return notes


def _min_date(dataset: Dataset) -> date:
    return dataset.date_range[0] if dataset.date_range else date.today()  # computed once per dataset


def _max_date(dataset: Dataset) -> date:
    return dataset.date_range[1] if dataset.date_range else date.today()


def sidebar_filters(extra_keep: dict | None = None) -> tuple[Dataset, flt.Filters] | tuple[None, None]:
    """Draw the filter sidebar, keep the URL in step with it, and return (dataset, filters)."""
    names = available()
    if not names:
        no_data_message()
        return None, None
    wanted = (flt._split(st.query_params.get_all("dataset")) or [""])[0]
    if "dataset_choice" not in st.session_state:
        st.session_state["dataset_choice"] = wanted if wanted in names else default_dataset(names)
    side = st.sidebar
    name = side.selectbox(t("Dataset"), names, key="dataset_choice")
    dataset = get_dataset(name)
    if st.session_state.get("_filters_for") != name:
        notes = _init_from_url(dataset, names) if st.session_state.get("_filters_for") is None else []
        if st.session_state.get("_filters_for") is not None:
            st.query_params.clear()
            _init_from_url(dataset, names)
        st.session_state["_filters_for"] = name
        st.session_state["_url_notes"] = notes
    for note in st.session_state.get("_url_notes", []):
        st.info(t("Link: {note}", note=md_escape(note)), icon=":material/link_off:")

    schema = load_schema()
    lo, hi = _min_date(dataset), _max_date(dataset)
    dates = side.date_input(
        t("Dates"), key=WIDGET_PREFIX + "dates", min_value=min(lo, date(1990, 1, 1)), max_value=max(hi, date.today())
    )
    # The most used filters stay in view; the others open in two popovers. A browser draws a
    # popover's widgets only when it is opened, and each widget in view cost ~60 ms of a first
    # page load here (issue 7: the map must be drawn within 3 s). The caption under the page
    # title names every filter that is set, wherever its widget is.
    term_here = label_in_page_language()
    chosen = _picks(side, dataset, "main", schema, term_here)
    any_level = t("any (including not recorded)")
    min_force = side.selectbox(
        t("Minimum force level"),
        ["", *schema.taxonomies["force_types"].values],
        key=WIDGET_PREFIX + "min_force",
        format_func=lambda v: term_here(v) if v else any_level,
    )
    for box, label, icon in POPOVERS:
        chosen |= _picks(side.popover(t(label), width="stretch", icon=icon), dataset, box, schema, term_here)
        _chosen_inside(side, tuple(f.attr for f in flt.LIST_FILTERS if f.place == box))

    date_from, date_to = dates if isinstance(dates, tuple | list) and len(dates) == 2 else (lo, hi)
    filters = flt.Filters(
        dataset=name,
        date_from=date_from if date_from != lo else None,
        date_to=date_to if date_to != hi else None,
        min_force=min_force or None,
        **{attr: tuple(values) for attr, values in chosen.items()},
    )
    if side.button(t("Clear filters"), icon=":material/filter_alt_off:", use_container_width=True):
        st.query_params.clear()
        st.query_params["dataset"] = name
        st.session_state.pop("_filters_for", None)
        st.rerun()
    sync_url(filters, extra_keep)
    return dataset, filters


POPOVERS = (
    ("where", tr("County, city, district, place type"), ":material/location_on:"),
    ("more", tr("Force type, agency, encounter type, verification"), ":material/tune:"),
)


def _picks(container, dataset: Dataset, place: str, schema, term_here) -> dict[str, list]:
    """The multiselects of the filters declared for one place of the sidebar: Filters field -> chosen."""
    chosen = {}
    for spec in flt.LIST_FILTERS:
        if spec.place != place:
            continue
        options, fmt = _options(dataset, spec, schema, term_here)
        if options:  # a filter with nothing to choose from (no operation in the demo) is not drawn
            chosen[spec.attr] = _pick(container, t(spec.label), options, spec.attr, fmt)
    return chosen


def _options(dataset: Dataset, spec: flt.FilterSpec, schema, term_here) -> tuple[list, object]:
    """A filter's choices and how each reads: every taxonomy value (even one no record has yet), or
    for places and operations the values present in the dataset."""
    column = schema.column(spec.column)
    if spec.column == "county_fips":
        return dataset.values(spec.column), _label(spec.column)
    if column.taxonomy and spec.param not in ("state", "operation"):
        return list(schema.taxonomies[column.taxonomy].values), term_here
    return dataset.values(spec.column), term_here if column.taxonomy and spec.param != "state" else str


def _pick(container, label: str, options, attr: str, format_func=str) -> list:
    """One filter's multiselect; `label` is already in the reader's language."""
    # Streamlit's own placeholder is English only
    return container.multiselect(
        label, options, key=WIDGET_PREFIX + attr, format_func=format_func, placeholder=t("Choose options")
    )


def _chosen_inside(side, attrs: tuple[str, ...]) -> None:
    """Under a closed popover, say how many values are chosen in it (its label stays the same: a new
    label would close it after every choice)."""
    n = sum(len(st.session_state.get(WIDGET_PREFIX + a) or ()) for a in attrs)
    if n:
        side.caption(t("{n} chosen", n=i18n.num(n, lang())))


def sync_url(filters: flt.Filters, extra: dict | None = None) -> None:
    """Write the filters (and page parameters worth sharing) into the URL, keeping the rest."""
    kept = {k: st.query_params.get_all(k) for k in KEEP_PARAMS if k in st.query_params}
    wanted = {**kept, **filters.to_query(), **(extra or {})}
    wanted = {k: v for k, v in wanted.items() if v not in (None, "", [])}
    current = {k: st.query_params.get_all(k) for k in st.query_params}
    normal = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
    if normal != current:
        st.query_params.from_dict(wanted)


def permalink(query: dict, page: str = "") -> str:
    """A relative link that reopens a view (the browser resolves it against the app's address)."""
    from urllib.parse import urlencode

    return f"./{page}?{urlencode(query, doseq=True)}"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$:])")


def md_escape(text: object) -> str:
    """Text (from a URL or a record) shown through a Markdown element as its literal characters:
    no links, images, emphasis, :icon: or :colour[] directives, LaTeX."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def fmt_int(n: int | None) -> str:
    return "–" if n is None else f"{n:,}"


def fmt_share(x: float | None) -> str:
    return "–" if x is None else f"{x:.0%}"


MIME = {
    "csv": "text/csv",
    "geojson": "application/geo+json",
    "pdf": "application/pdf",
    "txt": "text/plain",
    "png": "image/png",
}


def download(container, label: str, data, file_name: str, key: str, icon: str | None = ":material/download:") -> None:
    """A download button that does not rerun the page when pressed; the file's type from its name.
    `data` may be a function, called only when the button is pressed."""
    mime = MIME[file_name.rsplit(".", 1)[-1]]
    container.download_button(label, data, file_name=file_name, mime=mime, on_click="ignore", icon=icon, key=key)


def client_address() -> str:
    """Who is asking (the sign-in throttle and the Report page's rate limit): the connection's address,
    or what a trusted proxy (loopback, or $ENCOUNTERS_TRUSTED_PROXIES) put in X-Forwarded-For, as nginx of
    `make cluster` or an ingress sets it. See auth.client_address."""
    try:
        remote, headers = st.context.ip_address, st.context.headers
    except Exception:  # no browser session (a script run without a server)
        remote, headers = None, None
    remote = remote if isinstance(remote, str) else None  # None: loopback (AppTest gives a stand-in object)
    return auth.client_address(remote, headers.get("X-Forwarded-For") if headers else None)
