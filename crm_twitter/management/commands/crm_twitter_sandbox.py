"""Serve the fake X API on loopback until interrupted.

    python manage.py crm_twitter_sandbox --port 8765 --scenario demo --live

Point the desk at it with ``CRM_TWITTER_API_BASE_URL=http://127.0.0.1:8765``. See
``crm_twitter/sandbox/README.md`` for the control API and fault injection.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.sandbox.scenarios import ScenarioError, ScenarioPlayer, scenario_load, scenario_names
from crm_twitter.sandbox.server import SandboxServer


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


@contextmanager
def _stopped_by_signals() -> Iterator[None]:
    """Ctrl+C (SIGINT) and a service manager's SIGTERM both stop the server cleanly.

    SIGINT is set explicitly: a process started in the background by a script inherits SIGINT
    ignored, and Python then leaves it ignored. The previous handlers come back afterwards.
    """
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set them
        yield
        return
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Command(BaseCommand):
    help = "Serve the X API sandbox (a fake X API v2) on loopback, optionally playing a customer scenario."
    requires_system_checks = []  # a stand-alone fake of X: no database, nothing to check

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Interface to bind (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8765, help="Port (default 8765; 0 = any free port).")
        parser.add_argument(
            "--scenario",
            default="",
            help=f"Scenario to load: a name in crm_twitter/sandbox/scenarios ({', '.join(scenario_names())}) "
            "or a path to a JSON file.",
        )
        parser.add_argument(
            "--live",
            action="store_true",
            help="Keep scripted complaints arriving while the sandbox runs (history is loaded at once).",
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=6.0,
            help="Live mode: scenario minutes per real minute (default 6).",
        )

    def handle(self, *args, **options):
        if options["live"] and not options["scenario"]:
            raise CommandError("--live plays a scenario: add --scenario demo (or another name).")
        try:
            server = SandboxServer(host=options["host"], port=options["port"])
        except OSError as exc:
            raise CommandError(f"Cannot listen on {options['host']}:{options['port']}: {exc}") from exc

        stop = threading.Event()
        player_thread = None
        if options["scenario"]:
            try:
                scenario = scenario_load(options["scenario"])
            except (ScenarioError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            player = ScenarioPlayer(server.state, scenario, speed=options["speed"])
            played = player.preload(everything=not options["live"])
            self.stdout.write(
                f"Scenario {scenario.name!r}: {len(scenario.brands)} brands, {len(scenario.customers)} customers, "
                f"{played} posts and DMs loaded."
            )
            for brand in scenario.brands:
                self.stdout.write(f"  @{brand['handle']} ({brand['role']}) user id {brand['x_user_id']}")
            if options["live"]:
                player_thread = threading.Thread(target=player.run, args=(stop,), name="scenario", daemon=True)
                player_thread.start()
                self.stdout.write(f"Live: new complaints keep arriving ({options['speed']:g} scenario min / min).")

        try:
            with _stopped_by_signals():  # before the address is printed: whoever reads it may stop us
                self.stdout.write(
                    self.style.SUCCESS(
                        f"X API sandbox on {server.base_url}  (control: {server.base_url}/_sandbox/state)"
                    )
                )
                self.stdout.write(
                    "Credentials: only those the sandbox issues (crm_twitter.sandbox.state.sandbox_credentials: "
                    "the app bearer token, and '<user id>-sandbox-access-token' per user); others get 401. "
                    "Press Ctrl+C to stop."
                )
                server.serve_forever()
        except KeyboardInterrupt:
            self.stdout.write("Stopping the sandbox.")
        finally:
            stop.set()
            server.httpd.server_close()
            if player_thread is not None:
                player_thread.join(timeout=2)
