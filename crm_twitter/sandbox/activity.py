"""The X Activity API (XAA) in the sandbox: webhooks, subscriptions, signed deliveries, replay.

Routes (same shapes as X, under the fake API's authentication and rate limits):

    POST   /2/webhooks                  {"url": …}  — X's CRC GET on the URL first; 400 if it fails
    GET    /2/webhooks                  PUT /2/webhooks/:id (CRC again)   DELETE /2/webhooks/:id
    POST   /2/webhooks/replay           {"webhook_id", "from_date", "to_date"} (YYYYMMDDHHmm, UTC)
    POST   /2/activity/subscriptions    {"event_type", "filter": {"user_id"}, "tag", "webhook_id"}
    GET    /2/activity/subscriptions    DELETE /2/activity/subscriptions/:id
    GET    /2/activity/stream           the same events, one JSON object per line, on one connection

Whenever the sandbox's world gains a post or a DM (scripted, from the control API, or sent through
the API), each matching subscription's event is POSTed to its webhook's URL, signed with
``x-twitter-webhooks-signature`` (HMAC-SHA256 of the body with the app's consumer secret), by one
background thread, in order. A delivery answered with anything but 2xx is retried twice.

Faults, to test a desk against X's real habits (``POST /_sandbox/activity/faults``):
``duplicates`` (each event delivered n times), ``delay`` (seconds before each delivery),
``reorder`` (hold n events, then deliver them newest first), ``fail_status`` (the next n attempts
are not made and count as failed). ``GET /_sandbox/activity`` shows webhooks, subscriptions and
the delivery log; ``POST /_sandbox/activity/secret`` sets the signing secret. Stream clients get
every matching subscription's events (with or without a webhook) and a blank keep-alive line
each second.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from crm_twitter.sandbox.api import PROBLEMS, Reply, problem
from crm_twitter.sandbox.state import iso

if TYPE_CHECKING:
    from crm_twitter.sandbox.api import Auth, SandboxAPI
    from crm_twitter.sandbox.state import SandboxState

logger = logging.getLogger(__name__)

# The consumer secret the sandbox's app signs with (the same as its credentials' consumer secret):
# set CRM_TWITTER["WEBHOOK_CONSUMER_SECRET"] to it for the demo.
SANDBOX_WEBHOOK_SECRET = "sandbox-consumer-secret"
SIGNATURE_HEADER = "x-twitter-webhooks-signature"
POST_EVENTS = ("post.mention.create", "post.reply.create")
DM_EVENTS = ("dm.received", "dm.sent")
# Event types X documents; the sandbox only ever emits the post and DM ones.
KNOWN_EVENTS = frozenset(
    {
        *POST_EVENTS,
        *DM_EVENTS,
        "profile.update.bio",
        "profile.update.profile_picture",
        "profile.update.banner_picture",
        "profile.update.screenname",
        "profile.update.geo",
        "profile.update.url",
        "profile.update.verified_badge",
        "follow.follow",
        "follow.unfollow",
        "news.new",
    }
)
FULL_QUERY = {
    "tweet.fields": "id,text,author_id,conversation_id,created_at,in_reply_to_user_id,referenced_tweets,entities,"
    "public_metrics,lang,attachments,edit_history_tweet_ids,note_tweet,withheld",
    "expansions": "author_id,attachments.media_keys,referenced_tweets.id,in_reply_to_user_id,"
    "entities.mentions.username",
    "user.fields": "id,name,username,public_metrics,verified,protected,location,description,profile_image_url,"
    "created_at",
    "media.fields": "media_key,type,url,preview_image_url,width,height,alt_text",
}
RETRY_DELAYS = (0.2, 0.5)


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return "sha256=" + base64.b64encode(digest).decode("ascii")


@dataclass
class ActivityFaults:
    duplicates: int = 1
    delay: float = 0.0
    reorder: int = 0
    fail: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class _Job:
    webhook_id: str
    envelope: dict
    due: float = 0.0
    attempt: int = 0


KEEP_ALIVE_SECONDS = 1.0


@dataclass
class _Hub:
    webhooks: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    history: list[tuple[float, str, dict]] = field(default_factory=list)  # (time, webhook id, envelope)
    log: list[dict] = field(default_factory=list)
    held: list[_Job] = field(default_factory=list)
    faults: ActivityFaults = field(default_factory=ActivityFaults)
    streams: list[queue.Queue] = field(default_factory=list)


class ActivityHub:
    """XAA for one ``SandboxServer``; ``install`` after every state reset."""

    def __init__(self, *, secret: str = SANDBOX_WEBHOOK_SECRET, timeout: float = 5.0) -> None:
        self.secret = secret
        self.timeout = timeout
        self.data = _Hub()
        self.lock = threading.RLock()
        self.queue: queue.Queue[_Job | None] = queue.Queue()
        self.in_flight = 0
        self.idle = threading.Condition(self.lock)
        self.session = requests.Session()
        self.state: SandboxState | None = None
        self.api: SandboxAPI | None = None
        self._worker = threading.Thread(target=self._run, name="crm-twitter-sandbox-xaa", daemon=True)
        self._worker.start()

    # --- wiring ------------------------------------------------------------------------------------

    def install(self, state: SandboxState, api: SandboxAPI) -> None:
        import re

        self.state, self.api = state, api
        state.listeners.append(self.on_world_event)
        api.routes.extend(
            [
                ("POST", re.compile(r"^/2/webhooks$"), "POST /2/webhooks", self.webhook_create),
                ("GET", re.compile(r"^/2/webhooks$"), "GET /2/webhooks", self.webhook_list),
                ("POST", re.compile(r"^/2/webhooks/replay$"), "POST /2/webhooks/replay", self.webhook_replay),
                ("PUT", re.compile(r"^/2/webhooks/(?P<id>\d+)$"), "PUT /2/webhooks/:id", self.webhook_validate),
                ("DELETE", re.compile(r"^/2/webhooks/(?P<id>\d+)$"), "DELETE /2/webhooks/:id", self.webhook_delete),
                (
                    "POST",
                    re.compile(r"^/2/activity/subscriptions$"),
                    "POST /2/activity/subscriptions",
                    self.subscription_create,
                ),
                (
                    "GET",
                    re.compile(r"^/2/activity/subscriptions$"),
                    "GET /2/activity/subscriptions",
                    self.subscription_list,
                ),
                ("GET", re.compile(r"^/2/activity/stream$"), "GET /2/activity/stream", self.stream_open),
                (
                    "DELETE",
                    re.compile(r"^/2/activity/subscriptions/(?P<id>\d+)$"),
                    "DELETE /2/activity/subscriptions/:id",
                    self.subscription_delete,
                ),
            ]
        )

    def reset(self) -> None:
        with self.lock:
            for stream in self.data.streams:
                stream.put(None)  # open streams end with the old world
            self.data = _Hub()
            self.secret = SANDBOX_WEBHOOK_SECRET
            while True:
                try:
                    self.queue.get_nowait()
                except queue.Empty:
                    break

    def stop(self) -> None:
        self.queue.put(None)
        with self.lock:
            for stream in self.data.streams:
                stream.put(None)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued delivery was attempted (tests, the benchmark)."""
        deadline = time.monotonic() + timeout
        with self.idle:
            while self.queue.unfinished_tasks or self.in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.idle.wait(min(left, 0.05))
        return True

    # --- the world → events ---------------------------------------------------------------------

    def _new_id(self) -> str:
        return str(secrets.randbelow(9 * 10**18) + 10**18)

    def _matching(self, event_type: str, user_id: str) -> list[dict]:
        return [
            s
            for s in self.data.subscriptions.values()
            if s["event_type"] == event_type and s["filter"]["user_id"] == user_id
        ]

    def on_world_event(self, kind: str, obj: dict) -> None:
        """Called by the state (under its lock) for each new post or DM."""
        if self.state is None or not self.data.subscriptions:
            return
        for event_type, user_id in self._event_targets(kind, obj):
            for sub in self._matching(event_type, user_id):
                payload, includes = self._payload(kind, obj)
                envelope = {
                    "data": {
                        "event_uuid": self._new_id(),
                        "event_type": event_type,
                        "filter": {"user_id": user_id},
                        "tag": sub.get("tag", ""),
                        "payload": payload,
                        "includes": includes,
                    }
                }
                if sub.get("webhook_id"):
                    self.enqueue(sub["webhook_id"], envelope)
                with self.lock:
                    for stream in self.data.streams:
                        stream.put(envelope)

    def _event_targets(self, kind: str, obj: dict) -> list[tuple[str, str]]:
        if kind == "dm":
            sender = obj["sender_id"]
            recipient = next((p for p in obj["_participants"] if p != sender), sender)
            return [("dm.received", recipient), ("dm.sent", sender)]
        targets = []
        author = obj["author_id"]
        for mention in (obj.get("entities") or {}).get("mentions", []):
            if mention.get("id") and mention["id"] != author:
                targets.append(("post.mention.create", mention["id"]))
        replied = next((r for r in obj.get("referenced_tweets", []) if r["type"] == "replied_to"), None)
        if replied and obj.get("in_reply_to_user_id") and obj["in_reply_to_user_id"] != author:
            targets.append(("post.reply.create", obj["in_reply_to_user_id"]))
        return list(dict.fromkeys(targets))

    def _payload(self, kind: str, obj: dict) -> tuple[dict, dict]:
        api = self.api
        if kind == "post":
            body = api.tweets_body([obj], FULL_QUERY)
            return body["data"][0], body.get("includes", {})
        sender = obj["sender_id"]
        recipient = next((p for p in obj["_participants"] if p != sender), sender)
        message_data: dict[str, Any] = {"text": obj.get("text", "")}
        keys = (obj.get("attachments") or {}).get("media_keys") or []
        media = [self.state.media[k] for k in keys if k in self.state.media]
        if media:
            first = media[0]
            message_data["attachment"] = {
                "type": "media",
                "media": {
                    "id_str": first["media_key"].split("_", 1)[1],
                    "type": first["type"],
                    "media_url_https": first.get("url") or first.get("preview_image_url") or "",
                    "ext_alt_text": first.get("alt_text", ""),
                },
            }
        event = {
            "type": "message_create",
            "id": obj["id"],
            "created_timestamp": str(int(obj["_at"] * 1000)),
            "message_create": {
                "target": {"recipient_id": recipient},
                "sender_id": sender,
                "message_data": message_data,
            },
        }
        users = [api.render_user(self.state.users[u], FULL_QUERY) for u in (sender, recipient) if u in self.state.users]
        return {"direct_message_events": [event]}, {"users": users}

    # --- delivery ---------------------------------------------------------------------------------

    def enqueue(self, webhook_id: str, envelope: dict, *, record: bool = True) -> None:
        with self.lock:
            faults = self.data.faults
            if record:
                self.data.history.append((time.time(), webhook_id, envelope))
            jobs = [_Job(webhook_id, envelope) for _ in range(max(1, faults.duplicates))]
            if faults.reorder > 1:
                self.data.held.extend(jobs)
                if len(self.data.held) < faults.reorder:
                    return
                jobs, self.data.held = list(reversed(self.data.held)), []
            for job in jobs:
                job.due = time.monotonic() + faults.delay
                self.queue.put(job)

    def flush_held(self) -> int:
        with self.lock:
            jobs, self.data.held = list(reversed(self.data.held)), []
            for job in jobs:
                self.queue.put(job)
            return len(jobs)

    def _run(self) -> None:
        while True:
            job = self.queue.get()
            if job is None:
                self.queue.task_done()
                return
            with self.lock:
                self.in_flight += 1
            try:
                wait = job.due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                self._deliver(job)
            except Exception:
                logger.exception("sandbox XAA delivery failed")
            finally:
                with self.lock:
                    self.in_flight -= 1
                    self.idle.notify_all()
                self.queue.task_done()

    def _deliver(self, job: _Job) -> None:
        with self.lock:
            webhook = self.data.webhooks.get(job.webhook_id)
            secret = self.secret
        if webhook is None:
            return
        body = json.dumps(job.envelope, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        entry = {
            "webhook_id": job.webhook_id,
            "event_uuid": job.envelope["data"]["event_uuid"],
            "event_type": job.envelope["data"]["event_type"],
            "attempts": 0,
            "status": None,
            "at": iso(time.time()),
        }
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS)):
            time.sleep(delay)
            entry["attempts"] = attempt + 1
            with self.lock:
                failing = self.data.faults.fail > 0
                if failing:
                    self.data.faults.fail -= 1
            if failing:
                entry["status"] = "fault"
                continue
            try:
                response = self.session.post(
                    webhook["url"],
                    data=body,
                    headers={"content-type": "application/json", SIGNATURE_HEADER: sign(secret, body)},
                    timeout=self.timeout,
                )
                entry["status"] = response.status_code
                if 200 <= response.status_code < 300:
                    break
            except requests.RequestException as exc:
                entry["status"] = f"error: {type(exc).__name__}"
        with self.lock:
            self.data.log.append(entry)

    # --- the stream --------------------------------------------------------------------------------

    def stream_open(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        """Answered by the server with ``stream_to`` (a long-lived body), after auth and faults."""
        return Reply(200, None, {"x-sandbox-stream": "1"})

    def stream_to(self, handler: Any) -> None:
        """Write events as JSON lines until the client goes away or the sandbox resets."""
        events: queue.Queue = queue.Queue()
        with self.lock:
            self.data.streams.append(events)
            streams = self.data.streams
        handler.close_connection = True
        try:
            handler.send_response(200)
            handler.send_header("content-type", "application/json; charset=utf-8")
            handler.send_header("connection", "close")
            handler.end_headers()
            handler.wfile.flush()
            while True:
                try:
                    envelope = events.get(timeout=KEEP_ALIVE_SECONDS)
                except queue.Empty:
                    envelope = ""
                if envelope is None:
                    return
                line = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")) if envelope else ""
                handler.wfile.write(line.encode("utf-8") + b"\r\n")
                handler.wfile.flush()
        except OSError:
            return  # the client left
        finally:
            with self.lock:
                if events in streams:
                    streams.remove(events)

    # --- CRC ----------------------------------------------------------------------------------------

    def _crc_ok(self, url: str) -> bool:
        token = secrets.token_urlsafe(24)
        try:
            response = self.session.get(url, params={"crc_token": token}, timeout=self.timeout)
            answer = response.json().get("response_token") if response.status_code == 200 else None
        except (requests.RequestException, ValueError, AttributeError):
            return False
        return answer == sign(self.secret, token.encode("utf-8"))

    # --- routes ---------------------------------------------------------------------------------------

    @staticmethod
    def _json(body: bytes) -> dict | None:
        try:
            value = json.loads(body or b"{}")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    @staticmethod
    def _invalid(parameter: str, message: str) -> Reply:
        return Reply(
            400,
            {
                "errors": [{"parameters": {parameter: []}, "message": message}],
                "title": "Invalid Request",
                "detail": message,
                "type": PROBLEMS + "invalid-request",
            },
            {"content-type": "application/problem+json"},
        )

    @staticmethod
    def _not_found(what: str, value: str) -> Reply:
        return problem(
            404, "Not Found Error", f"Could not find {what} with id: [{value}].", PROBLEMS + "resource-not-found"
        )

    def webhook_create(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        payload = self._json(body)
        url = (payload or {}).get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            return self._invalid("url", "url must be an http(s) URL")
        if any(w["url"] == url for w in self.data.webhooks.values()):
            return problem(409, "Conflict", "a webhook with this url already exists", PROBLEMS + "duplicate")
        if not self._crc_ok(url):
            return self._invalid("url", "CRC check failed: the URL did not answer the challenge")
        webhook = {"id": self._new_id(), "url": url, "valid": True, "created_at": iso(time.time())}
        self.data.webhooks[webhook["id"]] = webhook
        return Reply(200, {"data": webhook})

    def webhook_list(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        hooks = list(self.data.webhooks.values())
        return Reply(200, {"data": hooks, "meta": {"result_count": len(hooks)}})

    def webhook_validate(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        webhook = self.data.webhooks.get(id)
        if webhook is None:
            return problem(
                404, "Not Found Error", f"Could not find webhook with id: [{id}].", PROBLEMS + "resource-not-found"
            )
        webhook["valid"] = self._crc_ok(webhook["url"])
        return Reply(200, {"data": {"valid": webhook["valid"]}})

    def webhook_delete(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if self.data.webhooks.pop(id, None) is None:
            return problem(
                404, "Not Found Error", f"Could not find webhook with id: [{id}].", PROBLEMS + "resource-not-found"
            )
        return Reply(200, {"data": {"deleted": True}})

    def webhook_replay(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        payload = self._json(body) or {}
        webhook_id = str(payload.get("webhook_id") or "")
        if webhook_id not in self.data.webhooks:
            return self._invalid("webhook_id", "unknown webhook_id")
        try:
            start = dt.datetime.strptime(str(payload.get("from_date")), "%Y%m%d%H%M").replace(tzinfo=dt.UTC)
            end = dt.datetime.strptime(str(payload.get("to_date")), "%Y%m%d%H%M").replace(tzinfo=dt.UTC)
        except ValueError:
            return self._invalid("from_date", "from_date and to_date must be YYYYMMDDHHmm")
        with self.lock:
            events = [
                envelope
                for at, hook, envelope in self.data.history
                if hook == webhook_id and start.timestamp() <= at <= end.timestamp() + 60
            ]
        for envelope in events:
            self.enqueue(webhook_id, envelope, record=False)
        return Reply(200, {"data": {"job_id": self._new_id(), "created_at": iso(time.time()), "events": len(events)}})

    def subscription_create(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        payload = self._json(body) or {}
        event_type = payload.get("event_type")
        user_id = str((payload.get("filter") or {}).get("user_id") or "")
        if event_type not in KNOWN_EVENTS:
            return self._invalid("event_type", f"unknown event_type {event_type!r}")
        if not user_id.isdigit() or user_id not in self.state.users:
            return self._invalid("filter.user_id", "filter.user_id must be an existing user id")
        if event_type in DM_EVENTS and auth.user_id != user_id:
            return problem(
                403,
                "Forbidden",
                "Private events need the user's authorization (OAuth user context of filter.user_id).",
            )
        webhook_id = str(payload.get("webhook_id") or "")
        if webhook_id and webhook_id not in self.data.webhooks:
            return self._invalid("webhook_id", "unknown webhook_id")
        for existing in self.data.subscriptions.values():
            if (existing["event_type"], existing["filter"]["user_id"], existing.get("webhook_id", "")) == (
                event_type,
                user_id,
                webhook_id,
            ):
                return problem(409, "Conflict", "DuplicateSubscription", PROBLEMS + "duplicate")
        now = iso(time.time())
        subscription = {
            "subscription_id": self._new_id(),
            "event_type": event_type,
            "filter": {"user_id": user_id},
            "tag": str(payload.get("tag") or ""),
            "webhook_id": webhook_id,
            "created_at": now,
            "updated_at": now,
        }
        self.data.subscriptions[subscription["subscription_id"]] = subscription
        return Reply(200, {"data": subscription})

    def subscription_list(self, *, auth: Auth, query: dict, body: bytes) -> Reply:
        subs = list(self.data.subscriptions.values())
        return Reply(200, {"data": subs, "meta": {"total_subscriptions": len(subs)}})

    def subscription_delete(self, *, auth: Auth, query: dict, body: bytes, id: str) -> Reply:
        if self.data.subscriptions.pop(id, None) is None:
            return self._not_found("subscription", id)
        return Reply(200, {"data": {"deleted": True}, "meta": {"total_subscriptions": len(self.data.subscriptions)}})

    # --- control API -----------------------------------------------------------------------------------

    def control(self, method: str, name: str, payload: dict) -> Reply:
        with self.lock:
            if method == "GET" and name == "activity":
                return Reply(
                    200,
                    {
                        "webhooks": list(self.data.webhooks.values()),
                        "subscriptions": list(self.data.subscriptions.values()),
                        "deliveries": list(self.data.log),
                        "held": len(self.data.held),
                        "faults": self.data.faults.as_dict(),
                    },
                )
            if method == "POST" and name == "activity/faults":
                known = ActivityFaults().as_dict()
                unknown = set(payload) - set(known)
                if unknown:
                    return Reply(400, {"error": f"unknown fault options: {sorted(unknown)}"})
                self.data.faults = ActivityFaults(**{**known, **payload})
                return Reply(200, {"faults": self.data.faults.as_dict()})
            if method == "DELETE" and name == "activity/faults":
                self.data.faults = ActivityFaults()
                return Reply(200, {"faults": self.data.faults.as_dict()})
            if method == "POST" and name == "activity/flush":
                return Reply(200, {"released": self.flush_held()})
            if method == "POST" and name == "activity/secret":
                self.secret = str(payload["secret"])
                return Reply(200, {"secret_set": True})
        return Reply(404, {"error": f"no control endpoint {method} /_sandbox/{name}"})
