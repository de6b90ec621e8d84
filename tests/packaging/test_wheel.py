"""The wheel carries everything the installed app reads at run time, byte for byte as in the checkout."""

from __future__ import annotations

import ast
import gettext
import hashlib
import io
import re
from pathlib import Path

from packaging.requirements import Requirement

import crm_twitter
from tests.packaging.distribution import PACKAGE, ROOT, Distributions, package_files, pyproject

# What an installed desk opens besides Python modules, by the code that opens it.
RUNTIME_FILES = {
    "templates": ("crm_twitter/templates/crm_twitter/", (".html",)),
    "static files": ("crm_twitter/static/crm_twitter/", (".css", ".js")),
    "compiled translations": ("crm_twitter/locale/", (".mo",)),
    "migrations": ("crm_twitter/migrations/", (".py",)),
    "sandbox scenarios": ("crm_twitter/sandbox/scenarios/", (".json",)),
    "shipped classifier model": ("crm_twitter/classify/shipped/", (".pickle", ".json")),
    "classifier corpus": ("crm_twitter/classify/corpus/", (".jsonl",)),
}
NAMED_FILES = (
    "crm_twitter/templates/crm_twitter/base.html",
    "crm_twitter/templates/crm_twitter/inbox/queue.html",
    "crm_twitter/templates/crm_twitter/signin/login.html",
    "crm_twitter/static/crm_twitter/inbox.css",
    "crm_twitter/static/crm_twitter/vendor/htmx.min.js",
    "crm_twitter/static/crm_twitter/api/swagger-ui/swagger-ui-bundle.js",
    "crm_twitter/locale/zh_Hans/LC_MESSAGES/django.mo",
    "crm_twitter/migrations/0001_initial.py",
    "crm_twitter/sandbox/scenarios/demo.json",
    "crm_twitter/classify/shipped/category_model.pickle",
    "crm_twitter/classify/shipped/category_model.json",
    "crm_twitter/classify/corpus/train/en.jsonl",
    "crm_twitter/classify/corpus/test/en.jsonl",
)


def _package_members(distributions: Distributions) -> set[str]:
    return {name for name in distributions.wheel_names() if name.startswith("crm_twitter/")}


def test_the_wheel_ships_every_file_of_the_package_and_nothing_else(distributions):
    shipped = _package_members(distributions)
    in_checkout = package_files()

    assert not in_checkout - shipped, "missing from the wheel (add them to [tool.setuptools.package-data])"
    assert not shipped - in_checkout, "in the wheel but not in the checkout"


def test_every_kind_of_runtime_file_is_in_the_wheel_as_in_the_checkout(distributions):
    shipped = _package_members(distributions)
    listing = {}
    for kind, (prefix, suffixes) in RUNTIME_FILES.items():
        listing[kind] = sorted(name for name in shipped if name.startswith(prefix) and name.endswith(suffixes))
        assert listing[kind], f"no {kind} in the wheel"
    assert set(NAMED_FILES) <= shipped
    for name in sorted({name for names in listing.values() for name in names}):
        digest = hashlib.sha256(distributions.wheel_read(name)).hexdigest()
        assert digest == hashlib.sha256((ROOT / name).read_bytes()).hexdigest(), f"{name} differs from the checkout"


def _po_entries(text: str) -> list[tuple[str | None, str, str]]:
    """(context, msgid, msgstr) of the translated, non-fuzzy, singular entries of a .po file."""
    entries: list[tuple[str | None, str, str]] = []
    entry: dict[str, str] = {}
    key, fuzzy = "", False

    def flush() -> None:
        if entry.get("msgid") and entry.get("msgstr") and "msgid_plural" not in entry and not fuzzy:
            entries.append((entry.get("msgctxt"), entry["msgid"], entry["msgstr"]))

    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
            entry, fuzzy = {}, False
        elif line.startswith("#,"):
            fuzzy = fuzzy or "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line):
            key = match.group(1)
            entry[key] = ast.literal_eval(match.group(2))
        elif line.startswith('"'):
            entry[key] += ast.literal_eval(line)
    return entries


def test_the_compiled_translations_in_the_wheel_match_the_catalogues(distributions):
    catalogues = sorted(PACKAGE.glob("locale/*/LC_MESSAGES/django.po"))
    assert catalogues
    translated = 0
    for po in catalogues:
        mo_name = po.with_suffix(".mo").relative_to(ROOT).as_posix()
        catalogue = gettext.GNUTranslations(io.BytesIO(distributions.wheel_read(mo_name)))
        for context, msgid, msgstr in _po_entries(po.read_text(encoding="utf-8")):
            found = catalogue.pgettext(context, msgid) if context else catalogue.gettext(msgid)
            assert found == msgstr, f"{mo_name} is older than its .po (run compilemessages): {msgid!r}"
            translated += 1
    assert translated > 100  # the Chinese catalogue alone has hundreds


def test_the_wheel_metadata_carries_the_version_and_the_declared_dependencies(distributions):
    metadata = distributions.metadata()
    project = pyproject()["project"]

    assert metadata["Version"] == crm_twitter.__version__
    assert Path(distributions.wheel.name).name.startswith(f"crm_twitter-{crm_twitter.__version__}-")
    requires = [Requirement(line) for line in metadata.get_all("Requires-Dist")]
    for requirement in project["dependencies"]:
        assert Requirement(requirement) in requires, requirement
    assert set(metadata.get_all("Provides-Extra")) == set(project["optional-dependencies"])
    assert metadata["Requires-Python"] == project["requires-python"]
    assert set(metadata.get_all("Classifier")) == set(project["classifiers"])
