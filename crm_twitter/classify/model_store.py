"""Trained category models: the one shipped inside the app, and loading any stored version.

A new desk suggests categories from its first message on, with the model trained from the
repository's corpus by ``manage.py crm_twitter_train_classifier`` and shipped in ``shipped/``.
Desk-trained versions live in the database (``CategoryModel``); which one is in force is decided
in ``crm_twitter.services.categorisation``. A model file that is missing or does not match its
recorded SHA-256 is an error the system check reports at start-up — never a silent "no
suggestions".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from crm_twitter.classify.backends import CategoryBackend, ModelFileError
from crm_twitter.classify.text import for_language

SHIPPED_DIR = Path(__file__).resolve().parent / "shipped"
SHIPPED_MODEL = SHIPPED_DIR / "category_model.pickle"
REBUILD_HINT = "Rebuild it with: python manage.py crm_twitter_train_classifier"


@dataclass(frozen=True)
class Suggestion:
    category: str | None  # slug, None below the confidence threshold
    confidence: float  # probability of the best allowed category (0 when the text is empty)
    best: str | None  # the best allowed category even when under the threshold


@dataclass(frozen=True)
class TrainedModel:
    version: str  # "shipped-…" or "desk-<n>": shown beside every suggestion and in the report
    backend: CategoryBackend
    record_id: int | None = None

    def suggest_many(
        self, texts: Sequence[str | None], *, min_confidence: float, allowed: Collection[str] | None = None
    ) -> list[Suggestion]:
        """The best category per text among ``allowed`` slugs (all the model knows when None).

        A category an admin switched off is never suggested; its probability is not moved to the
        others, so the confidence stays what the model really believes.
        """
        classes = self.backend.classes
        columns = [i for i, c in enumerate(classes) if allowed is None or c in allowed]
        out: list[Suggestion] = [Suggestion(None, 0.0, None)] * len(texts)
        # Nothing to read (emoji, a link, a handle): no suggestion rather than a guess.
        todo = [i for i, t in enumerate(texts) if t and for_language(str(t))]
        if not todo or not columns:
            return out
        probabilities = self.backend.predict_proba([str(texts[i]) for i in todo])[:, columns]
        best = probabilities.argmax(axis=1)
        for row, i in enumerate(todo):
            confidence = float(probabilities[row, best[row]])
            slug = classes[columns[int(best[row])]]
            out[i] = Suggestion(slug if confidence >= min_confidence else None, round(confidence, 4), slug)
        return out


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


# The libraries whose objects the shipped model's pickle holds, recorded beside it and checked at
# start-up without importing them (scikit-learn by minor version, NumPy and SciPy by major).
PICKLED_LIBRARIES = ("scikit-learn", "numpy", "scipy")


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in PICKLED_LIBRARIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = ""
    return out


def _minor(value: str) -> str:
    return ".".join(value.split(".")[:2])


def _major(value: str) -> str:
    return value.split(".")[0]


def model_file_write(path: Path, backend: CategoryBackend, metadata: dict) -> dict:
    """Write the model and its metadata (with the file's SHA-256) side by side."""
    data = backend.dumps()
    metadata = {
        **metadata,
        "sha256": sha256_of(data),
        "bytes": len(data),
        "backend": backend.name,
        "libraries": library_versions(),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    metadata_path(path).write_text(json.dumps(metadata, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return metadata


def model_metadata(path: Path) -> dict:
    try:
        return json.loads(metadata_path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFileError(f"{metadata_path(path)} is missing") from exc
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{metadata_path(path)} cannot be read: {exc}") from exc


def model_bytes_load(data: bytes, *, expected_sha256: str, backend_class: type[CategoryBackend]) -> CategoryBackend:
    """Check the bytes against the recorded digest before unpickling them."""
    if sha256_of(data) != expected_sha256:
        raise ModelFileError("the model does not match its recorded SHA-256 (corrupt or replaced)")
    backend = backend_class.loads(data)
    if not backend.classes:
        raise ModelFileError("the model has no categories")
    return backend


@lru_cache(maxsize=4)
def _file_model(path: str, mtime_ns: int, size: int, backend_path: str) -> TrainedModel:
    from django.utils.module_loading import import_string

    file = Path(path)
    metadata = model_metadata(file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{file} cannot be read: {exc}") from exc
    backend = model_bytes_load(
        data, expected_sha256=str(metadata.get("sha256")), backend_class=import_string(backend_path)
    )
    return TrainedModel(version=f"shipped-{metadata.get('version', '?')}", backend=backend)


def file_model(path: Path, backend_path: str) -> TrainedModel:
    """The model stored at ``path`` (cached until the file changes)."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelFileError(f"{path} is missing") from exc
    return _file_model(str(path), stat.st_mtime_ns, stat.st_size, backend_path)


def model_file_problem(path: Path, backend_class: type[CategoryBackend]) -> str | None:
    """Why the model file at ``path`` cannot be used, or None — cheaply, for start-up checks.

    Reads the bytes and compares their SHA-256 and the recorded backend and library versions,
    without unpickling (which would import scikit-learn into every ``manage.py`` command).
    """
    try:
        metadata = model_metadata(path)
        data = path.read_bytes()
    except ModelFileError as exc:
        return str(exc)
    except OSError:
        return f"{path} is missing"
    if sha256_of(data) != metadata.get("sha256"):
        return "the model does not match its recorded SHA-256 (corrupt or replaced)"
    if metadata.get("backend") != backend_class.name:
        return f"the model was written by backend {metadata.get('backend')!r}, not {backend_class.name!r}"
    installed = library_versions()
    for name, recorded in (metadata.get("libraries") or {}).items():
        # scikit-learn's pickles hold only within a minor version; NumPy's and SciPy's within a major.
        same = _minor if name == "scikit-learn" else _major
        if name in installed and recorded and installed[name] and same(recorded) != same(installed[name]):
            return f"the model was trained with {name} {recorded}, but {installed[name]} is installed"
    return None


__all__ = [
    "REBUILD_HINT",
    "SHIPPED_MODEL",
    "ModelFileError",
    "Suggestion",
    "TrainedModel",
    "file_model",
    "model_bytes_load",
    "model_file_write",
    "model_metadata",
    "sha256_of",
]
