"""axe-core audits in the browser tests: ``axe_audit(page, "case page")`` fails on what blocks people.

axe-core (Deque, MPL-2.0) is vendored under ``tests/vendor/axe-core/`` — fetched once with
``npm pack axe-core`` from the npm registry, licence files alongside — and injected into the page
under test by Playwright. The app never serves or loads it, and nothing is fetched at run time.

The audit runs the WCAG 2.0/2.1 A and AA rules plus axe's best practices and fails on any
*serious* or *critical* violation. Third-party markup the app only hosts (Swagger UI's widget)
can be excluded by selector; everything the app renders itself is in scope.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

AXE_DIR = Path(__file__).resolve().parents[1] / "vendor" / "axe-core"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING_IMPACTS = ("serious", "critical")

RUN_AXE = """async ({exclude, tags}) => {
  const context = exclude.length ? {include: [document], exclude: exclude.map((s) => [s])} : document;
  const result = await axe.run(context, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary, html: n.html.slice(0, 200)})),
  }));
}"""


@cache
def axe_source() -> str:
    return (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page, *, exclude: Sequence[str] = ()) -> list[dict]:
    """Every axe violation on the page as it is now (all impacts)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Through DevTools, like a console paste: the pages' CSP (script-src 'self') refuses an
        # injected <script> and eval, and must stay on while they are audited.
        session = page.context.new_cdp_session(page)
        try:
            session.send("Runtime.evaluate", {"expression": axe_source(), "returnByValue": False})
        finally:
            session.detach()
    return page.evaluate(RUN_AXE, {"exclude": list(exclude), "tags": AXE_TAGS})


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html']}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
    return "\n".join(lines)


@pytest.fixture
def axe_audit():
    """``axe_audit(page, name, exclude=())``: fail with a readable list of serious/critical violations.

    Returns every violation found (minor and moderate included) so a test can assert more.
    Set ``CRM_AXE_REPORT=<file>`` to append each page's findings as JSON lines (for audits).
    """

    def audit(page, name: str, *, exclude: Sequence[str] = ()) -> list[dict]:
        found = axe_violations(page, exclude=exclude)
        report = os.environ.get("CRM_AXE_REPORT")
        if report:
            with open(report, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"page": name, "url": page.url, "violations": found}) + "\n")
        bad = blocking(found)
        assert not bad, f"axe-core: {len(bad)} serious/critical violation(s) on {name} ({page.url}):\n{describe(bad)}"
        return found

    return audit
