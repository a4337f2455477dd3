"""A local HTTP server that replays recorded platform responses.

Used by the tests and by `scrapy demo`, so a whole crawl runs with no internet: the
platforms' ``*_BASE_URL`` settings (or a registry's careers URLs) point here.

Routes map a method, a path and optionally query parameters to a recorded response.
A routes file (JSON) lists them, with bodies in files beside it:

    {"routes": [{"path": "/v1/boards/acme/jobs", "query": {"content": "true"},
                 "body_file": "greenhouse/acme_jobs.json"}]}

Keys: method (GET), path, query (parameters that must match; others are ignored),
json_body (top-level keys the request's JSON body must have, with equal values; others
are ignored: ``{"method": "POST", "json_body": {"offset": 20}}``), status (200),
content_type (from the body file's suffix), body or body_file, headers, delay (seconds
before the answer). Unmatched
requests get a 404 and are logged in ``unmatched``; ``received`` keeps every request
with its body, for tests of what a POST sent.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Route:
    path: str
    body: bytes = b""
    method: str = "GET"
    query: dict[str, str] = field(default_factory=dict)
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    json_body: dict[str, Any] | None = None
    delay: float = 0.0  # seconds to wait before answering (a slow board, in tests)

    def matches(self, method: str, path: str, query: dict[str, str], body: bytes = b"") -> bool:
        if method != self.method or path != self.path:
            return False
        if not all(query.get(k) == v for k, v in self.query.items()):
            return False
        return self.json_body is None or _json_body_has(body, self.json_body)


def _json_body_has(body: bytes, expected: dict[str, Any]) -> bool:
    """Whether ``body`` is a JSON object holding every key of ``expected`` with its value."""
    try:
        sent = json.loads(body or b"null")
    except ValueError:
        return False
    if not isinstance(sent, dict):
        return False
    return all(key in sent and sent[key] == value for key, value in expected.items())


def load_routes(routes_file: str | Path, **variables: str) -> list[Route]:
    """Routes from a JSON file; ``{name}`` in bodies is replaced by ``variables[name]``."""
    routes_file = Path(routes_file)
    data = json.loads(routes_file.read_text(encoding="utf-8"))
    routes = []
    for entry in data["routes"]:
        entry = dict(entry)
        body_file = entry.pop("body_file", None)
        if body_file:
            path = routes_file.parent / body_file
            body = path.read_bytes()
            entry.setdefault(
                "content_type", mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            )
        else:
            body = entry.pop("body", "")
            body = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        for name, value in variables.items():
            body = body.replace(f"{{{name}}}".encode(), value.encode())
        routes.append(Route(body=body, **entry))
    return routes


class ReplayServer:
    """Serve routes on 127.0.0.1 from a background thread; ``url`` is its base URL."""

    def __init__(self, routes: list[Route] | None = None, port: int = 0) -> None:
        self.routes: list[Route] = list(routes or [])
        self.requests: list[tuple[str, str]] = []
        self.unmatched: list[tuple[str, str]] = []
        self.received: list[tuple[str, str, bytes]] = []  # (method, path, body)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def set_routes(self, routes: list[Route]) -> None:
        self.routes = list(routes)

    def add(self, path: str, body: Any = b"", **kwargs: Any) -> Route:
        """Add a route; a dict or list body is sent as JSON."""
        if isinstance(body, dict | list):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        route = Route(path=path, body=body, **kwargs)
        self.routes.insert(0, route)  # later routes win: a test can override one
        return route

    def start(self) -> ReplayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as real APIs answer: with HTTP/1.0 the server closes every
            # connection and Scrapy may reuse one just closed (ConnectionDone), a flaky
            # failure in crawls run with RETRY_TIMES=0.
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                replay.requests.append((self.command, self.path))
                replay.received.append((self.command, self.path, body))
                for route in replay.routes:
                    if route.matches(self.command, parts.path, query, body):
                        if route.delay:
                            time.sleep(route.delay)
                        self._send(route.status, route.body, route.content_type, route.headers)
                        return
                replay.unmatched.append((self.command, self.path))
                self._send(404, b'{"error": "not recorded"}', "application/json", {})

            def _send(self, status: int, body: bytes, ctype: str, headers: dict) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may be gone (a test killed it): nothing to answer then.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the tests read `requests`; stderr stays quiet

        return Handler
