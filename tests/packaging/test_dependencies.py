"""pyproject.toml declares every third-party module the app imports; requirements.txt only installs it.

This is what lets ``pip install crm-twitter`` work in someone else's project: a module imported by
the app but declared only in requirements.txt (orjson was) works in the checkout and crashes in
every installation.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from crm_twitter.checks import HOST_APPS, HOST_MIDDLEWARE
from tests.packaging.distribution import PACKAGE, ROOT, pyproject

# Imported only where an installation uses them (PostgreSQL, Redis, django-axes' sign-in lockout),
# so declared in an extra rather than in the dependencies every installation gets.
OPTIONAL_IMPORTS = {"psycopg", "redis", "axes"}


def _imported_top_level_modules() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "crm_twitter":
                    found.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return found


def _declared() -> tuple[set[str], dict[str, set[str]]]:
    project = pyproject()["project"]
    runtime = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    extras = {
        extra: {canonicalize_name(Requirement(r).name) for r in requirements}
        for extra, requirements in project["optional-dependencies"].items()
    }
    return runtime, extras


def _distribution_of(module: str) -> str:
    distributions = importlib.metadata.packages_distributions().get(module)
    assert distributions, f"{module!r} is imported by the app but not installed"
    return canonicalize_name(distributions[0])


def test_every_module_the_app_imports_is_a_declared_dependency():
    runtime, extras = _declared()
    undeclared = {}
    for module, files in sorted(_imported_top_level_modules().items()):
        distribution = _distribution_of(module)
        declared_in = set().union(*extras.values()) if module in OPTIONAL_IMPORTS else runtime
        if distribution not in declared_in:
            where = "an extra" if module in OPTIONAL_IMPORTS else "dependencies"
            undeclared[module] = (distribution, where, sorted(files)[:3])
    assert not undeclared, f"add to pyproject.toml: {undeclared}"


def test_the_apps_and_middleware_the_host_installs_come_with_the_package():
    runtime, _ = _declared()
    for dotted in (*HOST_APPS, *HOST_MIDDLEWARE):
        module = dotted.split(".")[0]
        if module == "django":
            continue
        assert _distribution_of(module) in runtime, f"{dotted} is named in the README snippet but not a dependency"


def test_requirements_txt_installs_the_project_and_declares_nothing_of_its_own():
    runtime, extras = _declared()
    declared = runtime.union(*extras.values())
    lines = [
        line.split("#", 1)[0].strip()
        for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
        if line.split("#", 1)[0].strip()
    ]

    editable = [line for line in lines if line.startswith("-e ")]
    assert len(editable) == 1, "requirements.txt must install the checkout: -e .[extras]"
    match = re.fullmatch(r"-e \.\[([\w,-]+)\]", editable[0])
    assert match, editable[0]
    assert set(match.group(1).split(",")) == set(extras), "install every extra, so the tests find their tools"
    for line in lines:
        if line.startswith("-e "):
            continue
        # Anything else may only narrow a dependency pyproject.toml already declares (CI's Django LTS).
        assert canonicalize_name(Requirement(line).name) in declared, (
            f"{line!r}: declare it in pyproject.toml, not in requirements.txt"
        )
