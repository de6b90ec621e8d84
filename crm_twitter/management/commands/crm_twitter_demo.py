"""``manage.py crm_twitter_demo``: load the demo desk (``crm_twitter.demo.desk`` does the work).

python manage.py crm_twitter_demo --sync --advance   # cases arrive through a real sync from the sandbox
python manage.py crm_twitter_demo --offline          # same desk without the sandbox
python manage.py crm_twitter_demo --history 12       # only the year of closed cases behind the desk
python manage.py crm_twitter_demo --reset --sync --advance  # a kept database: the demo's own data afresh
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.demo.desk import HISTORY_MONTHS, DemoDesk, DemoError


class Command(BaseCommand):
    help = "Load the demo desk (logins, teams, brand accounts, customers, orders, cases). Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--sync",
            action="store_true",
            help="Sync every active brand account from the X API at CRM_TWITTER['API_BASE_URL'] (the sandbox).",
        )
        parser.add_argument(
            "--advance",
            action="store_true",
            help="Move a realistic share of the cases through the lifecycle (replies, DMs, "
            "promises, refunds, escalations, closing).",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="Build the same desk without the sandbox: the scenario's tweets and DMs are "
            "ingested directly. Implies --advance.",
        )
        parser.add_argument(
            "--history",
            type=int,
            metavar="MONTHS",
            default=None,
            help="Backdate MONTHS months of resolved and closed cases (default with --advance or --offline: "
            f"{HISTORY_MONTHS}).",
        )
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="Do not add the backdated history of closed cases.",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="First remove the demo's own data (its brand accounts with their cases, messages, customers "
            "and orders), keeping logins, teams and everything else: for a database that is kept between "
            "runs while the sandbox starts afresh.",
        )
        parser.add_argument(
            "--scenario",
            action="append",
            dest="scenarios",
            metavar="NAME",
            help="Scenario file name in crm_twitter/sandbox/scenarios (default: demo, else all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            DemoDesk(write=self.stdout.write, style=self.style).load(
                sync=options["sync"],
                advance=options["advance"],
                offline=options["offline"],
                history=options["history"],
                no_history=options["no_history"],
                scenarios=options["scenarios"],
                reset=options["reset"],
            )
        except DemoError as exc:
            raise CommandError(str(exc)) from exc
