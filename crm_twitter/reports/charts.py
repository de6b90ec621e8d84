"""Server-rendered SVG charts: no JavaScript, no CDN, the same markup in the dashboard and the
HTML report (which is e-mailed and archived, so it must not depend on anything online).

Every chart carries its numbers: bars are labelled with their value, and the caller renders the
chart's table (``Chart.headers`` / ``Chart.rows``) beneath it. All text that reaches the SVG —
category names, SKUs and carriers come from imports and agents — is escaped here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

PALETTE = (
    "#2563eb",
    "#dc2626",
    "#16a34a",
    "#d97706",
    "#7c3aed",
    "#0891b2",
    "#db2777",
    "#65a30d",
    "#ea580c",
    "#4f46e5",
    "#0d9488",
    "#a16207",
)
GREY = "#9ca3af"
FONT = "font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;font-size:12px"


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    svg: SafeString
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _num(value: float | int | None, fmt: str = "{:,.0f}") -> str:
    if value is None:
        return "—"
    return fmt.format(value)


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    # Everything interpolated into ``body`` has been escaped by the builders below.
    return mark_safe(  # noqa: S308
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" style="max-width:100%;height:auto;{FONT}">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def color(index: int, key: str = "") -> str:
    if key in {"uncategorised", "__no_order__", "__unknown__", "__no_items__", "__none__"}:
        return GREY
    return PALETTE[index % len(PALETTE)]


def bar_chart(
    *,
    key: str,
    title: str,
    items: Sequence[tuple[str, float | int | None]],
    value_label: str | None = None,
    fmt: str = "{:,.0f}",
    keys: Sequence[str] | None = None,
    limit: int = 15,
) -> Chart:
    """Horizontal bars, one per item, each labelled with its value."""
    value_label = _("Cases") if value_label is None else value_label
    shown = list(items)[:limit]
    keys = list(keys or [""] * len(shown))
    width, label_w, value_w, bar_h, gap, top = 640, 200, 70, 20, 6, 8
    height = top * 2 + max(1, len(shown)) * (bar_h + gap)
    biggest = max((v or 0 for _, v in shown), default=0) or 1
    body = []
    if not shown:
        no_data = escape(_("No data"))
        body.append(f'<text x="{width / 2}" y="{height / 2 + 4}" text-anchor="middle" fill="#6b7280">{no_data}</text>')
    for i, (label, value) in enumerate(shown):
        y = top + i * (bar_h + gap)
        w = (width - label_w - value_w) * (value or 0) / biggest
        short = label if len(label) <= 30 else label[:29] + "…"
        fill = color(i, keys[i] if i < len(keys) else "")
        body.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 6}" text-anchor="end" fill="#111827">{escape(short)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{fill}">'
            f"<title>{escape(label)}: {escape(_num(value, fmt))}</title></rect>"
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_h - 6}" fill="#111827">{escape(_num(value, fmt))}</text>'
        )
    return Chart(
        key=key,
        title=title,
        svg=_svg(width, height, title, body),
        headers=("", value_label),
        rows=tuple((label, _num(value, fmt)) for label, value in items),
    )


def stacked_columns(
    *,
    key: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[int]]],
) -> Chart:
    """Columns per x label (months), stacked by series (categories), total on top; legend below."""
    shown = [(k, name, values) for k, name, values in series if any(values)]
    width, left, top, plot_h = 680, 40, 16, 220
    n = max(1, len(x_labels))
    col_w = (width - left - 10) / n
    totals = [sum(values[i] for _, _, values in shown) for i in range(len(x_labels))]
    biggest = max(totals, default=0) or 1
    legend_rows = (len(shown) + 2) // 3
    height = top + plot_h + 24 + legend_rows * 18 + 8
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#9ca3af"/>']
    for i, label in enumerate(x_labels):
        x = left + i * col_w + col_w * 0.15
        y = top + plot_h
        for s_index, (k, name, values) in enumerate(shown):
            h = plot_h * values[i] / biggest
            if h <= 0:
                continue
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{col_w * 0.7:.1f}" height="{h:.1f}" fill="{color(s_index, k)}">'
                f"<title>{escape(label)} · {escape(name)}: {values[i]}</title></rect>"
            )
        body.append(
            f'<text x="{x + col_w * 0.35:.1f}" y="{y - 3:.1f}" text-anchor="middle" fill="#111827">{totals[i]}</text>'
            f'<text x="{x + col_w * 0.35:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
            f'fill="#374151">{escape(label)}</text>'
        )
    for s_index, (k, name, _values) in enumerate(shown):
        lx = left + (s_index % 3) * 210
        ly = top + plot_h + 30 + (s_index // 3) * 18
        body.append(
            f'<rect x="{lx}" y="{ly - 10}" width="10" height="10" fill="{color(s_index, k)}"/>'
            f'<text x="{lx + 14}" y="{ly}" fill="#111827">{escape(name)}</text>'
        )
    headers = ("", *x_labels)
    rows = (
        *((name, *(str(v) for v in values)) for _, name, values in shown),
        (_("Total"), *(str(t) for t in totals)),
    )
    return Chart(key=key, title=title, svg=_svg(width, height, title, body), headers=headers, rows=rows)


def line_chart(
    *,
    key: str,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    fmt: str = "{:,.1f}",
    unit: str = "",
) -> Chart:
    """Lines over x labels (months); gaps where a value is missing; each point labelled."""
    width, left, top, plot_h = 680, 40, 16, 200
    n = max(1, len(x_labels))
    step = (width - left - 20) / max(1, n - 1)
    values = [v for _, vs in series for v in vs if v is not None]
    biggest = max(values, default=0) or 1
    height = top + plot_h + 24 + len(series) * 18 + 8
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#9ca3af"/>']
    for i, label in enumerate(x_labels):
        body.append(
            f'<text x="{left + i * step:.1f}" y="{top + plot_h + 14}" text-anchor="middle" '
            f'fill="#374151">{escape(label)}</text>'
        )
    for s_index, (name, vs) in enumerate(series):
        c = PALETTE[s_index % len(PALETTE)]
        points = []
        for i, v in enumerate(vs):
            if v is None:
                if len(points) > 1:
                    body.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{" ".join(points)}"/>')
                points = []
                continue
            x, y = left + i * step, top + plot_h - plot_h * v / biggest
            points.append(f"{x:.1f},{y:.1f}")
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}"><title>{escape(label_at(x_labels, i))} · '
                f"{escape(name)}: {escape(_num(v, fmt))}{escape(unit)}</title></circle>"
                f'<text x="{x:.1f}" y="{y - 6:.1f}" text-anchor="middle" fill="{c}">{escape(_num(v, fmt))}</text>'
            )
        if len(points) > 1:
            body.append(f'<polyline fill="none" stroke="{c}" stroke-width="2" points="{" ".join(points)}"/>')
        ly = top + plot_h + 30 + s_index * 18
        body.append(
            f'<rect x="{left}" y="{ly - 10}" width="10" height="10" fill="{c}"/>'
            f'<text x="{left + 14}" y="{ly}" fill="#111827">{escape(name)}</text>'
        )
    headers = ("", *x_labels)
    rows = tuple((f"{name}{f' ({unit.strip()})' if unit else ''}", *(_num(v, fmt) for v in vs)) for name, vs in series)
    return Chart(key=key, title=title, svg=_svg(width, height, title, body), headers=headers, rows=rows)


def label_at(labels: Sequence[str], i: int) -> str:
    return labels[i] if i < len(labels) else ""


def columns_against_baseline(
    *,
    key: str,
    title: str,
    x_labels: Sequence[str],
    observed: Sequence[int],
    baseline: Sequence[float],
    observed_label: str,
    baseline_label: str,
    marker_index: int | None = None,
    marker_label: str = "",
    tick_every: int = 6,
    tick_labels: Sequence[str] | None = None,
) -> Chart:
    """Columns (what was counted) against a dashed line (what was expected) over many x labels
    (hours); only every ``tick_every``-th label is printed, the table carries them all. An optional
    vertical marker says when something began (an incident opened). ``tick_labels`` (aligned with
    ``x_labels``) are shorter texts for the axis, e.g. the hour alone."""
    width, left, top, plot_h = 680, 34, 16, 200
    n = max(1, len(x_labels))
    step = (width - left - 10) / n
    biggest = max([*observed, *baseline, 1])
    base_y = top + plot_h
    height = base_y + 24 + 2 * 18 + 8
    body = [
        f'<line x1="{left}" y1="{base_y}" x2="{width - 10}" y2="{base_y}" stroke="#9ca3af"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" fill="#374151">{escape(_num(biggest))}</text>',
        f'<text x="{left - 4}" y="{base_y}" text-anchor="end" fill="#374151">0</text>',
    ]
    for i, label in enumerate(x_labels):
        value = observed[i] if i < len(observed) else 0
        h = plot_h * value / biggest
        x = left + i * step
        if h > 0:
            body.append(
                f'<rect x="{x + step * 0.1:.1f}" y="{base_y - h:.1f}" width="{max(step * 0.8, 1):.1f}" '
                f'height="{h:.1f}" fill="{PALETTE[0]}"><title>{escape(label)} · {escape(observed_label)}: '
                f"{escape(_num(value))}</title></rect>"
            )
        if i % tick_every == 0:
            tick = tick_labels[i] if tick_labels is not None and i < len(tick_labels) else label
            anchor = "end" if x + step / 2 > width - 60 else "start" if i == 0 else "middle"
            body.append(
                f'<text x="{x + step / 2:.1f}" y="{base_y + 14}" text-anchor="{anchor}" fill="#374151">'
                f"{escape(tick)}</text>"
            )
    points = " ".join(
        f"{left + i * step + step / 2:.1f},{base_y - plot_h * (v or 0) / biggest:.1f}" for i, v in enumerate(baseline)
    )
    if len(baseline) > 1:
        body.append(
            f'<polyline fill="none" stroke="{PALETTE[1]}" stroke-width="2" stroke-dasharray="5 3" points="{points}"/>'
        )
    if marker_index is not None and 0 <= marker_index < n:
        mx = left + marker_index * step
        body.append(
            f'<line x1="{mx:.1f}" y1="{top}" x2="{mx:.1f}" y2="{base_y}" stroke="#111827" stroke-dasharray="2 2"/>'
            f'<text x="{mx + (-4 if mx > width - 80 else 4):.1f}" y="{top + 10}" '
            f'text-anchor="{"end" if mx > width - 80 else "start"}" fill="#111827">{escape(marker_label)}</text>'
        )
    legend_y = base_y + 30
    body.append(
        f'<rect x="{left}" y="{legend_y - 10}" width="10" height="10" fill="{PALETTE[0]}"/>'
        f'<text x="{left + 14}" y="{legend_y}" fill="#111827">{escape(observed_label)}</text>'
        f'<line x1="{left}" y1="{legend_y + 13}" x2="{left + 10}" y2="{legend_y + 13}" stroke="{PALETTE[1]}" '
        f'stroke-width="2" stroke-dasharray="5 3"/>'
        f'<text x="{left + 14}" y="{legend_y + 18}" fill="#111827">{escape(baseline_label)}</text>'
    )
    rows = tuple(
        (
            label,
            _num(observed[i] if i < len(observed) else 0),
            _num(baseline[i] if i < len(baseline) else None, "{:,.2f}"),
        )
        for i, label in enumerate(x_labels)
    )
    return Chart(
        key=key,
        title=title,
        svg=_svg(width, height, title, body),
        headers=("", observed_label, baseline_label),
        rows=rows,
    )
