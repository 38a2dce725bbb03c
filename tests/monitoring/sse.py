"""A live server-sent-events subscriber for tests: a thread reading `GET /events`."""

from __future__ import annotations

import json
import socket
import threading
import time
from typing import Any

import httpx


class Subscriber(threading.Thread):
    """Reads the stream until it ends (``idle_s``) and keeps every event, in order."""

    def __init__(self, base: str, token: str, **params: Any) -> None:
        super().__init__(daemon=True)
        self.base, self.token, self.params = base, token, params
        self.headers: dict[str, str] = {}
        self.events: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self.error: BaseException | None = None
        self._response: httpx.Response | None = None
        self._stopping = False

    def stop(self) -> None:
        """Hang up (as a closed browser tab does) and wait for the thread."""
        self._stopping = True
        if self._response is not None:
            # Shut the socket down: a blocked read in the thread returns at once.
            stream = self._response.extensions.get("network_stream")
            sock = None if stream is None else stream.get_extra_info("socket")
            if sock is not None:
                sock.shutdown(socket.SHUT_RDWR)
        self.join(30)
        assert not self.is_alive(), "the subscriber did not stop"

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", **self.headers}
        try:
            with httpx.stream("GET", f"{self.base}/events", params=self.params, headers=headers,
                              timeout=httpx.Timeout(120, connect=10)) as response:  # fmt: skip
                assert response.status_code == 200, response.read()
                assert response.headers["content-type"].startswith("text/event-stream")
                self._response = response
                self.connected.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if not line:
                        if "data" in fields:
                            event = json.loads(fields["data"])
                            assert str(event["id"]) == fields["id"]
                            assert event["kind"] == fields["event"]
                            self.events.append(event)
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
        except BaseException as exc:  # reported by the test
            if not self._stopping:
                self.error = exc
            self.connected.set()

    def wait_for(self, predicate: Any, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.error is not None:
                raise self.error
            if predicate(self.events):
                return
            time.sleep(0.05)
        raise AssertionError(f"not seen in {timeout_s} s: {[e['kind'] for e in self.events]}")
