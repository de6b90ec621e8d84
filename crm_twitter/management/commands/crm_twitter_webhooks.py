"""Manage X's real-time delivery (X Activity API) for the desk::

    crm_twitter_webhooks register --url https://desk.example.com/webhooks/x/
    crm_twitter_webhooks list
    crm_twitter_webhooks delete WEBHOOK_ID
    crm_twitter_webhooks subscribe [--account HANDLE] [--events dm.received post.mention.create …]
    crm_twitter_webhooks unsubscribe [--account HANDLE] [--events …]
    crm_twitter_webhooks replay --from 2026-12-05T10:00 --to 2026-12-05T12:00 [--webhook ID]
    crm_twitter_webhooks stream [--max-events N]   # no public URL: read the activity stream instead

Webhooks belong to the X app (any account's app credentials manage them); subscriptions are per
brand account (DM events with that account's user authorization). Thin: ``crm_twitter.x.activity``
does the work.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.models import BrandAccount
from crm_twitter.x import activity
from crm_twitter.x.activity_events import DEFAULT_SUBSCRIBED_EVENTS
from crm_twitter.x.errors import XError
from crm_twitter.x.gateway import XGateway


def _moment(value: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value!r} is not a date and time like 2026-12-05T10:00") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Command(BaseCommand):
    help = "Register the X webhook, subscribe brand accounts to X Activity API events, replay missed deliveries."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        register = sub.add_parser("register", help="Register the desk's webhook URL with X (X checks it first).")
        register.add_argument("--url", required=True)
        sub.add_parser("list", help="Webhooks and subscriptions X holds for this app.")
        delete = sub.add_parser("delete", help="Delete a webhook.")
        delete.add_argument("webhook_id")
        for name, text in (("subscribe", "Subscribe accounts to events."), ("unsubscribe", "Remove subscriptions.")):
            action = sub.add_parser(name, help=text)
            action.add_argument("--account", help="The brand account's handle (default: every active account).")
            action.add_argument("--events", nargs="+", default=None, help="Event types (default: posts and DMs).")
            if name == "subscribe":
                action.add_argument("--webhook", default="", help="Webhook id (default: the only one registered).")
                action.add_argument("--tag", default="crm_twitter", help="Tag X repeats on every event.")
        replay = sub.add_parser("replay", help="Have X deliver again what it sent in a time range (UTC).")
        replay.add_argument("--from", dest="start", required=True)
        replay.add_argument("--to", dest="end", required=True)
        replay.add_argument("--webhook", default="", help="Webhook id (default: the only one registered).")
        stream = sub.add_parser(
            "stream", help="Read the X Activity API stream into cases until stopped (desks without a public URL)."
        )
        stream.add_argument("--max-events", type=int, default=None, help="Stop after this many events.")

    # --- helpers ------------------------------------------------------------------------------------

    def _accounts(self, handle: str | None) -> list[BrandAccount]:
        if handle:
            accounts = list(BrandAccount.objects.filter(handle__iexact=handle.lstrip("@")))
            if not accounts:
                raise CommandError(f"No brand account @{handle.lstrip('@')}.")
            return accounts
        accounts = list(BrandAccount.objects.filter(is_active=True).order_by("pk"))
        if not accounts:
            raise CommandError("No active brand accounts: add one first (crm_twitter_account).")
        return accounts

    def _app_gateway(self) -> XGateway:
        return XGateway.for_account(self._accounts(None)[0])

    def _webhook_id(self, gateway: XGateway, given: str) -> str:
        if given:
            return given
        hooks = activity.webhooks_list(gateway=gateway)
        if len(hooks) != 1:
            raise CommandError(f"{len(hooks)} webhooks registered: name one with --webhook ID.")
        return hooks[0].id

    # --- actions ---------------------------------------------------------------------------------------

    def handle(self, *args, action: str, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except XError as exc:
            raise CommandError(f"X refused: {exc} ({exc.code})") from exc

    def _register(self, *, url: str, **options) -> None:
        hook = activity.webhook_register(gateway=self._app_gateway(), url=url)
        self.stdout.write(self.style.SUCCESS(f"webhook {hook.id} registered for {hook.url} (valid: {hook.valid})"))

    def _list(self, **options) -> None:
        gateway = self._app_gateway()
        hooks = activity.webhooks_list(gateway=gateway)
        self.stdout.write(f"{len(hooks)} webhook(s)")
        for hook in hooks:
            self.stdout.write(f"  webhook {hook.id} {hook.url} valid={hook.valid} created {hook.created_at}")
        handles = dict(BrandAccount.objects.values_list("x_user_id", "handle"))
        subs = activity.subscriptions_list(gateway=gateway)
        self.stdout.write(f"{len(subs)} subscription(s)")
        for sub in subs:
            who = f"@{handles[sub.user_id]}" if sub.user_id in handles else sub.user_id
            self.stdout.write(f"  subscription {sub.id} {sub.event_type} {who} → webhook {sub.webhook_id or '-'}")

    def _delete(self, *, webhook_id: str, **options) -> None:
        activity.webhook_delete(gateway=self._app_gateway(), webhook_id=webhook_id)
        self.stdout.write(self.style.SUCCESS(f"webhook {webhook_id} deleted"))

    def _subscribe(self, *, account: str | None, events: list[str] | None, webhook: str, tag: str, **options) -> None:
        webhook_id = self._webhook_id(self._app_gateway(), webhook)
        for brand in self._accounts(account):
            made = activity.account_subscribe(
                gateway=XGateway.for_account(brand),
                user_id=brand.x_user_id,
                event_types=events or DEFAULT_SUBSCRIBED_EVENTS,
                webhook_id=webhook_id,
                tag=tag,
            )
            kinds = ", ".join(s.event_type for s in made) or "nothing new"
            self.stdout.write(self.style.SUCCESS(f"@{brand.handle}: subscribed to {kinds}"))

    def _unsubscribe(self, *, account: str | None, events: list[str] | None, **options) -> None:
        for brand in self._accounts(account):
            gone = activity.account_unsubscribe(
                gateway=XGateway.for_account(brand), user_id=brand.x_user_id, event_types=events or ()
            )
            kinds = ", ".join(s.event_type for s in gone) or "no subscriptions"
            self.stdout.write(self.style.SUCCESS(f"@{brand.handle}: removed {kinds}"))

    def _stream(self, *, max_events: int | None, **options) -> None:
        from crm_twitter.x.activity_stream import activity_stream_consume

        account = self._accounts(None)[0]
        self.stdout.write("reading the X Activity API stream (Ctrl-C stops)")
        try:
            result = activity_stream_consume(gateway=lambda: XGateway.for_account(account), max_events=max_events)
        except KeyboardInterrupt:
            self.stdout.write("stopped")
            return
        outcomes = ", ".join(f"{n} {outcome}" for outcome, n in sorted(result.outcomes.items())) or "none"
        self.stdout.write(
            self.style.SUCCESS(f"{result.events} events over {result.connections} connection(s): {outcomes}")
        )

    def _replay(self, *, start: str, end: str, webhook: str, **options) -> None:
        gateway = self._app_gateway()
        webhook_id = self._webhook_id(gateway, webhook)
        window = {"start": _moment(start), "end": _moment(end)}
        try:
            job = activity.webhook_replay(gateway=gateway, webhook_id=webhook_id, **window)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"replay job {job or '?'} started for webhook {webhook_id}"))
