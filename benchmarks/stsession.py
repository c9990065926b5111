"""One visitor's session with a Streamlit server over its own websocket protocol, as the browser speaks it.

The browser opens `/_stcore/stream`, sends a BackMsg `rerun_script` (the page's query string, the page,
its widget states) and draws the ForwardMsg deltas until `script_finished`. This does the same with
asyncio, so one process can hold hundreds of sessions: it keeps the widgets of the last run (found
by their keys), the query string the server writes (`page_info_changed`), the pages of the navigation,
and the hashes of the messages it has cached (the browser reports them so that the server sends a
reference instead of the same large message again). Nothing is drawn.

Used by benchmarks/load.py; it targets 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

LOCAL_HOSTS = ("127.0.0.1",)
WIDGETS = {  # element type -> how the browser sends its value
    "multiselect": "string_array_value",
    "selectbox": "string_value",
    "radio": "string_value",
    "button": "trigger_value",
    "dataframe": "string_value",
    "button_group": "string_array_value",
    "pagination": "int_value",
    "date_input": "string_array_value",
}
FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN


class LoadError(Exception):
    """A run that a visitor would see fail: an exception on the page, no page, a lost connection."""


def local_base(url: str) -> str:
    """http://127.0.0.1:PORT, refusing any other host: this tool must never load someone else's server."""
    parts = urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS:
        raise ValueError(f"refusing to target {url!r}: only http://127.0.0.1:PORT is allowed")
    return f"http://{parts.hostname}:{parts.port or 80}"


@dataclass
class Widget:
    kind: str  # the Element's type: multiselect, selectbox, ...
    id: str
    proto: object  # the element's own message (MultiSelect, Selectbox, ...)

    @property
    def key(self) -> str:
        key = self.id.rsplit("-", 1)[-1] if self.id.startswith("$$ID-") else ""
        return "" if key == "None" else key

    @property
    def options(self) -> list[str]:
        return list(getattr(self.proto, "options", []))

    @property
    def rows(self) -> int:
        """A dataframe's number of rows (its Arrow data, as the browser reads it)."""
        import pyarrow as pa

        data = self.proto.arrow_data.data
        return pa.ipc.open_stream(data).read_all().num_rows if data else 0

    @property
    def value(self) -> list[str]:
        """The value the server drew the widget with (as the browser would send it back)."""
        if self.kind == "multiselect":
            return list(self.proto.raw_values)
        if self.kind == "date_input":
            return list(self.proto.value or self.proto.default)
        if self.kind in ("selectbox", "radio"):
            if self.proto.HasField("raw_value"):
                return [self.proto.raw_value]
            at = self.proto.default if self.proto.HasField("default") else -1
            return [self.options[at]] if 0 <= at < len(self.options) else []
        return []


@dataclass
class Run:
    seconds: float
    widgets: dict[str, Widget]  # by key (widgets without a key are not reachable)
    bytes: int
    messages: int
    exceptions: list[str] = field(default_factory=list)
    downloads: dict[str, str] = field(default_factory=dict)  # download button key -> deferred file id
    buttons: dict[str, Widget] = field(default_factory=dict)  # by label, for buttons made without a key


@dataclass
class Download:
    """A pressed download: its size as received, and seconds from the press until the server had made
    the file (its URL came back), until the file's first bytes came, and until its last."""

    bytes: int
    made_s: float
    answered_s: float
    received_s: float


class Session:
    """One browser tab: connect(), then run() for each interaction, download() for a deferred file."""

    def __init__(self, base: str, query: str = "", timeout: float = 60.0):
        self.base = local_base(base)
        self.query = query.lstrip("?")
        self.timeout = timeout
        self.page_hash = ""
        self.pages: dict[str, str] = {}  # url path ("" for the default page) -> page script hash
        self.states: dict[str, WidgetState] = {}  # widget id -> the value the browser would send
        self.cached: dict[str, ForwardMsg] = {}  # hash -> message, for ref_hash messages
        self.session_id = ""
        self.cookies: dict[str, str] = {}  # e.g. a load balancer's affinity cookie, sent back as a browser does
        self.ws = None
        self._pending: dict[str, asyncio.Future] = {}

    async def open_page(self) -> int:
        """GET the page the link opens (its HTML only, not the scripts it loads), keeping the cookies it
        sets (a load balancer's affinity cookie). Returns the HTTP status."""
        status, _body, cookies = await http_get(self.base, "/", self.timeout, self.cookies)
        self.cookies.update(cookies)
        return status

    async def connect(self) -> None:
        host = self.base.removeprefix("http://")
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.ws = await connect(
            f"ws://{host}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=self.base,
            additional_headers=headers,
            max_size=None,  # large messages are the server's problem to avoid, not a reason to hang up
            open_timeout=self.timeout,
        )

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    def _back(self, widgets: dict[str, WidgetState], page_name: str) -> bytes:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        state.page_name = page_name
        state.widget_states.widgets.extend([*self.states.values(), *widgets.values()])
        state.cached_message_hashes.extend(self.cached)
        info = state.context_info
        info.timezone, info.timezone_offset, info.locale = "UTC", 0, "en-US"  # what headless Chromium sends
        info.url = f"{self.base}/"
        return msg.SerializeToString()

    async def run(self, set_values: dict[str, WidgetState] | None = None, page: str | None = None) -> Run:
        """One script run: send the browser's rerun (with `set_values` for the widgets the visitor
        changed; a trigger is sent once), wait for script_finished; the time is send -> finished."""
        set_values = set_values or {}
        page_name = ""
        if page is not None:  # a click on a link of the navigation: a new page, no query, no widget states
            self.page_hash, self.query = self.pages.get(page, ""), ""
            page_name = "" if self.page_hash else page  # the browser names the page by its hash once it knows it
            self.states.clear()
        triggers = {k: v for k, v in set_values.items() if v.WhichOneof("value") == "trigger_value"}
        for wid, value in set_values.items():
            if wid not in triggers:
                self.states[wid] = value
        started = time.perf_counter()
        await self.ws.send(self._back(triggers, page_name))
        run = Run(0.0, {}, 0, 0)
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
            run.bytes += len(raw)
            run.messages += 1
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            if self._read(msg, run):
                break
        run.seconds = time.perf_counter() - started
        seen = {w.id for w in run.widgets.values()}
        self.states = {k: v for k, v in self.states.items() if k in seen}  # the browser drops gone widgets
        return run

    def _read(self, msg: ForwardMsg, run: Run) -> bool:
        """Take one ForwardMsg into the run; True once the script has finished."""
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            if msg.ref_hash not in self.cached:
                raise LoadError(f"server referred to a message this session never received ({msg.ref_hash})")
            msg, kind = self.cached[msg.ref_hash], "delta"
        elif msg.metadata.cacheable and msg.hash:
            self.cached[msg.hash] = msg
        if kind == "new_session":
            init = msg.new_session
            self.session_id = init.initialize.session_id or self.session_id
            self.page_hash = init.page_script_hash or self.page_hash
        elif kind == "navigation":
            for p in msg.navigation.app_pages:
                self.pages[p.url_pathname] = p.page_script_hash
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "page_not_found":
            run.exceptions.append(f"page not found: {msg.page_not_found.page_name}")
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            self._element(msg.delta.new_element, run)
        elif kind == "backend_operation_response":
            future = self._pending.pop(msg.backend_operation_response.request_id, None)
            if future is not None and not future.done():
                future.set_result(msg.backend_operation_response)
        elif kind == "script_finished":
            return msg.script_finished != FINISHED_EARLY
        return False

    def _element(self, element, run: Run) -> None:
        kind = element.WhichOneof("type")
        if kind == "exception":
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:300])
            return
        if kind == "download_button":
            proto = element.download_button
            run.downloads[proto.id.rsplit("-", 1)[-1]] = proto.deferred_file_id or proto.url
            return
        if kind not in WIDGETS:
            return
        proto = getattr(element, kind)
        widget = Widget(kind, proto.id, proto)
        if kind == "button":
            run.buttons[proto.label] = widget
        if widget.key:
            run.widgets[widget.key] = widget

    async def download(self, file_id: str) -> Download:
        """Press a download button: a deferred file is made on the server (a backend operation over the
        websocket), then fetched over HTTP as the browser does."""
        started = time.perf_counter()
        url = file_id
        if not file_id.startswith("/"):
            request_id = str(uuid.uuid4())
            msg = BackMsg()
            op = msg.backend_operation_request
            op.request_id, op.session_id, op.deferred_file.file_id = request_id, self.session_id, file_id
            future = asyncio.get_running_loop().create_future()
            self._pending[request_id] = future
            await self.ws.send(msg.SerializeToString())
            response = await asyncio.wait_for(self._read_until(future), self.timeout)
            if response.error_msg:
                raise LoadError(f"download failed: {response.error_msg}")
            url = response.deferred_file.url
        made = time.perf_counter() - started
        status, size, first = await asyncio.wait_for(http_download(self.base, url, self.cookies), self.timeout)
        if status != 200:
            raise LoadError(f"download {url}: HTTP {status}")
        return Download(size, made, first - started, time.perf_counter() - started)

    async def _read_until(self, future: asyncio.Future):
        run = Run(0.0, {}, 0, 0)
        while not future.done():
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())
            self._read(msg, run)
        return future.result()


def choose(widget: Widget, values: list[str]) -> WidgetState:
    """The value a visitor's choice sends, in the widget's own encoding (formatted option labels)."""
    state = WidgetState(id=widget.id)
    how = WIDGETS[widget.kind]
    if how == "string_array_value":
        state.string_array_value.data.extend(values)
    elif how == "string_value":
        state.string_value = values[0]
    elif how == "int_value":
        state.int_value = int(values[0])
    return state


def press(widget: Widget) -> WidgetState:
    return WidgetState(id=widget.id, trigger_value=True)


def select_row(widget: Widget, row: int) -> WidgetState:
    selection = {"selection": {"rows": [row], "columns": [], "cells": []}}
    return WidgetState(id=widget.id, string_value=json.dumps(selection))


async def http_get(base: str, path: str, timeout: float, cookies: dict | None = None) -> tuple[int, bytes, dict]:
    """A plain HTTP/1.1 GET on 127.0.0.1 (Connection: close; chunked or gzip bodies decoded).
    Returns the status, the body and the cookies the response sets."""
    parts = urlsplit(local_base(base))
    reader, writer = await asyncio.wait_for(asyncio.open_connection(parts.hostname, parts.port), timeout)
    try:
        cookie = "".join(f"Cookie: {k}={v}\r\n" for k, v in (cookies or {}).items())
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{cookie}Accept-Encoding: gzip\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode())
        raw = await asyncio.wait_for(reader.read(-1), timeout)
    finally:
        writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    pairs = [(k.strip().lower(), v.strip()) for k, _, v in (line.partition(":") for line in lines[1:])]
    headers = dict(pairs)
    set_cookies = dict(v.split(";", 1)[0].split("=", 1) for k, v in pairs if k == "set-cookie" and "=" in v)
    if headers.get("transfer-encoding") == "chunked":
        body = _dechunk(body)
    if headers.get("content-encoding") == "gzip":
        body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
    return status, body, set_cookies


async def http_download(base: str, path: str, cookies: dict | None = None) -> tuple[int, int, float]:
    """A file as a browser downloads it: gzip accepted, the bytes counted as they arrive and dropped.
    Decompressing or keeping them is the browser's work in its own process; here it would stall the
    one event loop that drives every visitor (~0.2 s for a 56 MB CSV) and slow everyone's figures.
    Returns the status, the bytes received after the headers, and when the headers had come
    (time.perf_counter())."""
    parts = urlsplit(local_base(base))
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port, limit=2**20)
    try:
        cookie = "".join(f"Cookie: {k}={v}\r\n" for k, v in (cookies or {}).items())
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n{cookie}Accept-Encoding: gzip\r\nConnection: close\r\n\r\n"
        )
        writer.write(request.encode())
        head = await reader.readuntil(b"\r\n\r\n")
        answered = time.perf_counter()
        size = 0
        while chunk := await reader.read(2**20):
            size += len(chunk)
    finally:
        writer.close()
    return int(head.split(None, 2)[1]), size, answered


def _dechunk(data: bytes) -> bytes:
    out, i = bytearray(), 0
    while True:
        end = data.index(b"\r\n", i)
        size = int(data[i:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2 : end + 2 + size]
        i = end + 2 + size + 2
