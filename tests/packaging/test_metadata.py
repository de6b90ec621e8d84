"""One version, a changelog entry for it, and one supported-versions matrix told the same way
in the package classifiers, the dependency range and the README."""

from __future__ import annotations

import re

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

import crm_twitter
from tests.packaging.distribution import ROOT, pyproject


def _classifier_versions(prefix: str) -> list[str]:
    return [
        classifier.removeprefix(prefix)
        for classifier in pyproject()["project"]["classifiers"]
        if re.fullmatch(re.escape(prefix) + r"\d+\.\d+", classifier)
    ]


def _readme_compatibility_line() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"\*\*Compatibility:\*\*(.+?)\n\n", readme, re.S)
    assert match, "README.md has no **Compatibility:** paragraph"
    return " ".join(match.group(1).split())


def test_the_version_is_read_from_the_package_by_the_build():
    project = pyproject()
    assert "version" in project["project"]["dynamic"]
    assert "version" not in project["project"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "crm_twitter.__version__"}
    Version(crm_twitter.__version__)  # a PEP 440 version, or this raises


def test_the_changelog_has_a_section_for_the_current_version():
    version = Version(crm_twitter.__version__)
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\S+)(.*)$", changelog, re.M)
    by_version = {Version(number): rest.strip() for number, rest in headings}

    assert Version(version.base_version) in by_version, f"CHANGELOG.md has no '## {version.base_version}' section"
    note = by_version[Version(version.base_version)]
    if version.is_devrelease or version.is_prerelease:
        assert note == "(unreleased)", "a version in the making is '(unreleased)' in the changelog"
    else:
        assert re.fullmatch(r"\(\d{4}-\d{2}-\d{2}\)", note), (
            "a released version carries its date: '## 1.2.0 (2026-05-01)'"
        )
    assert max(by_version) == Version(version.base_version), "the current version's section comes first"


def test_the_supported_versions_agree_between_classifiers_dependencies_and_readme():
    project = pyproject()["project"]
    pythons = _classifier_versions("Programming Language :: Python :: ")
    djangos = _classifier_versions("Framework :: Django :: ")
    django_range = next(
        Requirement(r).specifier for r in project["dependencies"] if Requirement(r).name.lower() == "django"
    )
    compatibility = _readme_compatibility_line()

    assert pythons and djangos
    for python in pythons:
        assert Version(python) in SpecifierSet(project["requires-python"]), python
        assert f"Python {python}" in compatibility, f"README's compatibility line does not mention Python {python}"
    for django in djangos:
        assert Version(f"{django}.0") in django_range, f"Django {django} is outside {django_range}"
        assert django in compatibility, f"README's compatibility line does not mention Django {django}"
