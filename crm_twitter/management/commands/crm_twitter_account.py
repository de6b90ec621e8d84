"""Set up the brand's X accounts: add one, list them, check their credentials.

    python manage.py crm_twitter_account add --handle AcmeHelp --role support \\
        --bearer-token … --consumer-key … --consumer-secret … --access-token … --access-token-secret …
    python manage.py crm_twitter_account list
    python manage.py crm_twitter_account check [--handle AcmeHelp]

Every credential can come from the environment instead (CRM_TWITTER_BEARER_TOKEN,
CRM_TWITTER_CONSUMER_KEY, CRM_TWITTER_CONSUMER_SECRET, CRM_TWITTER_ACCESS_TOKEN,
CRM_TWITTER_ACCESS_TOKEN_SECRET), so they stay out of the shell history. They are stored
encrypted and never printed.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from crm_twitter.models import BrandAccount
from crm_twitter.x.errors import XError
from crm_twitter.x.gateway import XGateway

CREDENTIAL_OPTIONS = {
    "bearer_token": "CRM_TWITTER_BEARER_TOKEN",
    "consumer_key": "CRM_TWITTER_CONSUMER_KEY",
    "consumer_secret": "CRM_TWITTER_CONSUMER_SECRET",
    "access_token": "CRM_TWITTER_ACCESS_TOKEN",
    "access_token_secret": "CRM_TWITTER_ACCESS_TOKEN_SECRET",
}


class Command(BaseCommand):
    help = "Add, list or check the brand's X accounts (credentials stored encrypted, never printed)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)

        add = actions.add_parser("add", help="Add an account (or update its credentials and role).")
        add.add_argument("--handle", required=True, help="The X handle, with or without @.")
        add.add_argument("--user-id", default="", help="X user id; looked up with users/me when omitted.")
        add.add_argument(
            "--role",
            default="",
            choices=[c for c, _ in BrandAccount.Role.choices],
            help="support (default), regional, or executive (watched for escalations).",
        )
        add.add_argument("--region", default="", help="For regional accounts, e.g. EU.")
        add.add_argument("--language", default="", help="Default reply language, e.g. en.")
        for name, env in CREDENTIAL_OPTIONS.items():
            add.add_argument(f"--{name.replace('_', '-')}", dest=name, default="", help=f"Defaults to ${env}.")

        actions.add_parser("list", help="List the accounts and their sync state.")

        check = actions.add_parser("check", help="Call users/me with the stored credentials.")
        check.add_argument("--handle", default="", help="Only this account (default: every active one).")

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    # --- add ----------------------------------------------------------------------------------

    def handle_add(self, options):
        handle = options["handle"].lstrip("@").strip()
        if not handle:
            raise CommandError("--handle is required.")
        credentials = {
            name: (options.get(name) or os.environ.get(env, "")).strip() for name, env in CREDENTIAL_OPTIONS.items()
        }
        credentials = {k: v for k, v in credentials.items() if v}
        existing = BrandAccount.objects.filter(handle__iexact=handle).first()
        if not credentials and existing is None:
            raise CommandError(
                "No credentials given: pass --bearer-token/--consumer-key/… or set "
                + ", ".join(CREDENTIAL_OPTIONS.values())
                + "."
            )
        user_id = options["user_id"].strip() or (existing.x_user_id if existing else "")
        display_name = ""
        if not user_id:
            try:
                me = XGateway(credentials=credentials).get_me()
            except XError as exc:
                raise CommandError(f"Could not look up the user id with users/me: {exc}") from exc
            user_id, display_name = str(me["id"]), me.get("name", "")
            if me.get("username", "").lower() != handle.lower():
                self.stderr.write(
                    self.style.WARNING(
                        f"The credentials belong to @{me.get('username')}, not @{handle}; using id {user_id}."
                    )
                )

        with transaction.atomic():
            account = existing or BrandAccount(handle=handle)
            account.handle = handle
            account.x_user_id = user_id
            if display_name and not account.display_name:
                account.display_name = display_name
            if options["role"]:
                account.role = options["role"]
            if options["region"]:
                account.region = options["region"]
            if options["language"]:
                account.default_language = options["language"]
            if credentials:
                account.set_credentials(**credentials)
            account.save()
        verb = "Updated" if existing else "Added"
        stored = ", ".join(sorted(credentials)) or "unchanged"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} @{account.handle} (user id {account.x_user_id}, role {account.role}); credentials: {stored}."
            )
        )

    # --- list ---------------------------------------------------------------------------------

    def handle_list(self, options):
        accounts = list(BrandAccount.objects.order_by("handle"))
        if not accounts:
            self.stdout.write("No X accounts yet: add one with `crm_twitter_account add`.")
            return
        self.stdout.write(
            f"{'handle':17} {'user id':20} {'role':10} {'active':6} {'creds':5} {'health':13} last synced"
        )
        for account in accounts:
            last = account.last_synced_at.strftime("%Y-%m-%d %H:%M UTC") if account.last_synced_at else "never"
            self.stdout.write(
                f"@{account.handle:16} {account.x_user_id:20} {account.role:10} "
                f"{'yes' if account.is_active else 'no':6} {'yes' if account.has_credentials else 'no':5} "
                f"{account.sync_health:13} {last}"
            )

    # --- check --------------------------------------------------------------------------------

    def handle_check(self, options):
        accounts = BrandAccount.objects.filter(is_active=True)
        if options["handle"]:
            accounts = BrandAccount.objects.filter(handle__iexact=options["handle"].lstrip("@"))
        accounts = list(accounts.order_by("handle"))
        if not accounts:
            raise CommandError("No matching X account.")
        failed = []
        for account in accounts:
            try:
                me = XGateway.for_account(account).get_me()
            except XError as exc:
                failed.append(account.handle)
                self.stdout.write(self.style.ERROR(f"@{account.handle}: FAILED — {type(exc).__name__}: {exc}"))
                continue
            account.refresh_from_db(fields=["rate_limits"])
            state = (account.rate_limits or {}).get("GET /2/users/me") or {}
            limit = f"{state.get('remaining', '?')}/{state.get('limit', '?')} left, resets {state.get('reset', '?')}"
            mismatch = "" if str(me["id"]) == account.x_user_id else f" (stored id {account.x_user_id} differs!)"
            self.stdout.write(
                self.style.SUCCESS(
                    f"@{account.handle}: OK — authenticated as @{me['username']} id {me['id']}{mismatch}; "
                    f"users/me rate limit {limit}"
                )
            )
        if failed:
            raise CommandError(f"Check failed for: {', '.join('@' + h for h in failed)}")
