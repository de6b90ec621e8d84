"""Scripted customers: load a scenario file and play it into a ``SandboxState``.

A scenario (``scenarios/<name>.json``) names the brand accounts, the customers (with the orders
the shop knows about — the demo loader imports ``customers[].orders``) and other people (third
parties, bots, protected or suspended accounts). Each person has a ``script`` of steps:

    {"at": 30, "do": "tweet", "key": "c1", "text": "{brand} my parcel never arrived", "media": ["empty box"]}

Times are **minutes** on the scenario clock, relative to the person's ``start`` (which is itself
relative to "now": negative = history that happened before the sandbox started, positive =
arrives later in ``--live`` mode). Actions (``do``):

* ``tweet``        a public post (``to``: key of a post to reply to, ``quote``: key to quote);
* ``reply``        the same, ``to`` required;
* ``dm``           a DM to the brand (``brand``: handle, default the first support brand);
* ``retweet``      retweet ``to``;  ``delete`` delete the post ``to``;
* ``brand_reply``  the brand replies publicly to ``to`` (as if an agent used X itself);
* ``brand_dm``     the brand DMs this person;  ``brand_post`` the brand posts ``text``.

Optional: ``media`` (alt texts of evidence photos), ``missing_media`` (attachment keys whose
media object X does not return), ``lang``, and ``if`` — a condition checked when the step is
due, always about the time since this person's last message: ``brand_silent`` (the brand has
not answered), ``brand_answered`` (a public reply or a DM), ``brand_dm`` (a DM). With ``wait`` (minutes) a step
whose condition is false keeps waiting that long before being dropped.
Text placeholders: ``{brand}``, ``{exec}``, ``{order}``, ``{tracking}``, ``{handle}``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crm_twitter.sandbox.state import SandboxState, parse_iso

logger = logging.getLogger(__name__)

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
ACTIONS = {"tweet", "reply", "dm", "retweet", "delete", "brand_reply", "brand_dm", "brand_post"}
CONDITIONS = {"brand_silent", "brand_answered", "brand_dm"}


class ScenarioError(ValueError):
    pass


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    brands: list[dict]
    customers: list[dict]
    others: list[dict]
    path: Path | None = None

    @property
    def people(self) -> list[dict]:
        return [*self.customers, *self.others]


def scenario_names() -> list[str]:
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.json"))


def scenario_path(name: str) -> Path:
    if name.endswith(".json") or "/" in name:
        return Path(name)
    return SCENARIO_DIR / f"{name}.json"


def scenario_load(name: str) -> Scenario:
    """Read and check a scenario file (by name from ``scenarios/`` or by path)."""
    path = scenario_path(name)
    if not path.exists():
        raise ScenarioError(f"no scenario {name!r}; available: {', '.join(scenario_names())}")
    raw = json.loads(path.read_text(encoding="utf-8"))
    return scenario_from_dict(raw, path=path)


def scenario_from_dict(raw: dict[str, Any], *, path: Path | None = None) -> Scenario:
    brands = raw.get("brands") or []
    if not brands:
        raise ScenarioError("a scenario needs at least one brand")
    for brand in brands:
        for key in ("handle", "x_user_id", "role", "name"):
            if key not in brand:
                raise ScenarioError(f"brand without {key}: {brand}")
    keys: set[str] = set()
    people = [*raw.get("customers", []), *raw.get("others", [])]
    for person in people:
        for key in ("handle", "x_user_id", "name"):
            if key not in person:
                raise ScenarioError(f"person without {key}: {person.get('handle', person)}")
        for step in person.get("script", []):
            if step.get("do") not in ACTIONS:
                raise ScenarioError(f"@{person['handle']}: unknown action {step.get('do')!r}")
            if step.get("if") and step["if"] not in CONDITIONS:
                raise ScenarioError(f"@{person['handle']}: unknown condition {step['if']!r}")
            if step.get("key"):
                if step["key"] in keys:
                    raise ScenarioError(f"duplicate step key {step['key']!r}")
                keys.add(step["key"])
    for person in people:
        for step in person.get("script", []):
            for ref in ("to", "quote"):
                if step.get(ref) and step[ref] not in keys:
                    raise ScenarioError(f"@{person['handle']}: {ref}={step[ref]!r} is not a step key")
    return Scenario(
        name=raw.get("name") or (path.stem if path else "scenario"),
        description=raw.get("description", ""),
        brands=brands,
        customers=list(raw.get("customers", [])),
        others=list(raw.get("others", [])),
        path=path,
    )


@dataclass(order=True)
class _Due:
    minute: float
    order: int
    person: dict = field(compare=False)
    step: dict = field(compare=False)
    cycle: int = field(compare=False, default=0)
    waited_until: float | None = field(compare=False, default=None)


class ScenarioPlayer:
    """Plays a scenario into a sandbox state: history at once, the rest over (real) time.

    ``speed`` is scenario minutes per real minute. In live mode, once every step has been played
    the live customers come back as new people ("handle_2" …) so complaints keep arriving.
    """

    def __init__(
        self,
        state: SandboxState,
        scenario: Scenario,
        *,
        speed: float = 6.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.scenario = scenario
        self.speed = max(speed, 0.001)
        self.clock = clock
        self.cycle = 0
        self.played = 0
        self.skipped = 0
        self._queue: list[_Due] = []
        self._started_real: float | None = None
        self._order = 0
        self._last_message: dict[str, float] = {}  # person id → sandbox time of their last message
        self._ids: dict[str, str] = {}  # cycle:key → tweet id
        self._brand_ids = {b["handle"].lower(): str(b["x_user_id"]) for b in scenario.brands}

    # --- people ---------------------------------------------------------------------------------

    def install(self) -> None:
        """Brands and people of the scenario become sandbox users (with the scenario's ids)."""
        for brand in self.scenario.brands:
            self.state.add_brand(
                brand["handle"],
                user_id=str(brand["x_user_id"]),
                role=brand["role"],
                name=brand["name"],
                followers=int(brand.get("followers", 25_000)),
            )
        for person in self.scenario.people:
            self._add_person(person, person["handle"], str(person["x_user_id"]))

    def _add_person(self, person: dict, handle: str, user_id: str) -> None:
        self.state.add_user(
            handle,
            user_id=user_id,
            name=person["name"],
            followers=int(person.get("followers", 0)),
            verified=bool(person.get("verified", False)),
            protected=bool(person.get("protected", False)),
            suspended=False,  # suspended after their posts are made (see _suspend_later)
            accepts_dms=bool(person.get("accepts_dms", True)),
            location=person.get("location") or person.get("country", ""),
            description=person.get("description", ""),
        )

    def _brand(self, handle: str | None = None, role: str = "support") -> str:
        if handle:
            return self._brand_ids[handle.lstrip("@").lower()]
        for brand in self.scenario.brands:
            if brand["role"] == role:
                return str(brand["x_user_id"])
        return str(self.scenario.brands[0]["x_user_id"])

    # --- scheduling -----------------------------------------------------------------------------

    def _schedule(self, people: list[dict], cycle: int, offset: float = 0.0) -> None:
        for person in people:
            start = float(person.get("start", 0)) + offset
            for step in person.get("script", []):
                self._order += 1
                self._queue.append(_Due(start + float(step.get("at", 0)), self._order, person, step, cycle))
        self._queue.sort()

    def preload(self, *, everything: bool = False) -> int:
        """Install the people and play the history (steps at or before minute 0) with past
        timestamps. ``everything``: shift the whole script into the past and play it all."""
        self.install()
        self._schedule(self.scenario.people, cycle=0)
        if everything and self._queue:
            last = max(due.minute for due in self._queue)
            for due in self._queue:
                due.minute -= max(last, 0)
        now = self.state.now()
        count = 0
        while self._queue and self._queue[0].minute <= 0:
            due = self._queue.pop(0)
            if self._play(due, at=now + due.minute * 60):
                count += 1
        self._suspend_marked()
        self._started_real = self.clock()
        return count

    def tick(self) -> int:
        """Play every step that is due on the scenario clock; returns how many were played."""
        if self._started_real is None:
            self._started_real = self.clock()
        minute = (self.clock() - self._started_real) / 60 * self.speed
        count = 0
        retry: list[_Due] = []
        while self._queue and self._queue[0].minute <= minute:
            due = self._queue.pop(0)
            if self._condition_holds(due):
                count += int(self._play(due, at=None))
            elif due.step.get("wait") and (due.waited_until is None or minute < due.waited_until):
                if due.waited_until is None:
                    due.waited_until = due.minute + float(due.step["wait"])
                retry.append(due)
            else:
                self.skipped += 1
        self._queue = sorted(
            self._queue + [_Due(minute + 0.5, d.order, d.person, d.step, d.cycle, d.waited_until) for d in retry]
        )
        self._suspend_marked()
        if not self._queue:
            self._next_cycle(minute)
        return count

    def run(self, stop: Any, *, interval: float = 1.0) -> None:
        """Tick until ``stop`` (a threading.Event) is set."""
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                logger.exception("scenario step failed")
            stop.wait(interval)

    def _next_cycle(self, minute: float) -> None:
        """Live mode, script exhausted: the live customers come back as new people."""
        live = [p for p in self.scenario.customers if float(p.get("start", 0)) > 0]
        if not live:
            return
        self.cycle += 1
        clones = []
        for person in live:
            handle = f"{person['handle'][:12]}_{self.cycle + 1}"
            clone = {**person, "handle": handle, "orders": [], "x_user_id": self.state.next_id()}
            self._add_person(clone, handle, clone["x_user_id"])
            clones.append(clone)
        first = min(float(p.get("start", 0)) for p in live)
        self._schedule(clones, cycle=self.cycle, offset=minute - first + 5)

    # --- steps ----------------------------------------------------------------------------------

    def _condition_holds(self, due: _Due) -> bool:
        condition = due.step.get("if")
        if not condition:
            return True
        person_id = str(due.person["x_user_id"])
        brand_ids = set(self._brand_ids.values())
        since = self._last_message.get(person_id, 0.0)
        with self.state.lock:
            replied = any(
                t["author_id"] in brand_ids
                and t.get("in_reply_to_user_id") == person_id
                and _ts(t["created_at"]) >= since
                for t in self.state.tweets.values()
            )
            dmed = any(
                e["sender_id"] in brand_ids and person_id in e["_participants"] and e["_at"] >= since
                for e in self.state.dm_events
            )
        if condition == "brand_silent":
            return not (replied or dmed)
        if condition == "brand_dm":
            return dmed
        return replied or dmed

    def _text(self, person: dict, step: dict) -> str:
        text = step.get("text", "")
        orders = person.get("orders") or [{}]
        exec_handle = next((b["handle"] for b in self.scenario.brands if b["role"] == "executive"), "")
        brand_handle = step.get("brand") or next(
            (b["handle"] for b in self.scenario.brands if b["role"] == "support"), self.scenario.brands[0]["handle"]
        )
        replacements = {
            "{brand}": "@" + brand_handle.lstrip("@"),
            "{exec}": "@" + exec_handle if exec_handle else "",
            "{order}": orders[0].get("order_number", ""),
            "{tracking}": orders[0].get("tracking_number", ""),
            "{handle}": "@" + person["handle"],
        }
        for token, value in replacements.items():
            text = text.replace(token, value)
        return text

    def _play(self, due: _Due, *, at: float | None) -> bool:
        person, step, cycle = due.person, due.step, due.cycle
        if at is not None and not self._condition_holds(due):
            self.skipped += 1
            return False
        state = self.state
        person_id = str(person["x_user_id"])
        action = step["do"]
        text = self._text(person, step)
        lang = step.get("lang") or person.get("lang")

        def ref(name: str) -> str | None:
            key = step.get(name)
            return self._ids.get(f"{cycle}:{key}") if key else None

        try:
            created: dict | None = None
            if action in ("tweet", "reply"):
                target = ref("to")
                if action == "reply" and target is None:
                    return False
                created = state.tweet(
                    person_id,
                    text,
                    in_reply_to=target,
                    quote=ref("quote"),
                    lang=lang,
                    media=step.get("media"),
                    missing_media=int(step.get("missing_media", 0)),
                    created_at=at,
                )
                self._last_message[person_id] = _ts(created["created_at"])
            elif action == "dm":
                event = state.dm(
                    person_id, self._brand(step.get("brand")), text, media=step.get("media"), created_at=at
                )
                self._last_message[person_id] = event["_at"]
            elif action == "retweet":
                if ref("to") is None or ref("to") not in state.tweets:
                    return False
                created = state.retweet(person_id, ref("to"), created_at=at)
            elif action == "delete":
                return bool(ref("to")) and state.delete_tweet(ref("to"))
            elif action == "brand_reply":
                if ref("to") is None or ref("to") not in state.tweets:
                    return False
                created = state.tweet(
                    self._brand(step.get("brand")), text, in_reply_to=ref("to"), lang=lang, created_at=at
                )
            elif action == "brand_dm":
                state.dm(self._brand(step.get("brand")), person_id, text, created_at=at)
            elif action == "brand_post":
                created = state.tweet(self._brand(step.get("brand")), text, lang=lang, created_at=at)
        except KeyError as exc:
            logger.warning("scenario step skipped (@%s %s): %s", person["handle"], action, exc)
            self.skipped += 1
            return False
        if created is not None and step.get("key"):
            self._ids[f"{cycle}:{step['key']}"] = created["id"]
        self.played += 1
        return True

    def _suspend_marked(self) -> None:
        """People marked ``suspended`` are suspended once they have posted (X hides them then)."""
        for person in self.scenario.people:
            if person.get("suspended"):
                self.state.suspended.add(str(person["x_user_id"]))

    def tweet_id(self, key: str, cycle: int = 0) -> str | None:
        """The sandbox id of the post a step ``key`` created (for tests and the demo)."""
        return self._ids.get(f"{cycle}:{key}")


def _ts(created_at: str) -> float:
    return parse_iso(created_at)


def scenario_play(state: SandboxState, name: str, *, live: bool = False, speed: float = 6.0) -> ScenarioPlayer:
    """Load ``name`` into ``state``: all of it as history, or (live) the history now and the
    rest as time passes (call ``player.tick()`` / ``player.run(stop)``)."""
    player = ScenarioPlayer(state, scenario_load(name), speed=speed)
    player.preload(everything=not live)
    return player
