"""Contribute: sign in, upload a file, read its validation report, preview the changes, publish, roll back.

app.py puts this page in the navigation only for a signed-in contributor (a "Sign in" page takes its
URL otherwise), and `render` checks again. Contributors are configured in .streamlit/secrets.toml
(see .streamlit/secrets.example.toml and dashboard/auth.py).

Text that comes from a person or a file (names, file names, values, messages quoting them) is drawn
with st.text, st.dataframe or st.code, never as Markdown or HTML.
"""

from __future__ import annotations

import os
from dataclasses import replace
from importlib.util import find_spec
from pathlib import Path

import streamlit as st

from dashboard import auth, contributor_files, store
from dashboard.ingest.pipeline import accounting_line, problem_summary, publish_prepared, published_line
from dashboard.ingest.read import FileUnusable
from dashboard.ingest.report import allowed_values
from dashboard.paths import MAPPINGS_DIR
from dashboard.upload_limits import UploadNotStored
from dashboard.views import common, review_queue, uploads

SESSION_KEY = "contributor"
NEW_DATASET = "+ a new dataset"
NO_MAPPING = "none (the file has the canonical columns)"
EDITED_MAPPING = "my own mapping: draft it from the file and edit it here"
_MAPPING_TEXT, _MAPPING_APPLIED = "contribute_mapping_text", "_contribute_mapping_applied"
MAX_SHOWN = 5_000  # rows of a table sent to the browser; the downloads have every row
_FLASH, _SEEN, _UPLOAD_N, _STORED = (
    "_contribute_flash",
    "_contribute_seen",
    "_contribute_upload_n",
    "_contribute_stored",
)


# ---------------------------------------------------------------- who is signed in


Identity = auth.Identity


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except Exception:  # no secrets file at all: nobody can sign in
        return {}


def contributor_config() -> auth.ContributorConfig:
    return auth.load_config(_secrets())


def _provider_user(config: auth.ContributorConfig) -> dict:
    """st.user when an OpenID Connect provider is configured and someone signed in with it; else {}."""
    if not config.oidc_enabled:
        return {}
    try:
        info = st.user.to_dict()
    except Exception:
        return {}
    return info if info.get("is_logged_in") is True else {}


def current() -> Identity | None:
    """The signed-in contributor, checked against the configuration on every run."""
    config = contributor_config()
    return auth.identify(config, st.session_state.get(SESSION_KEY), _provider_user(config))


def signed_in() -> bool:
    return current() is not None


@st.cache_resource(show_spinner=False)
def _limiter(path: str) -> auth.RateLimiter:
    """One limiter per data directory, shared by every session of this server (and, through its file,
    with every other server process serving the same directory)."""
    return auth.RateLimiter(Path(path) if path else None)


def rate_limiter() -> auth.RateLimiter:
    folder = Path(common.data_root()) / "_auth"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        writable = os.access(folder, os.W_OK)
    except OSError:
        writable = False
    return _limiter(str(folder / "sign-in-failures.json") if writable else "")


def _sign_out(who: Identity | None) -> None:
    for key in [k for k in st.session_state if str(k).startswith(("contribute", "_contribute"))]:
        del st.session_state[key]
    st.session_state.pop(SESSION_KEY, None)
    if who is not None and who.method == "provider":
        st.logout()
    st.rerun()


# ---------------------------------------------------------------- the sign-in page


def render_sign_in() -> None:
    st.title("Sign in")
    st.write(
        "Contributors sign in here to check, preview and publish new versions of the datasets. "
        "Visitors need no account: every other page is open to all."
    )
    config = contributor_config()
    if not config.configured:
        st.info("Contributor sign-in is not configured on this deployment.", icon=":material/lock:")
        st.caption(
            "Operators: list contributors in .streamlit/secrets.toml "
            "(see .streamlit/secrets.example.toml; `encounters hash-password` makes a password hash)."
        )
        return
    user = _provider_user(config)
    if user:
        st.warning("You are signed in with the provider as the account below, which may not contribute here.")
        st.text(str(user.get("email") or user.get("name") or "(no e-mail address given)"))
        if st.button("Sign out", icon=":material/logout:", key="sign_out_provider"):
            st.logout()
        return
    if config.passwords:
        _password_form(config)
    if config.oidc_enabled and config.allowed_emails:
        _provider_buttons(config)


def _password_form(config: auth.ContributorConfig) -> None:
    with st.form("sign_in", clear_on_submit=True):
        username = st.text_input("Username", key="sign_in_username", max_chars=200, autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="sign_in_password", max_chars=1024, autocomplete="current-password"
        )
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if not submitted:
        return
    if not username or not password:
        st.error("Type your username and your password.")
        return
    result = auth.sign_in(config, rate_limiter(), username, password, common.client_address())
    if not result.ok:
        st.error(result.message, icon=":material/block:")  # auth's own words: never the typed username
        return
    c = result.contributor
    st.session_state[SESSION_KEY] = {
        "method": "password",
        "id": c.username,
        "fingerprint": auth.fingerprint(c.password_hash),
    }
    st.rerun()  # the navigation now holds the Contribute page at this same URL


def _provider_buttons(config: auth.ContributorConfig) -> None:
    if config.passwords:
        st.write("or")
    if find_spec("authlib") is None:
        st.warning("Sign-in with a provider is configured, but the server lacks the Authlib package.")
        return
    for provider in config.oidc_providers:
        label = "Sign in with provider" if provider is None else f"Sign in with {provider}"
        if st.button(label, key=f"sign_in_provider_{provider or ''}", icon=":material/key:"):
            st.login(provider) if provider else st.login()


# ---------------------------------------------------------------- the Contribute page


def render() -> None:
    who = current()
    if who is None:  # the page's URL opened without signing in (or the sign-in was revoked)
        render_sign_in()
        return
    st.title("Contribute")
    top = st.columns([5, 1], vertical_alignment="center")
    top[0].text(f"Signed in as {who.name}" + (f" ({who.id})" if who.name != who.id else ""))
    if top[1].button("Sign out", icon=":material/logout:", key="sign_out"):
        _sign_out(who)
    _show_flash()

    root = Path(common.data_root())
    name, is_new = _choose_dataset(root)
    if name is None:
        return
    upload_tab, history_tab, audit_tab, reports_tab = st.tabs(
        ["Upload and publish", "History and rollback", "Audit log", "Reports from visitors"]
    )
    with upload_tab:
        _upload_and_publish(root, name, is_new, who)
    with history_tab:
        _history(root, name, who)
    with audit_tab:
        _audit(root, name)
    with reports_tab:
        review_queue.render(root, who)


def _flash(text: str) -> None:
    """A success message for the next run (publish and rollback rerun the page)."""
    st.session_state[_FLASH] = text


def _show_flash() -> None:
    if text := st.session_state.pop(_FLASH, None):
        st.success(text, icon=":material/check_circle:")


def _user_error(headline: str, detail: str) -> None:
    """An error whose details quote the user's file: the headline as an alert, the details as plain text."""
    st.error(headline, icon=":material/error:")
    st.text(detail)


def _choose_dataset(root: Path) -> tuple[str | None, bool]:
    names = store.list_datasets(root)
    choice = st.selectbox("Dataset", [*names, NEW_DATASET], key="contribute_dataset")
    if choice != NEW_DATASET:
        return choice, False
    typed = st.text_input(
        "Name of the new dataset",
        key="contribute_new_name",
        max_chars=64,
        placeholder="letters, digits, - and _",
    ).strip()
    if not typed:
        st.info("Type a name for the new dataset.")
        return None, True
    try:
        store.check_name(typed)
    except store.StoreError:
        st.error("That name cannot be used: letters, digits, - and _ only, starting with a letter or digit.")
        return None, True
    if typed in names:
        st.info("A dataset with this name exists: the upload will be a new version of it.")
        return typed, False
    return typed, True


@st.cache_resource(show_spinner=False)
def _cache() -> dict[str, contributor_files.LRU]:
    """Checked files (by content and mapping) and previews, shared by sessions of this server."""
    return {"prepared": contributor_files.LRU(3), "preview": contributor_files.LRU(2)}


def _mapping_choice() -> Path | str | None:
    files = sorted(p.name for p in MAPPINGS_DIR.glob("*.y*ml")) if MAPPINGS_DIR.is_dir() else []
    choice = st.selectbox(
        "Mapping",
        [NO_MAPPING, EDITED_MAPPING, *files],
        key="contribute_mapping",
        help="A file from data/mappings/ that turns a file in a foreign format (police open data, a FOIA "
        "release) into encounter records, or your own: drafted from the uploaded file, edited here.",
    )
    if choice == EDITED_MAPPING:
        return EDITED_MAPPING
    return None if choice == NO_MAPPING else MAPPINGS_DIR / choice


def _draft_into_editor(stored: Path, source: str) -> None:
    """The Draft button's callback: it runs before the page, so it may fill the text area."""
    try:
        st.session_state[_MAPPING_TEXT] = contributor_files.draft_for_upload(stored, source)
    except FileUnusable as exc:
        st.session_state[_MAPPING_TEXT] = f"# The file could not be read, so nothing was drafted: {exc}\n"


def _apply_mapping_text() -> None:
    st.session_state[_MAPPING_APPLIED] = st.session_state.get(_MAPPING_TEXT, "")


def _edited_mapping(root: Path, stored: Path, source: str) -> Path | None:
    """Draft a mapping from the upload, edit it in a text area, validate the file with it. The path of the
    mapping last applied, or None while there is none."""
    st.subheader("Your mapping")
    st.write(
        "Draft a mapping from this file: every column is proposed from its header and contents, every "
        "distinct value of the mapped columns is listed with the rows it covers, and each FILL IN marks "
        "what only you can say (the agency, how certain the records are, the sources). Edit it below, then "
        "validate the file with it. `encounters mapping reference` describes every key."
    )
    buttons = st.columns(3)
    buttons[0].button(
        "Draft a mapping",
        icon=":material/auto_fix_high:",
        key="contribute_draft_mapping",
        on_click=_draft_into_editor,
        args=(stored, source),
    )
    text = st.text_area(
        "Mapping (YAML)",
        key=_MAPPING_TEXT,
        height=420,
        placeholder="Press Draft a mapping, or paste a mapping here.",
    )
    buttons[1].button(
        "Validate with this mapping",
        type="primary",
        icon=":material/fact_check:",
        key="contribute_apply_mapping",
        on_click=_apply_mapping_text,
        disabled=not text.strip(),
    )
    if text.strip():
        stem = Path(source).stem or "mapping"
        buttons[2].download_button(
            "Download the mapping (YAML)",
            data=text.encode("utf-8"),
            file_name=f"{stem}-mapping.yaml",
            mime="application/x-yaml",
            icon=":material/download:",
            key="contribute_download_mapping",
        )
    applied = st.session_state.get(_MAPPING_APPLIED, "")
    if not applied.strip():
        st.caption("Nothing is checked until you press Validate with this mapping.")
        return None
    if applied != text:
        st.caption("The report below is for the mapping as it was when you last pressed Validate.")
    return contributor_files.store_mapping_text(root, applied)


def _stored_upload(root: Path, uploaded) -> Path:
    """Save an upload once (not on every rerun) under a generated name."""
    saved = st.session_state.get(_STORED)
    if saved and saved[0] == uploaded.file_id and Path(saved[1]).is_file():
        return Path(saved[1])
    path = contributor_files.store_upload(root, uploaded, uploaded.name)
    st.session_state[_STORED] = (uploaded.file_id, str(path))
    return path


def _upload_and_publish(root: Path, name: str, is_new: bool, who: Identity) -> None:
    seen_before = st.session_state.pop(_SEEN, None)  # the preview the person saw on the previous run
    mapping = _mapping_choice()
    n = st.session_state.setdefault(_UPLOAD_N, 0)
    if not uploads.room_for_upload(root, uploads.contributor_upload_limit()):
        st.warning(uploads.FULL_DISK, icon=":material/storage:")
        return
    uploaded = st.file_uploader(
        "File to publish into the dataset (CSV, or an Excel .xlsx sheet)",
        type=contributor_files.UPLOAD_TYPES,
        key=f"contribute_file_{n}",
        help="One encounter per row. The first sheet of an Excel file is read.",
    )
    if uploaded is None:
        st.caption(
            "Nothing is published until you press Publish: first you see every problem in the file, row by "
            "row, and exactly which records would be added, changed and removed."
        )
        return
    source = contributor_files.display_name(uploaded.name)
    try:
        stored = _stored_upload(root, uploaded)
    except FileUnusable as exc:
        _user_error("This file cannot be used.", f"{source}: {exc}")
        return
    except UploadNotStored as exc:  # a full disk: the server's problem, not the file's
        _user_error("The file could not be stored.", f"{source}: {exc}")
        return
    if mapping == EDITED_MAPPING:
        mapping = _edited_mapping(root, stored, source)
        if mapping is None:
            return
    mapping_key = (str(mapping), mapping.stat().st_mtime_ns) if mapping else None
    key = (stored.name, mapping_key)
    prepared = _cache()["prepared"].get(key)
    if prepared is None:
        prepared = _check(stored, mapping, source)
        if prepared is None:
            return
        _cache()["prepared"].put(key, prepared)
    prepared = replace(prepared, source=source)

    _report(prepared, name)
    if prepared.mapped is not None:
        _mapped_preview(prepared)
    version = store.current_version(root, name)
    old, changes = _changes(root, name, version, key, prepared)
    _preview(prepared, old, changes, name, version)
    seen = (key, name, version)
    st.session_state[_SEEN] = seen
    _publish(root, name, is_new, who, prepared, changes, version, fresh=seen_before == seen)


def _check(stored: Path, mapping: Path | None, source: str):
    """Read, map, validate and clean the file, showing each step; None (after saying why) if unusable."""
    with st.status("Checking the file ...", expanded=True) as status:
        bar = st.progress(0.0)
        total = 2
        done = [0]

        def step(text: str) -> None:
            bar.progress(done[0] / total, text=text)
            done[0] += 1

        try:
            prepared = contributor_files.prepare_in_steps(stored, mapping, source, step)
        except FileUnusable as exc:
            status.update(label="The file cannot be used", state="error", expanded=True)
            _user_error("This file cannot be used as a whole; nothing was published.", str(exc))
            return None
        except Exception as exc:  # never a traceback: say what failed
            status.update(label="The file could not be checked", state="error", expanded=True)
            _user_error("The file could not be checked; nothing was published.", f"{type(exc).__name__}: {exc}")
            return None
        bar.progress(1.0, text="Done")
        c = prepared.counts()
        grouped = "encounters" in c or "rows_left_out" in c  # a mapping grouped rows or left some out
        status.update(
            label=f"Checked: {accounting_line(c)}"
            if grouped
            else f"Checked: {c['rows_in']:,} rows in, {c['rows_valid']:,} valid, {c['rows_invalid']:,} invalid",
            state="complete",
            expanded=False,
        )
    return prepared


def _counts(figures: dict[str, int]) -> None:
    """A row of counts, one metric each."""
    for col, (label, n) in zip(st.columns(len(figures)), figures.items(), strict=True):
        col.metric(label, f"{n:,}")


def _report(prepared, name: str) -> None:
    st.subheader("Validation report")
    st.text(prepared.report.describe())
    for note in prepared.notes:
        st.text(f"Note: {note}")
    c = prepared.counts()
    _counts({"Rows in": c["rows_in"], "Valid": c["rows_valid"], "Invalid": c["rows_invalid"]})
    if "rows_left_out" in c or "encounters" in c:  # a mapping's leave_out rules or group_by: say how rows add up
        st.text(accounting_line(c))
    problems = prepared.problems
    if problems.empty:
        st.success("Every row is valid.", icon=":material/check:")
        return
    if prepared.mapping:
        st.write(
            "Every problem, by spreadsheet row and column. Each reason names the mapping key that fixes it "
            "(values:, format:, constants:) and the source column it came from."
        )
    else:
        st.write("Every problem, by spreadsheet row and column. Fix them in your file and upload it again.")
    columns = sorted(problems["column"].astype(str).unique())
    chosen = st.multiselect("Show problems in these columns", columns, key="contribute_problem_columns")
    shown = problems[problems["column"].isin(chosen)] if chosen else problems
    st.caption(f"{len(shown):,} problems in {shown['row'].nunique():,} rows")
    st.dataframe(
        shown.head(MAX_SHOWN),
        hide_index=True,
        width="stretch",
        column_config={"row": st.column_config.NumberColumn("row", format="%d")},
    )
    if len(shown) > MAX_SHOWN:
        st.caption(f"The first {MAX_SHOWN:,} problems are shown; the download has all {len(shown):,}.")
    dl = st.columns(2)
    common.download(
        dl[0],
        "Download these problems (CSV)",
        lambda: contributor_files.safe_csv(shown),
        f"{name}-problems.csv",
        "contribute_download_problems",
    )
    common.download(
        dl[1],
        "Download the invalid rows with their problems (CSV)",
        lambda: contributor_files.safe_csv(prepared.quarantine()),
        f"{name}-invalid-rows.csv",
        "contribute_download_invalid",
    )
    with st.expander("Problems grouped by column, value and reason"):
        st.dataframe(problem_summary(shown).head(MAX_SHOWN), hide_index=True, width="stretch")
    allowed = {c: a for c in columns if (a := allowed_values(c))}
    if allowed:
        with st.expander("Allowed values of these columns"):
            st.dataframe(
                {"column": list(allowed), "allowed values": list(allowed.values())}, hide_index=True, width="stretch"
            )


def _mapped_preview(prepared) -> None:
    """N records as the mapping made them, each beside the source row it came from."""
    st.subheader("Preview: records beside their source rows")
    n = st.number_input("Records to preview", min_value=1, max_value=50, value=3, key="contribute_preview_n")
    for row, valid, source, record in contributor_files.preview_frames(prepared, int(n)):
        st.caption(f"Row {row}: " + ("valid" if valid else "invalid (its problems are in the report above)"))
        left, right = st.columns(2)
        left.dataframe(source, hide_index=True, width="stretch")
        right.dataframe(record, hide_index=True, width="stretch")


def _changes(root: Path, name: str, version: int | None, key, prepared):
    """(published records, changes) against the current version; cached per file and version. A damaged
    current version is compared with nothing (publishing this file repairs it), and the page says so."""
    cache_key = (str(root), name, version, key)
    hit = _cache()["preview"].get(cache_key)
    if hit is None:
        with st.spinner("Comparing with the published version ..."):
            try:
                old = store.load_records(root, name, version) if version else None
            except store.DamagedVersion as exc:
                st.warning(
                    f"The current version is damaged, so this preview compares the file with nothing: {exc.damage}. "
                    "Publishing this file repairs the dataset (the History tab can also restore a whole version).",
                    icon=":material/broken_image:",
                )
                return None, store.diff_records(None, prepared.records)
            hit = (old, store.diff_records(old, prepared.records))
        _cache()["preview"].put(cache_key, hit)
    return hit


def _preview(prepared, old, changes: store.Changes, name: str, version: int | None) -> None:
    st.subheader("What publishing would change")
    if version:
        st.caption(f"Compared with version {version} of {name}, the version visitors see now.")
    else:
        st.caption(f"{name} has no published version yet: every valid record would be added.")
    s = changes.summary()
    _counts({"Added": s["added"], "Changed": s["changed"], "Removed": s["removed"]})
    if s["removed"]:
        st.warning(
            f"{s['removed']:,} published records are not in this file: publishing removes them from the dataset.",
            icon=":material/warning:",
        )
    if not any(s.values()):
        st.info("This file holds exactly the published records: publishing would change nothing.")
    with st.expander(f"Records changed ({s['changed']:,}), field by field", expanded=0 < s["changed"] <= 200):
        details = contributor_files.change_details(old, prepared.records, changes, limit=MAX_SHOWN // 10)
        st.dataframe(
            details,
            hide_index=True,
            width="stretch",
        )
        if s["changed"] > MAX_SHOWN // 10:
            st.caption(f"The first {MAX_SHOWN // 10:,} changed records are shown.")
    with st.expander(f"Records removed ({s['removed']:,})", expanded=0 < s["removed"] <= 200):
        st.dataframe(
            contributor_files.removed_rows(old, changes, MAX_SHOWN),
            hide_index=True,
            width="stretch",
        )
    with st.expander(f"Records added ({s['added']:,})", expanded=0 < s["added"] <= 50):
        st.dataframe(
            contributor_files.added_rows(prepared.records, changes, MAX_SHOWN),
            hide_index=True,
            width="stretch",
        )


def _publish(root: Path, name: str, is_new: bool, who: Identity, prepared, changes, version, fresh: bool) -> None:
    st.subheader("Publish")
    c, s = prepared.counts(), changes.summary()
    if c["rows_valid"] == 0:
        st.error("No row of this file is valid, so there is nothing to publish. Fix the problems above first.")
        return
    target = (version or 0) + 1
    st.write(
        f"Publishing makes {c['rows_valid']:,} records version {target} of {name}, at once for every visitor. "
        "Earlier versions stay in the history and can be restored."
    )
    metadata = None
    if is_new:
        metadata = _new_dataset_metadata(name)
    risks = []
    if c["rows_invalid"]:
        risks.append(f"{c['rows_invalid']:,} invalid rows will not be published (they are kept with their reasons)")
    if s["removed"]:
        risks.append(f"{s['removed']:,} published records will be removed")
    confirmed = True
    if risks:
        confirmed = st.checkbox(
            "I have read the report and the preview: " + "; ".join(risks) + ".",
            key=f"contribute_confirm_{name}_{prepared.file_hash[:12]}",
        )
    clicked = st.button(
        f"Publish version {target} of {name}",
        type="primary",
        icon=":material/publish:",
        disabled=not confirmed,
        key="contribute_publish",
    )
    if not clicked:
        return
    if not fresh:
        st.error(
            "The published dataset changed since the preview you saw (someone else published), or your choices "
            "changed. Nothing was published: read the updated preview above and publish again."
        )
        return
    try:
        with st.spinner("Publishing ... (if another publish of this dataset is running, this waits for it)"):
            manifest = publish_prepared(prepared, root, name, who=who.id, metadata=metadata)
    except store.PublishBusy as exc:
        st.error(f"Not published: {exc}", icon=":material/hourglass_top:")  # names the dataset only
        return
    except store.StoreWriteError as exc:  # the disk is full (which directory), or another write failed
        st.error("Not published: " + ("the disk is full." if exc.disk_full else "the version could not be written."))
        st.text(str(exc))
        return
    except Exception as exc:
        st.error("Not published: the dataset could not be written. Nothing was changed.")
        st.text(f"{type(exc).__name__}: {exc}")
        return
    ch = manifest["changes"]
    _flash(
        f"Published version {manifest['version']} of {name}: {manifest['rows_published']:,} records "
        f"({ch['added']:,} added, {ch['changed']:,} changed, {ch['removed']:,} removed); "
        f"{manifest['rows_quarantined']:,} rows quarantined. Every page shows it now."
        + (f" {published_line(manifest)}." if "rows_left_out" in manifest or "rows_grouped" in manifest else "")
        + "".join(f" ({manifest[k]})" for k in ("note", "warning") if manifest.get(k)),
    )
    st.session_state[_UPLOAD_N] = st.session_state.get(_UPLOAD_N, 0) + 1  # a fresh, empty uploader
    st.session_state.pop(_STORED, None)
    st.rerun()


def _new_dataset_metadata(name: str) -> dict:
    """What a new dataset's About page will say; without a license it says "unknown", and this warns first."""
    st.write("A new dataset: say what it is. The About page shows this to every visitor.")
    title = st.text_input("Title", key="contribute_new_title", max_chars=200, placeholder=name).strip()
    description = st.text_area("Description", key="contribute_new_description", max_chars=2000, height=80).strip()
    license_text = st.text_input(
        "License", key="contribute_new_license", max_chars=300, placeholder="e.g. Public domain (US government record)"
    ).strip()
    source = st.text_input("Source (publisher and address)", key="contribute_new_source", max_chars=500).strip()
    demo = st.checkbox("These records are fictional (demonstration data)", key="contribute_new_demo", value=False)
    if not license_text:
        st.warning(
            "No license given: the dataset's license will be recorded as unknown, and the About page will warn "
            "visitors that its reuse terms are not known. Give the license the publisher states, if any.",
            icon=":material/warning:",
        )
    metadata = {"title": title or name, "demonstration": bool(demo)}
    if description:
        metadata["description"] = description
    if license_text:
        metadata["license"] = license_text
    if source:
        metadata["sources"] = [{"title": source}]
    return metadata


# ---------------------------------------------------------------- history, rollback, audit


def _history(root: Path, name: str, who: Identity) -> None:
    versions = store.history(root, name) if name in store.list_datasets(root) else []
    if not versions:
        st.info(f"{name} has no published version yet.")
        return
    damaged = [h for h in versions if h["damage"]]
    if any(h["current"] for h in damaged):
        st.error(
            "The current version is damaged: visitors see a message instead of this dataset. Restore a whole "
            "version below, or publish a file in the first tab.",
            icon=":material/broken_image:",
        )
    elif damaged:
        st.warning(
            f"{len(damaged)} earlier version(s) are damaged and cannot be restored; the current one is whole.",
            icon=":material/broken_image:",
        )
    st.dataframe(
        contributor_files.history_frame(versions),
        hide_index=True,
        width="stretch",
    )
    older = sorted((h["version"] for h in versions if not h["current"] and not h["damage"]), reverse=True)
    if not older:
        return
    st.write("Restore an earlier version: it is published again as a new version, and the history keeps both.")
    target = st.selectbox("Version to restore", older, key=f"contribute_rollback_to_{name}")
    if st.button(f"Roll back to version {target}", icon=":material/history:", key="contribute_rollback"):
        try:
            manifest = store.rollback(root, name, int(target), who=who.id)
        except (store.PublishBusy, store.StoreError) as exc:
            st.error(f"Not rolled back: {exc}")
            return
        _flash(
            f"Version {target} of {name} restored as version {manifest['version']} "
            f"({manifest['rows_published']:,} records).",
        )
        st.rerun()


def _audit(root: Path, name: str) -> None:
    entries = store.read_audit(root, name) if (root / name).is_dir() else []
    if not entries:
        st.info(f"Nothing has been published to {name} yet.")
        return
    st.caption("Every publish and rollback of this dataset, including refused ones, newest first.")
    frame = contributor_files.audit_frame(entries)
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
    )
    common.download(
        st,
        "Download the audit log (CSV)",
        lambda: contributor_files.safe_csv(frame),
        f"{name}-audit.csv",
        "contribute_download_audit",
    )
