"""The inbox forms' renderer: Django's plain widgets (input, select, textarea) drawn in Python.

The case page shows three small forms (resolve, promise, escalate) whose fields Django draws
through its widget templates: ~55 template renders (an ``attrs.html`` per field and per option)
cost ~6 ms of every case page. The markup here is exactly what those templates print, built from
the same widget context (so ids, ``required``, ``maxlength``, ``step``, selected options and
values come from Django as before); every value is escaped. Any other template (a host project's
custom widget, the form layouts) goes to the project's own form renderer, untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.renderers import BaseRenderer, get_default_renderer
from django.utils.html import conditional_escape


def _attrs(attrs: dict[str, Any]) -> str:
    """``django/forms/widgets/attrs.html``: False drops an attribute, True prints it bare."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_s(value)}"')
    return "".join(out)


def _s(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescape."""
    return conditional_escape(value if hasattr(value, "__html__") else f"{value}")


def _input(widget: dict[str, Any]) -> str:
    value = "" if widget["value"] is None else f' value="{_s(widget["value"])}"'
    return (
        f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def _option(option: dict[str, Any]) -> str:
    label = conditional_escape(option["label"])
    return f'<option value="{_s(option["value"])}"{_attrs(option["attrs"])}>{label}</option>'


def _select(widget: dict[str, Any]) -> str:
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            if option.get("template_name") != "django/forms/widgets/select_option.html":
                return ""  # a customised option template: let Django draw the whole select
            parts.append(f"\n  {_option(option)}\n")  # the option template ends with a newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict[str, Any]) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


DRAWN_IN_PYTHON: dict[str, Callable[[dict[str, Any]], str]] = {
    "django/forms/widgets/input.html": _input,
    "django/forms/widgets/text.html": _input,
    "django/forms/widgets/number.html": _input,
    "django/forms/widgets/email.html": _input,
    "django/forms/widgets/hidden.html": _input,
    "django/forms/widgets/date.html": _input,
    "django/forms/widgets/datetime.html": _input,
    "django/forms/widgets/select.html": _select,
    "django/forms/widgets/textarea.html": _textarea,
}


class InboxFormRenderer(BaseRenderer):
    """Draws the plain widgets in Python; everything else is the project's ``FORM_RENDERER``."""

    @property
    def form_template_name(self) -> str:
        return get_default_renderer().form_template_name

    @property
    def formset_template_name(self) -> str:
        return get_default_renderer().formset_template_name

    @property
    def field_template_name(self) -> str:
        return get_default_renderer().field_template_name

    def get_template(self, template_name: str):
        return get_default_renderer().get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request=None) -> str:
        draw = DRAWN_IN_PYTHON.get(template_name)
        html = draw(context["widget"]) if draw is not None and "widget" in context else ""
        return html or get_default_renderer().render(template_name, context, request=request)


INBOX_FORM_RENDERER = InboxFormRenderer()
