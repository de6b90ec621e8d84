"""The sandbox over HTTP: a threaded loopback server, fault injection, and a control API.

``SandboxServer(port=0).start()`` serves in a background thread (tests); the
``crm_twitter_sandbox`` command serves in the foreground. Paths under ``/2/`` are the fake X API;
paths under ``/_sandbox/`` are the control API (no authentication — loopback only):

    GET    /_sandbox/state               summary (brands, counts, pending faults, clock)
    GET    /_sandbox/requests?limit=100  the request log (newest last; never tokens)
    GET    /_sandbox/resources           resources served per resource kind
    GET    /_sandbox/posts               what was posted and sent through the API
    POST   /_sandbox/faults              {"kind": "status", "endpoint": "GET /2/users/:id/mentions", "times": 2, ...}
    DELETE /_sandbox/faults              clear pending faults
    POST   /_sandbox/clock               {"advance": 900}
    POST   /_sandbox/tweets              {"author": "handle", "text": "...", "in_reply_to": id, "lang": "en"}
    POST   /_sandbox/dms                 {"sender": "handle", "recipient": "handle", "text": "..."}
    POST   /_sandbox/expire-tokens       refuse every pagination token handed out so far (400)
    POST   /_sandbox/rate-limits         {"endpoint": "POST /2/dm_conversations/with/:id/messages", "limit": 50}
    POST   /_sandbox/reset               forget everything
    GET    /_sandbox/activity            X Activity API: webhooks, subscriptions, delivery log
    POST   /_sandbox/activity/faults     {"duplicates": 3, "delay": 0.5, "reorder": 2, "fail": 1}
    GET    /_sandbox/media/<key>.svg     a placeholder image for a media object
    POST   /_sandbox/media-faults        {"media_key": "3_…", "kind": "gone"}: see media_files.py, which
                                         also serves the media files themselves (/media/, /video/, /ton/)
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from crm_twitter.sandbox import media_files
from crm_twitter.sandbox.activity import ActivityHub
from crm_twitter.sandbox.api import JSON, Reply, SandboxAPI, server_error, too_many_requests, unauthorized
from crm_twitter.sandbox.state import SandboxState, iso

logger = logging.getLogger(__name__)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tsa_b"
    sys_version = ""

    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # One segment per answer and no Nagle delay: keeps loopback calls at ~1 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox %s", format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    # --- the request ---------------------------------------------------------------------------

    def _dispatch(self, method: str) -> None:
        sandbox = self.server.sandbox
        state, api = sandbox.state, sandbox.api
        parts = urlsplit(self.path)
        path = parts.path
        query = {key: values[-1] for key, values in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""

        media_reply = media_files.handle(sandbox, method, path, self.headers, body)  # CDN files, media faults
        if media_reply is not None:
            self._send(media_reply)
            return

        if path.startswith("/_sandbox/"):
            self._send(sandbox.control(method, path, query, body))
            return

        route = api.resolve(method, path)
        endpoint = route.endpoint if route else f"{method} {path}"
        entry: dict[str, Any] = {
            "method": method,
            "path": path,
            "endpoint": endpoint,
            "query": query,
            "at": iso(state.now()),
            "status": None,
            "auth": None,
            "fault": None,
        }
        if method == "POST" and body:
            try:
                entry["json"] = json.loads(body)
            except ValueError:
                entry["json"] = None
        auth = api.authenticate(self.headers)
        if auth is None:
            entry["status"] = 401
            state.log_request(entry)
            self._send(unauthorized())
            return
        entry["auth"] = "user:" + auth.user_id if auth.user_id else "app"
        if route is None:
            entry["status"] = 404
            state.log_request(entry)
            self._send(Reply(404, {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]}))
            return

        fault = state.faults.take(endpoint)
        entry["fault"] = fault.kind if fault else None
        if fault and fault.kind == "drop":
            state.log_request(entry)
            self._close_without_answer()
            return
        if fault and fault.kind == "slow":
            time.sleep(fault.seconds)

        if fault and fault.kind == "status":
            if fault.error_body is None:
                reply = server_error(fault.status)
            else:
                reply = Reply(fault.status, fault.error_body.encode("utf-8"), {"content-type": fault.content_type})
        elif fault and fault.kind == "rate_limit":
            reply = too_many_requests()
            reply.headers["x-rate-limit-limit"] = str(state.rate_limits.get(endpoint, (900, 900))[1])
            reply.headers["x-rate-limit-remaining"] = "0"
            if fault.reset_header:
                reply.headers["x-rate-limit-reset"] = str(int(state.now() + fault.reset_in))
        elif fault and fault.kind == "malformed" and not fault.process:
            reply = Reply(200, fault.body.encode("utf-8"))
        else:
            reply = api.handle(route, auth, query, body)
            if fault and fault.kind == "malformed":
                headers = {name: value for name, value in reply.headers.items() if name != "content-type"}
                reply = Reply(200, fault.body.encode("utf-8"), headers)
        entry["status"] = reply.status
        state.log_request(entry)

        if reply.status == 200 and reply.headers.pop("x-sandbox-stream", None):
            sandbox.activity.stream_to(self)  # GET /2/activity/stream: events until the client leaves
            return
        if fault and fault.kind == "timeout_after_processing":
            if fault.stall:
                time.sleep(fault.stall)
            self._close_without_answer()
            return
        self._send(reply)

    def _close_without_answer(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, reply: Reply) -> None:
        payload = reply.payload()
        self.send_response(reply.status)
        content_type = reply.headers.pop("content-type", JSON)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(payload)))
        self.send_header("cache-control", "no-cache, no-store, max-age=0")
        self.send_header("api-version", "2.167")  # the version of X's spec the sandbox follows
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(payload)
        self.wfile.write(b"".join(self._headers_buffer))
        self._headers_buffer = []


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    sandbox: SandboxServer


class SandboxServer:
    """The fake X served on ``host:port`` (port 0 = a free one)."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, state: SandboxState | None = None) -> None:
        self.httpd = _HTTPServer((host, port), _Handler)
        self.httpd.sandbox = self
        self.host, self.port = self.httpd.server_address[:2]
        self.state = state or SandboxState()
        self.state.base_url = self.base_url
        self.api = SandboxAPI(self.state)
        self.activity = ActivityHub()  # the X Activity API: subscriptions and signed deliveries
        self.activity.install(self.state, self.api)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def faults(self):
        return self.state.faults

    def reset(self) -> SandboxState:
        """A fresh, empty state (tests call this between tests; the server keeps running)."""
        self.state = SandboxState(base_url=self.base_url)
        self.api = SandboxAPI(self.state)
        self.activity.reset()
        self.activity.install(self.state, self.api)
        return self.state

    def start(self) -> SandboxServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="crm-twitter-sandbox", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.activity.stop()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- control API -----------------------------------------------------------------------------

    def control(self, method: str, path: str, query: dict[str, str], body: bytes) -> Reply:
        state = self.state
        try:
            payload = json.loads(body.decode("utf-8") or "{}") if body else {}
        except ValueError:
            return Reply(400, {"error": "body is not JSON"})
        name = path.removeprefix("/_sandbox/").rstrip("/")
        if name == "activity" or name.startswith("activity/"):
            return self.activity.control(method, name, payload)
        try:
            if method == "GET" and name == "state":
                return Reply(200, state.summary())
            if method == "GET" and name == "requests":
                limit = int(query.get("limit", "100"))
                return Reply(200, {"requests": state.request_log[-limit:]})
            if method == "GET" and name == "resources":
                return Reply(200, {"resources_served": dict(state.resources_served)})
            if method == "GET" and name == "posts":
                dms = [{k: v for k, v in e.items() if not k.startswith("_")} for e in state.dm_events]
                return Reply(200, {"posts": state.posts, "dm_events": dms})
            if name == "faults" and method == "POST":
                fault = state.faults.inject(payload.pop("kind"), payload.pop("endpoint", "*"), **payload)
                return Reply(201, {"fault": fault.__dict__})
            if name == "faults" and method == "GET":
                return Reply(200, {"faults": state.faults.pending()})
            if name == "faults" and method == "DELETE":
                state.faults.clear()
                return Reply(200, {"faults": []})
            if method == "POST" and name == "clock":
                state.advance(float(payload.get("advance", 0)))
                return Reply(200, {"clock": iso(state.now())})
            if method == "POST" and name == "expire-tokens":
                state.expire_pagination_tokens()
                return Reply(200, {"token_epoch": state.token_epoch})
            if method == "POST" and name == "rate-limits":
                endpoint = payload["endpoint"]
                if endpoint not in state.rate_limits:
                    raise KeyError(f"no rate limit for {endpoint!r}")
                app_limit = payload.get("app_limit")
                state.set_rate_limit(
                    endpoint, int(payload["limit"]), app_limit=int(app_limit) if app_limit is not None else None
                )
                app_limit, user_limit = state.rate_limits[endpoint]
                return Reply(200, {"endpoint": endpoint, "app_limit": app_limit, "user_limit": user_limit})
            if method == "POST" and name == "reset":
                self.reset()
                return Reply(200, {"reset": True})
            if method == "POST" and name == "tweets":
                tweet = state.tweet(
                    payload["author"],
                    payload["text"],
                    in_reply_to=payload.get("in_reply_to"),
                    lang=payload.get("lang"),
                    media=payload.get("media"),
                )
                return Reply(201, {"data": tweet})
            if method == "POST" and name == "dms":
                event = state.dm(payload["sender"], payload["recipient"], payload["text"])
                return Reply(201, {"data": {k: v for k, v in event.items() if not k.startswith("_")}})
            if method == "GET" and name.startswith("media/"):
                return self._media_image(name.removeprefix("media/").removesuffix(".svg"))
        except (KeyError, TypeError, ValueError) as exc:
            return Reply(400, {"error": f"{type(exc).__name__}: {exc}"})
        return Reply(404, {"error": f"no control endpoint {method} {path}"})

    def _media_image(self, key: str) -> Reply:
        media = self.state.media.get(key)
        if media is None:
            return Reply(404, {"error": "no such media"})
        colour = "#" + hashlib.sha256(key.encode()).hexdigest()[:6]
        label = html.escape(str(media.get("alt_text") or media["type"]))[:80]
        width, height = int(media.get("width", 1200)), int(media.get("height", 900))
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="{colour}"/>'
            f'<text x="50%" y="50%" font-size="{max(width // 30, 16)}" text-anchor="middle" fill="#fff" '
            f'font-family="sans-serif">{label}</text></svg>'
        )
        return Reply(200, svg.encode("utf-8"), {"content-type": "image/svg+xml"})
