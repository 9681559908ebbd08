"""Notebooks 01-08: upstream artifacts (a prepared dataset, a trained model) by name, built when
missing.

A stage module registers how to build an artifact and which settings produce it; a notebook
asks for it by name with :func:`get`. Names are ``"<stage>.<thing>"`` (``"training.model"``), and
``get`` imports ``utils.<stage>`` on first use, so every notebook stands alone.

Each artifact is a folder, ``build/artifacts/<profile>/<name>-<key>/``, where ``key`` is a hash
of the settings that produced it: change a setting and a new copy is built instead of a stale
one loaded. A build writes into a temporary folder that is renamed into place only once the
build has finished, so an interrupted run (Ctrl-C mid-training, a crash) never leaves a
half-written artifact that later loads as if whole.

The cache is verified, not trusted: the manifest lists a SHA-256 of every file the build wrote,
and :func:`get` checks them when it opens an artifact (again whenever a file's size or time
changes). A damaged copy (a truncated model, a garbled history, a truncated dataset shard) is
rebuilt once, with one sentence saying so. A copy built before manifests listed checksums is
load-probed once (its JSON parses, its Keras zips pass their CRC check, its TFRecord shards are
whole) and then adopted, its checksums recorded. Temporary folders of builds whose process is gone
(killed mid-build) are removed whenever an artifact is opened.

A class bundle (``COURSE_BUNDLE``, :mod:`utils.bundle`) is read before the first artifact is
opened: ``get`` imports ``utils.bundle`` when the variable is set, as it imports a stage, and runs
the hooks registered with :func:`before_open`. An artifact unpacked from a bundle says so in its
manifest (:func:`from_bundle`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import os
import shutil
import time
import zipfile
from pathlib import Path
from typing import Callable

from utils import config

MANIFEST = "artifact.json"
BUNDLE_VARIABLE = "COURSE_BUNDLE"  # a class bundle (path or URL) to fill the build folder from


@dataclasses.dataclass(frozen=True)
class Artifact:
    name: str
    build: Callable[[Path, dict], None]  # writes the artifact's files into an empty folder
    settings: Callable[[], dict]  # the settings that produce it, read when it is requested
    what: str = ""  # what it is, in a few words, for the sentence before a build
    more: Callable[[], str] | None = None  # more words for that sentence (this many images)


_REGISTRY: dict[str, Artifact] = {}
_BEFORE_OPEN: list[Callable[[], None]] = []  # run by get before it opens an artifact


def before_open(hook: Callable[[], None]) -> Callable[[], None]:
    """Decorator: run ``hook()`` whenever :func:`get` is about to open an artifact (the class
    bundle's reader; it decides itself whether it has work to do)."""
    _BEFORE_OPEN.append(hook)
    return hook


def _run_hooks() -> None:
    if os.environ.get(BUNDLE_VARIABLE, "").strip():
        importlib.import_module("utils.bundle")  # registers its hook, as a stage registers
    for hook in _BEFORE_OPEN:
        hook()


def register(
    name: str, settings: Callable[[], dict], what: str = "", more: Callable[[], str] | None = None
):
    """Decorator: ``build(folder, settings)`` makes the artifact ``name`` (``what`` says in a
    few words what it is, e.g. "the trained model"; ``more()``, words the sentence before its
    build adds, e.g. how long it takes for this many images)."""

    def decorate(build: Callable[[Path, dict], None]):
        _REGISTRY[name] = Artifact(name, build, settings, what, more)
        return build

    return decorate


def duration(seconds: float) -> str:
    """``"about 40 s"`` under a minute and a half, else ``"about 11 minutes"``."""
    if seconds < 90:
        return f"about {max(1, round(seconds))} s"
    return f"about {round(seconds / 60)} minutes"


def announcement(artifact: Artifact, why: str) -> str:
    """The sentence before a build: what will be built, why, and how long the reference machine
    took to build it (in the full profile, which is the reference machine's)."""
    from utils import reference  # the reference file, read only when something is built

    what = f" ({artifact.what})" if artifact.what else ""
    seconds = reference.build_seconds(artifact.name)
    took = (
        f"; the reference machine took {duration(seconds)}"
        if seconds is not None and config.profile_name() == reference.REFERENCE_PROFILE
        else ""
    )
    images = artifact.more() if artifact.more else ""
    images = f"; {images}" if images else ""
    return (
        f"Building {artifact.name!r}{what} for profile {config.profile_name()!r}: "
        f"{why}{took}{images}."
    )


def settings_key(settings: dict) -> str:
    """A short, stable hash of the settings (JSON with sorted keys)."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _lookup(name: str) -> Artifact:
    if name not in _REGISTRY and "." in name:
        stage = name.split(".", 1)[0]
        try:
            importlib.import_module(f"utils.{stage}")
        except ModuleNotFoundError as error:
            if error.name != f"utils.{stage}":
                raise
    if name not in _REGISTRY:
        known = ", ".join(sorted(_REGISTRY)) or "none yet"
        raise KeyError(f"Unknown artifact {name!r}; known artifacts: {known}.")
    return _REGISTRY[name]


def _folder(name: str, settings: dict) -> Path:
    return config.artifacts_dir() / config.profile_name() / f"{name}-{settings_key(settings)}"


def path(name: str) -> Path:
    """Where the artifact ``name`` lives for the active profile and its current settings."""
    return _folder(name, _lookup(name).settings())


def from_bundle(name: str) -> dict | None:
    """Where the current copy of ``name`` came from when a class bundle filled it in
    (``{"machine": description, "built": date, "file": name}``), else None (built here, or not
    built yet)."""
    try:
        manifest = json.loads((path(name) / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    origin = manifest.get("bundle") if isinstance(manifest, dict) else None
    return origin if isinstance(origin, dict) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_abandoned(final: Path) -> None:
    """Delete temporary folders left by builds whose process is gone (killed, crashed), of
    every artifact of this profile."""
    if not final.parent.is_dir():
        return
    for tmp in final.parent.glob(".*.tmp-*"):
        pid = tmp.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


def _entries(folder: Path):
    """Every file and link a build wrote (relative path, path), the manifest excepted; links
    (to your photos) are not followed."""
    for parent, folders, files in os.walk(folder):
        folders.sort()
        for name in sorted(files) + [f for f in folders if os.path.islink(os.path.join(parent, f))]:
            path = Path(parent) / name
            relative = path.relative_to(folder).as_posix()
            if relative != MANIFEST:
                yield relative, path


def _fingerprint(path: Path) -> str:
    """``sha256:<hex>`` of a file's bytes, or ``link:<target>`` of a symbolic link."""
    if path.is_symlink():
        return f"link:{os.readlink(path)}"
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def _stamps(folder: Path, names) -> dict:
    stamps = {}
    for relative in names:
        try:
            info = (folder / relative).lstat()
            stamps[relative] = (info.st_size, info.st_mtime_ns)
        except OSError:
            stamps[relative] = None
    return stamps


def _load_probe(path: Path) -> str | None:
    """Why a file of a copy built before checksums would not load (JSON that does not parse, a
    Keras zip with a bad CRC, a TFRecord shard cut mid-record), or None."""
    if path.is_symlink():
        return None if path.exists() else "is a link that leads nowhere"
    try:
        if path.suffix == ".json":
            json.loads(path.read_text())
        elif path.suffix in (".keras", ".zip"):
            with zipfile.ZipFile(path) as archive:
                if archive.testzip() is not None:
                    return "fails its CRC check"
        elif ".tfrecord" in path.name:
            size, offset = path.stat().st_size, 0
            with open(path, "rb") as file:
                while offset < size:  # each record: length (8), its CRC (4), data, data CRC (4)
                    header = file.read(8)
                    if len(header) < 8:
                        return "is cut mid-record (truncated)"
                    offset += 16 + int.from_bytes(header, "little")
                    file.seek(offset)
            if offset != size:
                return "is cut mid-record (truncated)"
    except (OSError, ValueError, zipfile.BadZipFile):
        return "does not load (truncated or garbled)"
    return None


_VERIFIED: dict[Path, dict] = {}  # folder -> its files' sizes and times when last verified


def _write_manifest(folder: Path, manifest: dict) -> None:
    tmp = folder / f".{MANIFEST}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(manifest, indent=2, default=str))
    tmp.replace(folder / MANIFEST)


def _damage(folder: Path) -> str | None:
    """What is wrong with a cached artifact (a file missing or changed since its build), or None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
        files = manifest.get("files")
    except (OSError, ValueError, AttributeError):
        return f"its {MANIFEST} cannot be read"
    if files is None:  # built before manifests listed checksums: adopt it once, if it loads
        for relative, path in _entries(folder):
            problem = _load_probe(path)
            if problem:
                return f"{relative} {problem}"
        files = {relative: _fingerprint(path) for relative, path in _entries(folder)}
        try:
            _write_manifest(folder, {**manifest, "files": files})
        except OSError:
            pass
    if not isinstance(files, dict):
        return f"its {MANIFEST} cannot be read"
    stamps = _stamps(folder, files)
    if _VERIFIED.get(folder) == stamps:
        return None
    for relative, expected in files.items():
        path = folder / relative
        if not os.path.lexists(path):
            return f"{relative} is missing"
        try:
            if _fingerprint(path) != expected:
                return f"{relative} is not the file that was built (truncated or changed)"
        except OSError as error:
            return f"{relative} cannot be read ({error.strerror or error})"
    _VERIFIED[folder] = stamps
    return None


def _discard(folder: Path) -> None:
    """Remove an old or incomplete copy; renamed aside first, so no half-deleted copy stays."""
    if folder.exists():
        aside = folder.parent / f".{folder.name}.tmp-old-{os.getpid()}"
        folder.rename(aside)
        shutil.rmtree(aside, ignore_errors=True)


def get(name: str, *, rebuild: bool = False) -> Path:
    """The folder holding artifact ``name``, built first if it is missing (or ``rebuild``)."""
    artifact = _lookup(name)
    _run_hooks()
    settings = artifact.settings()
    final = _folder(name, settings)
    _remove_abandoned(final)
    why = "a rebuild was asked for" if rebuild else "it is not built yet"
    if not rebuild and any(final.parent.glob(f"{name}-*/{MANIFEST}")):
        why = "its recipe or settings changed since the copy built before (kept beside it)"
    if (final / MANIFEST).is_file() and not rebuild:
        damage = _damage(final)
        if damage is None:
            return final
        print(f"The cached {name!r} in {final} is damaged ({damage}); rebuilding it once.")
        why = "replacing the damaged copy"
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    print(announcement(artifact, why), flush=True)
    start = time.perf_counter()
    try:
        artifact.build(tmp, settings)
        manifest = {
            "name": name,
            "profile": config.profile_name(),
            "settings": settings,
            "build_seconds": round(time.perf_counter() - start, 2),
            "files": {relative: _fingerprint(path) for relative, path in _entries(tmp)},
        }
        _write_manifest(tmp, manifest)
        _discard(final)
        try:
            tmp.rename(final)
        except OSError:
            if not (final / MANIFEST).is_file():  # not another process's finished copy
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    _VERIFIED[final] = _stamps(final, manifest["files"])
    print(f"Built {name!r} in {time.perf_counter() - start:.1f} s: {final}")
    return final
