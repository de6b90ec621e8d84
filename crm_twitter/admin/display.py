"""Small display pieces the admin modules share: escaped JSON, short previews, safe links.

Everything that comes from X (texts, names, raw payloads, media URLs) is untrusted: it only
reaches the page through ``format_html``, which escapes it.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator


def pretty_json(value: Any) -> SafeString:
    """A JSON value indented and escaped inside ``<pre>``, for read-only raw payloads."""
    if value in (None, "", {}, []):
        return format_html("<pre>{}</pre>", "—")
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return format_html('<pre style="white-space: pre-wrap; max-width: 60em">{}</pre>', text)


def preview(text: str, length: int = 80) -> str:
    """One line of a message for list columns (escaped by the admin when rendered)."""
    return Truncator(" ".join((text or "").split())).chars(length)


def external_link(url: str, label: str) -> SafeString | str:
    """A link to X or a media file, only for http(s) URLs so a crafted payload cannot inject script."""
    if not url or not url.lower().startswith(("https://", "http://")):
        return label or "—"
    return format_html('<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, label)


def csv_cell(value: Any) -> str:
    """A CSV cell that a spreadsheet will not evaluate as a formula (text from X is untrusted)."""
    if value is None:
        return ""
    text = str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text
