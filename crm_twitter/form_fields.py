"""Form fields for ids typed by people and scripts, shared by the inbox's forms and the API's filters.

Python's ``str.isdigit()`` is true for "²", "³" or "١٢" too: code that tests it and then calls
``int()`` crashes (a 500) or reads a number nobody typed. Here an id is the ASCII digits 0-9,
within what a 64-bit id column (and SQLite) holds, and anything else is a form error.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1


def ascii_id(value: str) -> int | None:
    """``value`` as a database id when it is written as one, ``None`` when it is a name.

    An id is written with the ASCII digits 0-9 only and lies in 1..MAX_ID. A value that
    ``str.isdigit()`` — the selectors' test for "an id, not a slug" — takes for a number but that
    is not one ("²", "١٢") raises ``ValidationError`` here, before it reaches them.
    """
    if not value.isdigit():
        return None
    if not value.isascii():
        raise forms.ValidationError(_("An id is written with the digits 0-9 only."), code="invalid")
    number = int(value) if len(value) <= 19 else MAX_ID + 1
    if not 1 <= number <= MAX_ID:
        raise forms.ValidationError(_("No row has this id."), code="max_value")
    return number


class AsciiIdField(forms.CharField):
    """A form field for a database id: ASCII digits, 1..MAX_ID (so SQLite never overflows).

    Cleans to an ``int``; no ``max_length`` (its validator would measure the int), the range
    check bounds the length.
    """

    def to_python(self, value) -> int | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        number = ascii_id(value)
        if number is None:
            raise forms.ValidationError(_("Enter an id (digits 0-9)."), code="invalid")
        return number


class IdOrNameField(forms.CharField):
    """An id (ASCII digits) or a slug/handle — or one of ``keywords`` ("me", "none").

    ``names`` off: only an id or a keyword is accepted, so a typo is a 400, not a filter that
    silently matches nothing (or, for ``assignee``, everything).
    """

    def __init__(self, *, keywords: tuple[str, ...] = (), names: bool = True, **kwargs) -> None:
        self.keywords = keywords
        self.names = names
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        value = super().to_python(value)  # stripped
        if value in self.empty_values or value in self.keywords:
            return value
        if ascii_id(value) is None and not self.names:
            choices = ", ".join(f"'{k}'" for k in self.keywords)
            raise forms.ValidationError(
                _("Enter an id (digits 0-9) or one of %(choices)s.") % {"choices": choices}, code="invalid"
            )
        return value
