"""A real HTTP SMS gateway for the tests: ``http.server`` in a thread on a free port, recording
every request (method, path, headers, body) and answering the statuses it was told to."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    """One request the gateway received."""

    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class Gateway:
    """What the gateway received, and the statuses it answers next (then 200)."""

    url: str
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@contextmanager
def sms_gateway(*statuses: int):
    """Serve a gateway on 127.0.0.1 that answers ``statuses`` in turn, then 200."""
    gateway = Gateway(url="", statuses=list(statuses))
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            with lock:
                gateway.received.append(Received(self.command, self.path, dict(self.headers),
                                                 body))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
            answer = b'{"status": "queued"}' if status < 300 else b'{"error": "try later"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        do_GET = do_POST = do_PUT = _answer

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gateway.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
