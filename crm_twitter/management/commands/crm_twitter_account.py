"""Set up the brand's X accounts: add or update one, list them, check their credentials.

    CRM_TWITTER_BEARER_TOKEN=… CRM_TWITTER_CONSUMER_KEY=… … \\
        python manage.py crm_twitter_account add --handle AcmeHelp --role support
    python manage.py crm_twitter_account add --handle AcmeHelp --prompt
    python manage.py crm_twitter_account update --handle AcmeHelp --role executive
    python manage.py crm_twitter_account list
    python manage.py crm_twitter_account check [--handle AcmeHelp]

Credentials come from the environment (CRM_TWITTER_BEARER_TOKEN, CRM_TWITTER_CONSUMER_KEY,
CRM_TWITTER_CONSUMER_SECRET, CRM_TWITTER_ACCESS_TOKEN, CRM_TWITTER_ACCESS_TOKEN_SECRET), from
``--prompt`` (typed, not echoed), or from options such as ``--bearer-token`` — which other users
of the machine can read in the process list and which stay in the shell history, so the command
warns when they are used. They are checked against X (users/me) before they are stored, unless
``--no-verify``; stored encrypted and never printed. The rules live in
``crm_twitter.services.brand_accounts``.
"""

from __future__ import annotations

import getpass
import os

from django.core.management.base import BaseCommand, CommandError

from crm_twitter.models import BrandAccount
from crm_twitter.services.brand_accounts import (
    BrandAccountRefused,
    NoCredentials,
    brand_account_handle_clean,
    brand_account_save,
)
from crm_twitter.x.errors import XError
from crm_twitter.x.gateway import XGateway

CREDENTIAL_OPTIONS = {
    "bearer_token": "CRM_TWITTER_BEARER_TOKEN",
    "consumer_key": "CRM_TWITTER_CONSUMER_KEY",
    "consumer_secret": "CRM_TWITTER_CONSUMER_SECRET",
    "access_token": "CRM_TWITTER_ACCESS_TOKEN",
    "access_token_secret": "CRM_TWITTER_ACCESS_TOKEN_SECRET",
}
PROCESS_LIST_WARNING = (
    "Warning: credentials given as options ({options}) can be read by other users of this machine "
    "in the process list and stay in your shell history. Prefer the CRM_TWITTER_* environment "
    "variables or --prompt."
)


class Command(BaseCommand):
    help = "Add, update, list or check the brand's X accounts (credentials stored encrypted, never printed)."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Add an account (or update it when the handle exists).")
        update = actions.add_parser(
            "update", help="Update an existing account's role, region, language or credentials."
        )
        for sub in (add, update):
            self._account_arguments(sub)

        actions.add_parser("list", help="List the accounts and their sync state.")

        check = actions.add_parser("check", help="Call users/me with the stored credentials.")
        check.add_argument("--handle", default="", help="Only this account (default: every active one).")

    def _account_arguments(self, parser) -> None:
        parser.add_argument("--handle", required=True, help="The X handle, with or without @.")
        parser.add_argument(
            "--user-id", default="", help="X user id (digits); taken from users/me when the credentials are checked."
        )
        parser.add_argument(
            "--role",
            default="",
            choices=[c for c, _ in BrandAccount.Role.choices],
            help="support (default), regional, or executive (watched for escalations).",
        )
        parser.add_argument("--region", default="", help="For regional accounts, e.g. EU.")
        parser.add_argument("--language", default="", help="Default reply language, e.g. en.")
        for name, env in CREDENTIAL_OPTIONS.items():
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=name,
                default="",
                help=f"Defaults to ${env}. Visible in the process list: prefer the variable or --prompt.",
            )
        parser.add_argument(
            "--prompt", action="store_true", help="Ask for the credentials not given (typing is not echoed)."
        )
        parser.add_argument(
            "--no-verify",
            action="store_true",
            help="Store the credentials without checking them against X (users/me); needs --user-id for a new account.",
        )

    def handle(self, *args, **options):
        getattr(self, f"handle_{options['action']}")(options)

    # --- add / update ---------------------------------------------------------------------------

    def handle_update(self, options):
        try:
            handle = brand_account_handle_clean(options["handle"])
        except BrandAccountRefused as exc:
            raise CommandError(exc.message) from None
        if not BrandAccount.objects.filter(handle__iexact=handle).exists():
            raise CommandError(f"No account @{handle}: add it with `crm_twitter_account add`.")
        self.handle_add(options)

    def handle_add(self, options):
        from_options = [name for name in CREDENTIAL_OPTIONS if (options.get(name) or "").strip()]
        if from_options:
            names = ", ".join(f"--{name.replace('_', '-')}" for name in from_options)
            self.stderr.write(self.style.WARNING(PROCESS_LIST_WARNING.format(options=names)))
        credentials = {
            name: (options.get(name) or os.environ.get(env, "")).strip() for name, env in CREDENTIAL_OPTIONS.items()
        }
        if options["prompt"]:
            for name in CREDENTIAL_OPTIONS:
                if not credentials[name]:
                    credentials[name] = getpass.getpass(
                        f"{name.replace('_', ' ').capitalize()} (empty to skip): "
                    ).strip()
        credentials = {k: v for k, v in credentials.items() if v}
        try:
            saved = brand_account_save(
                handle=options["handle"],
                user_id=options["user_id"],
                role=options["role"],
                region=options["region"],
                language=options["language"],
                credentials=credentials,
                verify=not options["no_verify"],
            )
        except NoCredentials:
            raise CommandError(
                "No credentials given: set "
                + ", ".join(CREDENTIAL_OPTIONS.values())
                + ", use --prompt, or pass --bearer-token/--consumer-key/…"
            ) from None
        except BrandAccountRefused as exc:
            raise CommandError(exc.message) from None
        for warning in saved.warnings:
            self.stderr.write(self.style.WARNING(warning))
        account = saved.account
        verb = "Added" if saved.created else "Updated"
        stored = ", ".join(saved.credentials_stored) or "unchanged"
        if saved.verified_as:
            checked = f"checked with X as @{saved.verified_as.username}"
        elif saved.credentials_stored:
            checked = "NOT checked with X (--no-verify)"
        else:
            checked = ""
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} @{account.handle} (user id {account.x_user_id}, role {account.role}); "
                f"credentials: {stored}{'; ' + checked if checked else ''}."
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
