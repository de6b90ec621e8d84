"""Downloading a media file from X without becoming a way into the merchant's network.

A media URL comes from a payload anyone can shape (a webhook body, a sandbox, a compromised
proxy), so fetching it is a server-side request on an attacker's behalf unless it is fenced:

* only the hosts of ``CRM_TWITTER["MEDIA_HOSTS"]`` over HTTPS (X's CDNs);
* never an internal address: the host is resolved and refused when any address is loopback,
  private, link-local, reserved…, and the socket's real peer is checked again once connected
  (``_GuardedConnection``), so a DNS answer that changes between the two (rebinding) is caught
  before a byte is sent;
* no redirect to another host (X's CDNs never redirect off themselves), at most three on the same;
* a size cap (``Content-Length`` and the bytes actually read), connect/read timeouts and an overall
  deadline, and a body that must be an image or a video by its type *and* its first bytes;
* no proxies from the environment (``trust_env`` off): the peer check must see the real host.

The sandbox runs on 127.0.0.1 over plain HTTP: ``MEDIA_INSECURE_HOSTS`` names such ``host:port``
entries explicitly (test and demo settings only; check ``crm_twitter.W171`` warns in deployment).

Failures are ``FetchFailed`` with a stable ``code`` and whether a later attempt may succeed.
"""

from __future__ import annotations

import hashlib
import ipaddress
import socket
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from crm_twitter.conf import app_settings

MAX_REDIRECTS = 3
CHUNK = 64 * 1024
SPOOL_BYTES = 1024 * 1024  # media smaller than this never touches the disk before storage

# What X serves: the first bytes of each format, and the extension the archive stores it under.
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, ".png"),
    (b"GIF87a", 0, ".gif"),
    (b"GIF89a", 0, ".gif"),
    (b"WEBP", 8, ".webp"),  # RIFF....WEBP
    (b"ftyp", 4, ".mp4"),  # ISO base media (MP4, MOV)
)


class FetchFailed(Exception):
    """The medium could not be fetched. ``code`` is stable; ``retryable`` says whether to try again."""

    def __init__(self, code: str, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class InternalAddressRefused(ValueError):
    """Raised inside a connection whose peer is internal (a ValueError so urllib3 never retries it)."""


@dataclass
class Fetched:
    """A downloaded medium: the bytes (a spooled temporary file, at position 0) and what we know."""

    file: IO[bytes]
    sha256: str
    size: int
    content_type: str
    extension: str
    url: str


def insecure_hosts() -> set[str]:
    return {str(h).lower() for h in app_settings.MEDIA_INSECURE_HOSTS or ()}


def _host_port(parts) -> str:
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{(parts.hostname or '').lower()}:{port}"


def address_is_internal(address: str) -> bool:
    """Loopback, private, link-local, shared, multicast, reserved or unspecified (IPv4-mapped too)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def url_check(url: str) -> None:
    """Refuse a URL the archive must never fetch (``FetchFailed``, not retryable)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise FetchFailed("bad_url", f"not a URL: {url[:200]!r}", retryable=False) from None
    host = (parts.hostname or "").lower()
    if parts.username or parts.password:
        raise FetchFailed("bad_url", "URL carries credentials", retryable=False)
    sandboxed = _host_port(parts) in insecure_hosts()
    if parts.scheme != "https" and not (parts.scheme == "http" and sandboxed):
        raise FetchFailed("not_https", f"only HTTPS is fetched, not {parts.scheme or 'no scheme'}", retryable=False)
    allowed = {str(h).lower() for h in app_settings.MEDIA_HOSTS or ()}
    if host not in allowed and not sandboxed:
        raise FetchFailed("host_not_allowed", f"{host or 'no host'} is not an X media host", retryable=False)


def _resolve_check(url: str) -> None:
    parts = urlsplit(url)
    if _host_port(parts) in insecure_hosts():
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchFailed("dns", f"cannot resolve {parts.hostname}: {exc}", retryable=True) from None
    for info in infos:
        if address_is_internal(str(info[4][0])):
            raise FetchFailed(
                "internal_address", f"{parts.hostname} resolves to an internal address {info[4][0]}", retryable=False
            )


def _peer_check(sock: socket.socket, host: str, port: int) -> None:
    if f"{host.lower()}:{port}" in insecure_hosts():
        return
    peer = sock.getpeername()[0]
    if address_is_internal(peer):
        sock.close()
        raise InternalAddressRefused(f"{host} connected to an internal address {peer}")


class _GuardedHTTPConnection(HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        _peer_check(sock, self.host, self.port)
        return sock


class _GuardedHTTPSConnection(HTTPSConnection):
    def _new_conn(self) -> socket.socket:  # before the TLS handshake: nothing is sent to the peer
        sock = super()._new_conn()
        _peer_check(sock, self.host, self.port)
        return sock


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection


class _GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _GuardedHTTPPool, "https": _GuardedHTTPSPool}


def guarded_session() -> requests.Session:
    """A session whose connections refuse internal peers and ignore proxy variables."""
    session = requests.Session()
    session.trust_env = False
    adapter = _GuardedAdapter(max_retries=0, pool_maxsize=16)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def sniff_extension(head: bytes) -> str | None:
    for magic, offset, extension in SIGNATURES:
        if head[offset : offset + len(magic)] == magic:
            return extension
    return None


Opener = Callable[[requests.Session, str, tuple[float, float]], requests.Response]


def _plain_get(session: requests.Session, url: str, timeout: tuple[float, float]) -> requests.Response:
    return session.get(url, stream=True, allow_redirects=False, timeout=timeout)


def fetch_media(url: str, *, session: requests.Session, opener: Opener | None = None) -> Fetched:
    """Download one medium under the rules above; ``opener`` makes the request (the gateway's,
    with the account's OAuth credentials, for DM media). Raises ``FetchFailed``."""
    opener = opener or _plain_get
    max_bytes = int(app_settings.MEDIA_MAX_BYTES)
    limit = float(app_settings.MEDIA_TIMEOUT_SECONDS)
    deadline = time.monotonic() + limit
    timeout = (min(limit, 10.0), limit)
    first_host = (urlsplit(url).hostname or "").lower()
    for _ in range(MAX_REDIRECTS + 1):
        url_check(url)
        _resolve_check(url)
        try:
            response = opener(session, url, timeout)
        except InternalAddressRefused as exc:
            raise FetchFailed("internal_address", str(exc), retryable=False) from None
        except requests.Timeout:
            raise FetchFailed("timeout", f"no answer within {limit:g} s", retryable=True) from None
        except requests.RequestException as exc:
            if isinstance(exc.__context__, InternalAddressRefused):
                raise FetchFailed("internal_address", str(exc.__context__), retryable=False) from None
            raise FetchFailed("network", f"{type(exc).__name__}: {exc}"[:300], retryable=True) from None
        with response:
            if response.is_redirect:
                target = urljoin(url, response.headers.get("location", ""))
                if (urlsplit(target).hostname or "").lower() != first_host:
                    raise FetchFailed("redirect", f"redirected to another host: {target[:200]}", retryable=False)
                url = target
                continue
            return _read(response, url, max_bytes=max_bytes, deadline=deadline, limit=limit)
    raise FetchFailed("redirect", f"more than {MAX_REDIRECTS} redirects", retryable=False)


def _read(response: requests.Response, url: str, *, max_bytes: int, deadline: float, limit: float) -> Fetched:
    status = response.status_code
    if status in (404, 410):
        raise FetchFailed("not_found", f"X answered {status}: the medium is gone", retryable=False)
    if status in (401, 403):
        raise FetchFailed("forbidden", f"X answered {status} (credentials?)", retryable=True)
    if status == 429 or status >= 500:
        raise FetchFailed(f"http_{status}", f"X answered {status}", retryable=True)
    if status != 200:
        raise FetchFailed(f"http_{status}", f"unexpected answer {status}", retryable=False)
    content_type = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if not content_type.startswith(("image/", "video/")):
        raise FetchFailed(
            "not_media", f"the answer is {content_type or 'untyped'}, not an image or video", retryable=False
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchFailed("too_large", f"{int(declared)} bytes, over the {max_bytes}-byte cap", retryable=False)
    digest = hashlib.sha256()
    sink = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - handed to the caller
    size = 0
    head = b""
    try:
        for chunk in response.iter_content(CHUNK):
            if time.monotonic() > deadline:
                raise FetchFailed("timeout", f"download took over {limit:g} s", retryable=True)
            size += len(chunk)
            if size > max_bytes:
                raise FetchFailed("too_large", f"over the {max_bytes}-byte cap", retryable=False)
            if len(head) < 16:
                head += chunk[:16]
            digest.update(chunk)
            sink.write(chunk)
        extension = sniff_extension(head)
        if extension is None or size == 0:
            raise FetchFailed(
                "not_media", f"{content_type} whose bytes are no image or video X serves", retryable=False
            )
    except FetchFailed:
        sink.close()
        raise
    except requests.RequestException as exc:
        sink.close()
        code = "timeout" if isinstance(exc, requests.Timeout | requests.exceptions.ConnectionError) else "network"
        raise FetchFailed(code, f"download broke off: {type(exc).__name__}", retryable=True) from None
    sink.seek(0)
    return Fetched(
        file=sink, sha256=digest.hexdigest(), size=size, content_type=content_type, extension=extension, url=url
    )
