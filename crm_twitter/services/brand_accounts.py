"""Setting up the brand's X accounts: what a handle and a user id may be, and credentials that work.

A wrong account is expensive to notice late: the first sync fails (or, worse, listens on the
wrong account), an agent's reply goes out from nowhere. So an account is only stored when

* its handle follows X's rule — 1 to 15 of ``A-Za-z0-9_`` — and its user id is digits;
* its credentials answer ``users/me`` (and a bearer token stored beside OAuth 1.0a keys answers
  an app-only user lookup, which is what sync uses it for), unless the caller opts out — for
  an installation that cannot reach X yet;
* the user id is not another account's already.

Refusals are ``BrandAccountRefused`` with a sentence for a person; nothing reaches the database
to be refused there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction

from crm_twitter.models import BrandAccount
from crm_twitter.models.accounts import CREDENTIAL_FIELDS
from crm_twitter.x.errors import XAuthError, XError, XRateLimited, XTransientError
from crm_twitter.x.gateway import XGateway

HANDLE_RE = re.compile(r"[A-Za-z0-9_]{1,15}")
USER_ID_RE = re.compile(r"[0-9]{1,20}")  # X ids are unsigned 64-bit numbers
OAUTH1_FIELDS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class BrandAccountRefused(Exception):
    """The account cannot be stored as asked; ``message`` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoCredentials(BrandAccountRefused):
    """A new account was asked for without any credential."""


@dataclass(frozen=True)
class XIdentity:
    """Who the credentials authenticate as on X."""

    user_id: str
    username: str
    name: str


@dataclass(frozen=True)
class BrandAccountSaved:
    account: BrandAccount
    created: bool
    credentials_stored: tuple[str, ...]  # names of the credentials written by this call
    verified_as: XIdentity | None  # None: not checked against X (no new credentials, or opted out)
    warnings: tuple[str, ...] = ()


def brand_account_handle_clean(value: str) -> str:
    """The handle without ``@`` and spaces; refused unless 1–15 of ``A-Za-z0-9_`` (X's rule)."""
    handle = (value or "").strip().removeprefix("@")
    if not HANDLE_RE.fullmatch(handle):
        raise BrandAccountRefused(f"{value!r} is not an X handle: 1 to 15 letters (A-Z, a-z), digits or underscores.")
    return handle


def brand_account_user_id_clean(value: str) -> str:
    """An X user id: ASCII digits only ("²" is a digit to Python, not to X)."""
    user_id = (value or "").strip()
    if not USER_ID_RE.fullmatch(user_id):
        raise BrandAccountRefused(f"{value!r} is not an X user id: digits 0-9 only, at most 20.")
    return user_id


def _x_refusal(exc: XError, what: str) -> BrandAccountRefused:
    if isinstance(exc, XAuthError):
        return BrandAccountRefused(f"X refused {what}: {exc}. Check them in the X developer portal.")
    if isinstance(exc, XRateLimited):
        return BrandAccountRefused(
            f"X rate-limited the check of {what} until {exc.reset_at:%H:%M} UTC; try again then "
            "(or store them unchecked with --no-verify)."
        )
    if isinstance(exc, XTransientError):
        return BrandAccountRefused(
            f"Could not reach X to check {what} ({exc}); try again, or store them unchecked with --no-verify."
        )
    return BrandAccountRefused(f"X did not accept {what}: {exc}.")


def brand_account_credentials_verify(*, credentials: dict[str, str]) -> XIdentity:
    """Check credentials against X the way sync will use them; who they authenticate as.

    ``users/me`` with the user context (OAuth 1.0a keys, else the bearer token as an OAuth 2.0
    user token). A bearer token next to OAuth 1.0a keys is only used for app reads, so it is
    checked with one: looking the account itself up.
    """
    oauth1 = [name for name in OAUTH1_FIELDS if credentials.get(name)]
    if oauth1 and len(oauth1) != len(OAUTH1_FIELDS):
        missing = ", ".join(name for name in OAUTH1_FIELDS if name not in oauth1)
        raise BrandAccountRefused(f"OAuth 1.0a needs all four keys; missing: {missing}.")
    try:
        me = XGateway(credentials=credentials).get_me()
    except XError as exc:
        raise _x_refusal(exc, "the credentials (users/me)") from exc
    identity = XIdentity(user_id=str(me["id"]), username=str(me.get("username", "")), name=str(me.get("name", "")))
    if oauth1 and credentials.get("bearer_token"):
        try:
            XGateway(credentials={"bearer_token": credentials["bearer_token"]}).get_users([identity.user_id])
        except XError as exc:
            raise _x_refusal(exc, "the bearer token (an app-only user lookup)") from exc
    return identity


def brand_account_save(
    *,
    handle: str,
    user_id: str = "",
    role: str = "",
    region: str = "",
    language: str = "",
    credentials: dict[str, str] | None = None,
    verify: bool = True,
) -> BrandAccountSaved:
    """Add the account with this handle, or update it (role, region, language, credentials).

    New credentials are checked against X unless ``verify`` is off; the user id then comes from
    X (a different ``user_id`` given alongside is refused: one of the two is wrong). Without a
    check, a new account needs its ``user_id``.
    """
    handle = brand_account_handle_clean(handle)
    user_id = brand_account_user_id_clean(user_id) if (user_id or "").strip() else ""
    given = {name: value.strip() for name, value in (credentials or {}).items() if value and value.strip()}
    unknown = set(given) - set(CREDENTIAL_FIELDS)
    if unknown:
        raise BrandAccountRefused(f"Unknown credential(s): {', '.join(sorted(unknown))}.")
    existing = BrandAccount.objects.filter(handle__iexact=handle).first()
    if existing is None and not given:
        raise NoCredentials("No credentials given for a new account.")

    warnings: list[str] = []
    identity = None
    if given and verify:
        merged = {**(existing.get_credentials() if existing else {}), **given}
        identity = brand_account_credentials_verify(credentials=merged)
        if user_id and user_id != identity.user_id:
            raise BrandAccountRefused(
                f"The credentials belong to user id {identity.user_id} (@{identity.username}), not {user_id}."
            )
        user_id = identity.user_id
        if identity.username.lower() != handle.lower():
            warnings.append(f"The credentials belong to @{identity.username}, not @{handle}; using id {user_id}.")
    user_id = user_id or (existing.x_user_id if existing else "")
    if not user_id:
        raise BrandAccountRefused("Give the account's --user-id: without checking the credentials it is unknown.")
    taken = BrandAccount.objects.filter(x_user_id=user_id).exclude(pk=existing.pk if existing else None).first()
    if taken is not None:
        raise BrandAccountRefused(f"User id {user_id} already belongs to @{taken.handle}.")

    account = existing or BrandAccount(handle=handle)
    if identity and identity.username.lower() == handle.lower():
        account.handle = identity.username  # X's own spelling of the handle
    elif existing is None:
        account.handle = handle
    account.x_user_id = user_id
    if identity and identity.name and not account.display_name:
        account.display_name = identity.name[:100]
    if role:
        account.role = role
    if region:
        account.region = region
    if language:
        account.default_language = language
    if given:
        account.set_credentials(**given)
    try:  # lengths and choices (a region too long, an unknown role) before the database sees them
        account.full_clean(exclude=["credentials_encrypted"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        reasons = "; ".join(f"{name}: {' '.join(errors)}" for name, errors in exc.message_dict.items())
        raise BrandAccountRefused(f"The account is not valid: {reasons}") from exc
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError as exc:  # another process stored the same handle or id meanwhile
        raise BrandAccountRefused(f"Another account already has the handle @{handle} or user id {user_id}.") from exc
    except DatabaseError as exc:
        raise BrandAccountRefused(f"The database refused the account: {exc}.") from exc
    return BrandAccountSaved(
        account=account,
        created=existing is None,
        credentials_stored=tuple(sorted(given)),
        verified_as=identity,
        warnings=tuple(warnings),
    )
