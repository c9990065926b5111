"""A minimal Streamlit client over its own websocket protocol, for the cluster tests.

It does what a browser tab does first: open /_stcore/stream, ask for a script run with a URL's query
string, and collect what the run draws (text of headings, metrics, Markdown, alerts) until the run
ends. Enough to tell which records a server serves, without a browser.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.sync.client import connect


@dataclass
class Run:
    texts: list[str] = field(default_factory=list)
    session_id: str = ""
    finished: bool = False
    exceptions: list[str] = field(default_factory=list)

    def joined(self) -> str:
        return "\n".join(self.texts)


def _texts(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind in ("markdown", "heading", "alert", "text", "code"):
        return [getattr(element, kind).body]
    if kind == "metric":
        return [f"{element.metric.label}: {element.metric.body}"]
    if kind == "exception":
        return [f"exception: {element.exception.type}: {element.exception.message}"]
    return []


def run_page(
    base_ws: str, query: str = "", page: str = "", timeout: float = 90.0, headers=None, subprotocols=None
) -> Run:
    """One script run of the page at `page` (its URL path, "" for the default) with `query`.

    `subprotocols` as the browser sends them: ["streamlit", xsrf token, session id to resume]."""
    run = Run()
    url = base_ws.rstrip("/") + "/_stcore/stream"
    with connect(url, subprotocols=subprotocols or ["streamlit"], additional_headers=headers, open_timeout=30) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        ws.send(msg.SerializeToString())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            fwd = ForwardMsg()
            fwd.ParseFromString(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                run.session_id = fwd.new_session.initialize.session_id
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                found = _texts(fwd.delta.new_element)
                run.texts += found
                run.exceptions += [t for t in found if t.startswith("exception:")]
            elif kind == "script_finished":
                run.finished = True
                return run
    return run


class Session:
    """One visitor's session kept open across runs, so that it can fill in and submit a form."""

    def __init__(self, base_ws: str, headers=None):
        self.ws = connect(
            base_ws.rstrip("/") + "/_stcore/stream", subprotocols=["streamlit"], additional_headers=headers
        )
        self.widgets: dict[str, object] = {}  # label -> the element's widget proto (text inputs, buttons)

    def close(self) -> None:
        self.ws.close()

    def run(self, page: str, states=(), timeout: float = 90.0) -> Run:
        """A script run of `page`; `states` are WidgetState messages (what the browser sends on a click)."""
        msg = BackMsg()
        msg.rerun_script.page_name = page
        msg.rerun_script.widget_states.widgets.extend(states)
        self.ws.send(msg.SerializeToString())
        run, deadline = Run(), time.monotonic() + timeout
        while time.monotonic() < deadline:
            fwd = ForwardMsg()
            fwd.ParseFromString(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                run.texts += _texts(element)
                widget = element.WhichOneof("type")
                if widget in ("text_input", "button"):
                    self.widgets[getattr(element, widget).label] = getattr(element, widget)
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # st.rerun(): the next run follows
                    run = Run()
                    continue
                run.finished = True
                return run
        return run

    def submit(self, page: str, texts: dict[str, str], button: str) -> Run:
        """Type `texts` (label -> value) into the form's text inputs and press its submit button."""
        states = []
        for label, text in texts.items():
            state = WidgetState(id=self.widgets[label].id)
            state.string_value = text
            states.append(state)
        states.append(WidgetState(id=self.widgets[button].id, trigger_value=True))
        return self.run(page, states)
