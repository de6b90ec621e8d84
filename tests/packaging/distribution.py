"""Building crm_twitter's sdist and wheel the way a release would, once per test session.

The build runs on a copy of what a distribution is made of (``pyproject.toml``, the README and
changelog, the ``crm_twitter`` package), so it neither writes ``build/`` or ``*.egg-info`` into the
checkout nor trips over another run building at the same time. ``python -m build`` makes the sdist
first and the wheel *from the sdist*, so a file the sdist forgot is missing from the wheel too.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass
from email.message import Message
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "crm_twitter"
DISTRIBUTION_SOURCES = ("pyproject.toml", "README.md", "CHANGELOG.md")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc")


@dataclass(frozen=True)
class Distributions:
    wheel: Path
    sdist: Path

    def wheel_names(self) -> set[str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return set(archive.namelist())

    def wheel_read(self, name: str) -> bytes:
        with zipfile.ZipFile(self.wheel) as archive:
            return archive.read(name)

    def metadata(self) -> Message:
        dist_info = next(name for name in self.wheel_names() if name.endswith(".dist-info/METADATA"))
        return Parser().parsestr(self.wheel_read(dist_info).decode("utf-8"))


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def package_files() -> set[str]:
    """Every file of the package in the checkout, as wheel member names (``crm_twitter/…``)."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


@functools.cache
def build_distributions() -> Distributions:
    """sdist and wheel of the checkout as it is now (cached for the session, removed at exit)."""
    workdir = Path(tempfile.mkdtemp(prefix="crm_twitter-dist-"))
    atexit.register(shutil.rmtree, workdir, ignore_errors=True)
    source = workdir / "src"
    shutil.copytree(PACKAGE, source / "crm_twitter", ignore=IGNORED)
    for name in DISTRIBUTION_SOURCES:
        shutil.copy2(ROOT / name, source / name)
    out = workdir / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise AssertionError(f"python -m build failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return Distributions(wheel=wheel, sdist=sdist)
