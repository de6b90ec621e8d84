"""Turning bytes from outside (API bodies, X's webhook, the shop's export files) into text and JSON.

One rule for every door, so that none of them answers bad input with a traceback:

* **Encodings.** A byte order mark decides (UTF-8, UTF-16, UTF-32 — what spreadsheet programs
  write when they "save as Unicode"); otherwise the declared encoding, UTF-8 by default. A byte
  that is not valid in it is refused with its line and column, never guessed at: a Latin-1 file
  read as UTF-8 would store mangled names and addresses.
* **JSON depth.** Nothing we accept nests deeper than ``MAX_JSON_DEPTH`` (X's webhook payloads
  reach about 10, order rows about 5). Deeper input is refused with where it got too deep: left
  through, it reaches Python's recursion limit somewhere further in (parsing, validation,
  encoding for the database, pickling for a task) as a ``RecursionError`` — a 500.
* **Standard JSON only**: ``NaN`` and ``Infinity`` are refused (no database or client takes them).
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

MAX_JSON_DEPTH = 64
# An error handler for reading files line by line: each byte that does not decode becomes one
# lone surrogate U+DC00..U+DCFF (which no valid text decodes to), so the line holding it can be
# refused and the rest read. Python's "surrogateescape" does the same for bytes 0x80-0xFF only,
# and raises for a broken UTF-16 unit — several lines after the one being read.
UNDECODED_ERRORS = "crm_twitter.undecoded"
UNDECODED_RE = re.compile("[\udc00-\udcff]")


def _keep_undecoded(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(0xDC00 + byte) for byte in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(UNDECODED_ERRORS, _keep_undecoded)

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BYTE_ORDER_MARKS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class InputDecodeError(ValueError):
    """Input refused, with where it went wrong (1-based line and column) when known."""

    def __init__(self, reason: str, *, line: int | None = None, column: int | None = None) -> None:
        self.reason = reason
        self.line = line
        self.column = column
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.line is None:
            return self.reason
        where = f"line {self.line}" + (f", column {self.column}" if self.column is not None else "")
        return f"{self.reason} ({where})"


def encoding_sniff(head: bytes) -> tuple[str | None, int]:
    """The encoding a byte order mark at the start of ``head`` declares, and the mark's length.

    Without a mark, UTF-16/UTF-32 text is still recognised by where its NUL bytes fall (ASCII
    characters in them are half or three quarters NULs), as RFC 4627 suggests for JSON;
    ``(None, 0)`` means "no sign": use the declared encoding.
    """
    for mark, encoding in _BYTE_ORDER_MARKS:
        if head.startswith(mark):
            return encoding, len(mark)
    if len(head) >= 4:
        if head[0] == 0 and head[1] == 0 and head[2] == 0 and head[3] != 0:
            return "utf-32-be", 0
        if head[0] != 0 and head[1] == 0 and head[2] == 0 and head[3] == 0:
            return "utf-32-le", 0
    if len(head) >= 2:
        if head[0] == 0 and head[1] != 0:
            return "utf-16-be", 0
        if head[0] != 0 and head[1] == 0:
            return "utf-16-le", 0
    return None, 0


def encoding_check(encoding: str) -> str:
    """``encoding`` if it is a text codec Python knows; ``InputDecodeError`` otherwise.

    Byte-to-byte codecs (``zlib``, ``bz2``) are refused: they would inflate the input.
    """
    try:
        "".encode(encoding)
        codecs.lookup(encoding)
    except (LookupError, UnicodeError, TypeError):
        raise InputDecodeError(f"Unknown or unsupported text encoding {encoding!r}.") from None
    return encoding


def encoding_name(encoding: str) -> str:
    """How to call an encoding in a message ("UTF-8", "UTF-16", "latin-1")."""
    base = codecs.lookup(encoding).name
    for prefix, name in (("utf-8", "UTF-8"), ("utf-16", "UTF-16"), ("utf-32", "UTF-32")):
        if base.startswith(prefix):
            return name
    return encoding


def _position(text: str) -> tuple[int, int]:
    """(line, column), 1-based, just after ``text``."""
    line = text.count("\n") + 1
    return line, len(text) - (text.rfind("\n") + 1) + 1


def bytes_decode(data: bytes, *, encoding: str | None = None) -> str:
    """Text from bytes: a byte order mark (or UTF-16/32's NUL pattern) wins, then ``encoding``,
    then UTF-8. A byte that does not decode is refused with its line and column."""
    sniffed, _ = encoding_sniff(data[:4])
    chosen = sniffed or encoding_check(encoding or "utf-8")
    try:
        return data.decode(chosen)
    except UnicodeDecodeError as exc:
        line, column = _position(data[: exc.start].decode(chosen, errors="replace").lstrip("\ufeff"))
        bad = data[exc.start : exc.start + 1].hex().upper()
        raise InputDecodeError(
            f"Not valid {encoding_name(chosen)} text: byte 0x{bad}", line=line, column=column
        ) from None


def undecoded_error(text: str, encoding: str) -> InputDecodeError | None:
    """Why ``text`` (read with ``UNDECODED_ERRORS``) is not valid ``encoding`` text, or None."""
    bad = UNDECODED_RE.search(text)
    if bad is None:
        return None
    line, column = _position(text[: bad.start()])
    byte = ord(bad.group()) - 0xDC00
    return InputDecodeError(f"Not valid {encoding_name(encoding)} text: byte 0x{byte:02X}", line=line, column=column)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def _too_deep(value: Any, max_depth: int) -> bool:
    """Whether ``value`` nests more than ``max_depth`` arrays/objects deep (no recursion)."""
    if not isinstance(value, dict | list):
        return False
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            return True
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return False


def _deep_position(text: str, max_depth: int) -> tuple[int | None, int | None]:
    """Where in ``text`` the nesting first goes past ``max_depth`` (only run to word an error)."""
    depth = 0
    in_string = escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return _position(text[:index])
        elif char in "]}":
            depth -= 1
    return None, None


def json_loads_bounded(data: str | bytes, *, max_depth: int = MAX_JSON_DEPTH, encoding: str | None = None) -> Any:
    """Parse untrusted JSON: standard numbers only, at most ``max_depth`` levels deep.

    Bytes are decoded with ``bytes_decode`` (byte order marks honoured). Every refusal is an
    ``InputDecodeError`` naming the line and column.
    """
    text = bytes_decode(data, encoding=encoding) if isinstance(data, bytes | bytearray) else data
    text = text.removeprefix("\ufeff")
    too_deep = f"Malformed JSON: nested too deeply (more than {max_depth} levels)"
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise InputDecodeError(f"Malformed JSON: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        line, column = _deep_position(text, max_depth)
        raise InputDecodeError(too_deep, line=line, column=column) from None
    except ValueError as exc:  # NaN, Infinity
        raise InputDecodeError(f"Malformed JSON: {exc}") from None
    if _too_deep(value, max_depth):
        line, column = _deep_position(text, max_depth)
        raise InputDecodeError(too_deep, line=line, column=column)
    return value
