"""Media files as X's CDNs serve them, so the media archive works in the demo and the tests.

X hands out a photo's file on ``pbs.twimg.com`` (public), a video's MP4 variants on
``video.twimg.com`` (public) and DM attachments on ``ton.twitter.com`` (only with the account's
OAuth credentials). The sandbox serves the same three kinds on its own address:

    GET /media/<key>.<jpg|png|gif>       a photo, or a video's preview image
    GET /video/<key>.mp4                 a video's or an animated GIF's MP4 variant
    GET /ton/dm/<event id>/<key>.<ext>   a DM attachment: 401 without OAuth, as on X

Every file is made here, from the media key (a colour and a pattern) — no binary is shipped or
downloaded. Faults for the archive's tests, per media key, through the control API:

    POST /_sandbox/media-faults  {"media_key": "3_…", "kind": "gone" | "redirect" | "html" | "disguised"
                                  | "huge" | "slow" | "flaky", "to": URL, "bytes": N, "seconds": S, "times": N}
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import struct
import time
import weakref
from typing import Any

from crm_twitter.sandbox.replies import Reply

_PATH = re.compile(r"^/(?:media|video|ton/dm/\d+)/(?P<key>[\w-]+)\.(?P<ext>jpg|png|gif|mp4)$")
_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "mp4": "video/mp4"}
_faults: weakref.WeakKeyDictionary[Any, dict[str, dict]] = weakref.WeakKeyDictionary()  # state → key → fault


def media_fields(base_url: str, key: str, kind: str, image_format: str | None = None) -> dict[str, Any]:
    """The URL fields of a media object: ``url`` for a photo, ``preview_image_url`` and MP4
    ``variants`` for a video or GIF. Without a server (in-process state) X's own hosts."""
    image_format = image_format if image_format in ("jpg", "png", "gif") else "jpg"
    digest = hashlib.sha256(key.encode()).hexdigest()[:15]
    image = f"{base_url}/media/{key}.{image_format}" if base_url else f"https://pbs.twimg.com/media/{digest}.jpg"
    if kind == "photo":
        return {"url": image}
    video = f"{base_url}/video/{key}.mp4" if base_url else f"https://video.twimg.com/ext_tw_video/{digest}/vid.mp4"
    bit_rate = 0 if kind == "animated_gif" else 832_000
    return {"preview_image_url": image, "variants": [{"bit_rate": bit_rate, "content_type": "video/mp4", "url": video}]}


def dm_media_move(state: Any, event_id: str, keys: list[str]) -> None:
    """DM attachments live on ``ton.twitter.com`` behind OAuth, not on the public CDN."""
    if not state.base_url:
        return
    for key in keys:
        media = state.media.get(key)
        if media and media.get("url"):
            media["url"] = f"{state.base_url}/ton/dm/{event_id}/{key}.{media['url'].rsplit('.', 1)[-1]}"


def _colour(key: str) -> tuple[int, int, int]:
    digest = hashlib.sha256(key.encode()).digest()
    return digest[0], digest[1], digest[2]


def image_bytes(key: str, fmt: str, size: tuple[int, int] = (320, 240)) -> bytes:
    """A small picture unique to ``key``: a coloured field with a lighter band."""
    from PIL import Image, ImageDraw

    colour = _colour(key)
    picture = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(picture)
    light = tuple(min(255, c + 90) for c in colour)
    draw.rectangle((0, size[1] // 3, size[0], 2 * size[1] // 3), fill=light)
    out = io.BytesIO()
    picture.save(out, format={"jpg": "JPEG", "png": "PNG", "gif": "GIF"}[fmt])
    return out.getvalue()


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4_bytes(key: str) -> bytes:
    """An ISO base-media file (``ftyp`` + ``free`` + ``mdat``) unique to ``key``: what an MP4 is
    by its signature, which is all the archive checks; players need not play it."""
    ftyp = _box(b"ftyp", b"isom" + struct.pack(">I", 512) + b"isomiso2mp41")
    return ftyp + _box(b"free", b"") + _box(b"mdat", hashlib.sha256(key.encode()).digest() * 32)


def _fault(state: Any, key: str) -> dict | None:
    faults = _faults.get(state) or {}
    fault = faults.get(key)
    if fault and fault.get("times") is not None:
        fault["times"] -= 1
        if fault["times"] < 0:
            faults.pop(key, None)
            return None
    return fault


def handle(sandbox: Any, method: str, path: str, headers: Any, body: bytes) -> Reply | None:
    """The server's hook: an answer for a media path or the media-faults control, else None."""

    state = sandbox.state
    if path.rstrip("/") == "/_sandbox/media-faults":
        if method == "DELETE":
            _faults.pop(state, None)
            return Reply(200, {"faults": {}})
        if method != "POST":
            return Reply(405, {"error": "POST or DELETE"})
        try:
            spec = json.loads(body or b"{}")
            key = str(spec.pop("media_key"))
        except (ValueError, KeyError):
            return Reply(400, {"error": "a JSON object with media_key and kind"})
        _faults.setdefault(state, {})[key] = spec
        return Reply(201, {"fault": {"media_key": key, **spec}})
    match = _PATH.match(path)
    if match is None or method not in ("GET", "HEAD"):
        return None
    key, ext = match["key"], match["ext"]
    if key not in state.media:
        return Reply(404, {"errors": [{"message": "Sorry, that page does not exist", "code": 34}]})
    if path.startswith("/ton/") and sandbox.api.authenticate(headers) is None:
        return Reply(401, {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    fault = _fault(state, key)
    kind = (fault or {}).get("kind")
    if kind == "slow":
        time.sleep(float(fault.get("seconds", 5)))
    if kind == "gone":
        return Reply(404, b"", {"content-type": "text/plain"})
    if kind == "flaky":
        return Reply(503, b"", {"content-type": "text/plain"})
    if kind == "redirect":
        return Reply(302, b"", {"content-type": "text/plain", "location": fault.get("to", "https://example.com/x.jpg")})
    if kind == "html":
        return Reply(200, b"<html><body>Sign in</body></html>", {"content-type": "text/html; charset=utf-8"})
    payload = mp4_bytes(key) if ext == "mp4" else image_bytes(key, ext)
    if kind == "disguised":
        payload = b"<html><body>not an image</body></html>"
    if kind == "huge":
        payload += b"\0" * max(0, int(fault.get("bytes", 10_000_000)) - len(payload))
    return Reply(200, payload, {"content-type": _CONTENT_TYPES[ext]})
