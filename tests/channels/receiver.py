"""A storefront's webhook endpoint on 127.0.0.1 for the tests: a real HTTP server in a thread that
records what it is sent and answers the first `fail_first` requests with a 500."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    status: int  # what the receiver answered
    headers: dict[str, str]
    body: bytes


class Receiver:
    def __init__(self, fail_first: int = 0):
        self.fail_first = fail_first
        self.received: list[Received] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    status = 500 if len(receiver.received) < receiver.fail_first else 200
                    receiver.received.append(Received(status, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stock"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.status == 200]

    def wait_for(self, predicate, timeout: float = 30) -> list[Received]:
        """Wait until `predicate(accepted deliveries)` holds; the accepted deliveries."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            accepted = self.accepted()
            if predicate(accepted):
                return accepted
            time.sleep(0.05)
        raise AssertionError(f"the receiver did not get what was expected: {self.received}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
