"""Notebooks 01-08: the class bundle, every built artifact of a profile in one file.

A teacher builds the artifacts once (``make run``) and packs them with ``python -m utils bundle``
into one ``.tar.gz``: ``bundle.json`` (the format, the profile, the dataset, the course version
with every artifact's recipe key, the machine that built them and the date, and the SHA-256 of
each artifact's manifest) beside ``artifacts/<name>-<key>/``, each folder with its
``artifact.json`` holding a SHA-256 of every file. A student's run reads ``COURSE_BUNDLE``
(a path, or an http/https/file URL) when a notebook first asks for an artifact, or unpacks it
with ``python -m utils bundle --unpack PATH``.

Nothing is trusted: a member outside that layout (an absolute path, ``..``, a link, a device), a
damaged or cut-short file, a checksum that fails, another profile or dataset, or recipe keys
other than this course version's refuse the whole bundle in one sentence, and the course builds
as usual. Nothing in the build folder is lost: a valid artifact already there is kept, and only
missing or damaged ones are filled, each moved into place with one rename; its manifest records
which bundle (machine, date, file) it came from, so that the figures measured while it was built
are labelled as that machine's (:func:`utils.artifacts.from_bundle`, :mod:`utils.results`).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import sys
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath
from urllib.parse import urlparse

from utils import artifacts, config, reference

FORMAT = 1
INDEX = "bundle.json"
FOLDER = "artifacts"  # inside the archive: artifacts/<name>-<key>/<file>
MARKER = ".bundles.json"  # in build/artifacts/<profile>/: the bundles unpacked there
AS_USUAL = "the course builds its artifacts as usual"
URL_SCHEMES = ("http", "https", "file")


class Refused(Exception):
    """A bundle that cannot be used; its message is the one sentence shown."""


def _sha256(path: Path) -> str:
    return artifacts._fingerprint(path).removeprefix("sha256:")


def course_version() -> str:
    """pyproject.toml's version of the course."""
    import tomllib

    try:
        with open(config.ROOT / "pyproject.toml", "rb") as file:
            return tomllib.load(file)["project"]["version"]
    except (OSError, KeyError, ValueError):
        return "unknown"


def _profile_dir() -> Path:
    return config.artifacts_dir() / config.profile_name()


# ---------------------------------------------------------------- packing


def current_artifacts() -> tuple[list[Path], list[str]]:
    """The folders of the active profile's current, intact artifacts, and a sentence for each
    one left out (damaged, or made of links to files on this machine)."""
    packed, notes = [], []
    root = _profile_dir()
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for folder in folders:
        if folder.name.startswith(".") or not (folder / artifacts.MANIFEST).is_file():
            continue
        name = folder.name.rsplit("-", 1)[0]
        try:
            if artifacts.path(name) != folder:
                continue  # a stale copy, built with other settings
        except (KeyError, ValueError):
            continue  # an artifact this course version does not know
        damage = artifacts._damage(folder)
        if damage:
            notes.append(f"Left out {name!r}: it is damaged ({damage}); rebuild it first.")
        elif any(path.is_symlink() for _, path in artifacts._entries(folder)):
            notes.append(
                f"Left out {name!r}: its files are links to files on this machine (your "
                "photos), which cannot travel in a bundle."
            )
        else:
            packed.append(folder)
    return packed, notes


def pack(out: Path | None = None) -> Path:
    """Pack every current artifact of the active profile into one ``.tar.gz``; return its path."""
    folders, notes = current_artifacts()
    for note in notes:
        print(note)
    if not folders:
        raise Refused(
            f"No built artifact of profile {config.profile_name()!r} is in "
            f"{_profile_dir()} to pack: run the notebooks (make run) first."
        )
    machine = reference.this_machine()
    index = {
        "format": FORMAT,
        "profile": config.profile_name(),
        "dataset": config.dataset_name(),
        "course": {
            "version": course_version(),
            "recipes": {f.name.rsplit("-", 1)[0]: f.name for f in folders},
        },
        "machine": machine,
        "machine_description": reference.describe(machine),
        "built": datetime.datetime.now().isoformat(timespec="seconds"),
        "artifacts": [
            {
                "name": f.name.rsplit("-", 1)[0],
                "key": f.name.rsplit("-", 1)[1],
                "manifest_sha256": _sha256(f / artifacts.MANIFEST),
            }
            for f in folders
        ],
    }
    out = Path(out) if out else config.build_dir() / f"course-bundle-{config.profile_name()}.tar.gz"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    try:
        with tarfile.open(tmp, "w:gz") as archive:
            text = json.dumps(index, indent=1).encode()
            info = tarfile.TarInfo(INDEX)
            info.size, info.mtime = len(text), int(datetime.datetime.now().timestamp())
            archive.addfile(info, _bytes(text))
            for folder in folders:
                files = [artifacts.MANIFEST] + [r for r, _ in artifacts._entries(folder)]
                for relative in files:
                    archive.add(folder / relative, f"{FOLDER}/{folder.name}/{relative}", False)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    for entry in index["artifacts"]:
        print(f"  packed {entry['name']} ({entry['key']})")
    print(
        f"Packed {len(folders)} artifacts of profile {config.profile_name()!r} "
        f"({out.stat().st_size / 1e6:.1f} MB) into {out}: put it on a course drive or web page, "
        f"and students set {artifacts.BUNDLE_VARIABLE}=<its path or URL>."
    )
    return out


def _bytes(data: bytes):
    import io

    return io.BytesIO(data)


# ---------------------------------------------------------------- unpacking


def _fetch(source: str, into: Path) -> Path:
    """A local copy of the bundle: the path itself, or a URL downloaded into ``into``."""
    scheme = urlparse(source).scheme.lower()
    if scheme in URL_SCHEMES:
        import urllib.error
        import urllib.request

        handle, name = tempfile.mkstemp(prefix=".bundle-download.tmp-", dir=into)
        try:
            with os.fdopen(handle, "wb") as file, urllib.request.urlopen(source, timeout=60) as r:
                shutil.copyfileobj(r, file)
        except (OSError, ValueError, urllib.error.URLError) as error:
            Path(name).unlink(missing_ok=True)
            reason = getattr(error, "reason", None) or getattr(error, "strerror", None) or error
            raise Refused(f"The class bundle {source} cannot be fetched ({reason}), so {AS_USUAL}.")
        return Path(name)
    path = Path(source).expanduser()
    if not path.is_file():
        raise Refused(f"The class bundle {source} is not a file here, so {AS_USUAL}.")
    return path


def _members(archive: tarfile.TarFile, shown: str) -> list[tarfile.TarInfo]:
    """Every member, each checked to lie inside the layout: bundle.json, artifacts/<folder>/..."""
    members = archive.getmembers()  # reads the whole archive: a cut-short file fails here
    for member in members:
        parts = PurePosixPath(member.name).parts
        inside = (
            not member.name.startswith(("/", "\\"))
            and ".." not in parts
            and "\\" not in member.name
            and ":" not in member.name
            and (member.isfile() or member.isdir())
            and (parts == (INDEX,) or (len(parts) >= 2 and parts[0] == FOLDER))
        )
        if not inside:
            raise Refused(
                f"The class bundle {shown} holds {member.name!r}, which lies outside a bundle's "
                "layout (an absolute path, '..', a link or a device), so nothing was unpacked and "
                f"{AS_USUAL}."
            )
    return members


def _read_index(archive: tarfile.TarFile, shown: str) -> dict:
    try:
        index = json.loads(archive.extractfile(INDEX).read())
        if index["format"] != FORMAT or not isinstance(index["artifacts"], list):
            raise ValueError(f"format {index['format']!r}, this course reads {FORMAT}")
        for entry in index["artifacts"]:
            str(entry["name"]), str(entry["key"]), str(entry["manifest_sha256"])
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise Refused(
            f"The class bundle {shown} has no {INDEX} this course can read ({error}), so "
            f"{AS_USUAL}."
        ) from None
    return index


def _check_course(index: dict, shown: str) -> None:
    """The bundle was built for this profile, dataset and course version's recipes."""
    profile, dataset = config.profile_name(), config.dataset_name()
    if index.get("profile") != profile:
        raise Refused(
            f"The class bundle {shown} was built for the {index.get('profile')!r} profile and "
            f"this course runs {profile!r}, so {AS_USUAL}."
        )
    if index.get("dataset") != dataset:
        raise Refused(
            f"The class bundle {shown} was built on the {index.get('dataset')!r} dataset and "
            f"this course uses {dataset!r}, so {AS_USUAL}."
        )
    for entry in index["artifacts"]:
        try:
            ours = artifacts.path(entry["name"]).name.rsplit("-", 1)[1]
        except KeyError:
            ours = "not an artifact of this course version"
        if ours != entry["key"]:
            raise Refused(
                f"The class bundle {shown} was built by other recipes than this course version's "
                f"({entry['name']}: {entry['key']} in the bundle, {ours} here), so {AS_USUAL}."
            )


def _verify(unpacked: Path, index: dict, shown: str) -> None:
    """Every manifest matches bundle.json and every file its manifest's SHA-256."""

    def failed(detail: str) -> Refused:
        return Refused(f"The class bundle {shown} fails its checksums ({detail}), so {AS_USUAL}.")

    listed = {f"{e['name']}-{e['key']}": e for e in index["artifacts"]}
    present = {p.name for p in unpacked.iterdir()} if unpacked.is_dir() else set()
    if present - set(listed):
        raise failed(f"{sorted(present - set(listed))[0]} is not listed in {INDEX}")
    for folder_name, entry in listed.items():
        folder = unpacked / folder_name
        manifest_path = folder / artifacts.MANIFEST
        if not manifest_path.is_file():
            raise failed(f"{folder_name} has no {artifacts.MANIFEST}")
        if _sha256(manifest_path) != entry["manifest_sha256"]:
            raise failed(f"{folder_name}'s {artifacts.MANIFEST} is not the one {INDEX} lists")
        try:
            files = json.loads(manifest_path.read_text())["files"]
            files.items()
        except (ValueError, KeyError, AttributeError):
            raise failed(f"{folder_name}'s {artifacts.MANIFEST} cannot be read") from None
        extra = {r for r, _ in artifacts._entries(folder)} - set(files)
        if extra:
            raise failed(f"{folder_name}/{sorted(extra)[0]} is not in its manifest")
        for relative, expected in files.items():
            path = folder / relative
            if not path.is_file() or artifacts._fingerprint(path) != expected:
                raise failed(f"{folder_name}/{relative} is not the file that was built")


def _marker() -> dict:
    try:
        marker = json.loads((_profile_dir() / MARKER).read_text())
        return marker if isinstance(marker, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_marker(marker: dict) -> None:
    path = _profile_dir() / MARKER
    tmp = path.with_name(f".{MARKER}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(marker, indent=1))
    tmp.replace(path)


def already_unpacked(source: str) -> bool:
    """This bundle was unpacked into this build folder, and every artifact it gave is still here
    and still current (a course update changes the recipe keys: then it is read again)."""
    folders = _marker().get(source, {}).get("folders")
    try:
        return bool(folders) and all(
            (_profile_dir() / name / artifacts.MANIFEST).is_file()
            and artifacts.path(name.rsplit("-", 1)[0]).name == name
            for name in folders
        )
    except (KeyError, ValueError):
        return False


def unpack(source: str) -> dict | None:
    """Unpack the bundle at ``source`` (a path or URL) into the build folder: ``{"filled": [...],
    "kept": [...]}``, or None after one sentence saying why it was refused."""
    shown = source
    root = _profile_dir()
    root.mkdir(parents=True, exist_ok=True)
    local = tmp = None
    try:
        local = _fetch(source, root)
        url = urlparse(source).scheme.lower() in URL_SCHEMES
        shown = Path(urlparse(source).path if url else source).name or source
        tmp = root / f".bundle.tmp-{os.getpid()}"  # removed if this process is killed
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            with tarfile.open(local, "r:gz") as archive:
                members = _members(archive, shown)
                index = _read_index(archive, shown)
                _check_course(index, shown)
                archive.extractall(tmp, members=members, filter="data")
        except (tarfile.TarError, EOFError, OSError, zlib.error) as error:
            raise Refused(
                f"The class bundle {shown} is damaged or cut short ({error}), so {AS_USUAL}."
            ) from None
        _verify(tmp / FOLDER, index, shown)
        result = _place(tmp / FOLDER, index, shown)
    except Refused as refusal:
        print(refusal, flush=True)
        return None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if local is not None and local != Path(source).expanduser():
            local.unlink(missing_ok=True)
    marker = _marker()
    marker[source] = {"folders": result["filled"] + result["kept"], "built": index.get("built")}
    _write_marker(marker)
    filled = ", ".join(result["filled"]) or "none"
    print(
        f"Unpacked the class bundle {shown} (built {index.get('built')} on "
        f"{index.get('machine_description')}): filled {filled}; kept "
        f"{len(result['kept'])} already here."
    )
    return result


def _place(unpacked: Path, index: dict, shown: str) -> dict:
    """Move each missing or damaged artifact into place (one rename each); keep valid ones."""
    origin = {
        "machine": index.get("machine_description") or reference.describe(index.get("machine")),
        "built": index.get("built"),
        "file": shown,
    }
    filled, kept = [], []
    for entry in index["artifacts"]:
        final = artifacts.path(entry["name"])
        if (final / artifacts.MANIFEST).is_file() and artifacts._damage(final) is None:
            kept.append(final.name)
            continue
        folder = unpacked / final.name
        manifest = json.loads((folder / artifacts.MANIFEST).read_text())
        artifacts._write_manifest(folder, {**manifest, "bundle": origin})
        artifacts._discard(final)  # a damaged copy, renamed aside first
        try:
            folder.rename(final)
        except OSError:
            if not (final / artifacts.MANIFEST).is_file():  # not another process's copy
                raise
        filled.append(final.name)
    return {"filled": filled, "kept": kept}


_TRIED: set[tuple[str, str]] = set()  # (source, build folder) read in this process


@artifacts.before_open
def from_environment() -> None:
    """``COURSE_BUNDLE``: unpacked before the first artifact is opened (once per process and
    build folder; skipped when that bundle was already unpacked there)."""
    source = os.environ.get(artifacts.BUNDLE_VARIABLE, "").strip()
    if not source:
        return
    key = (source, str(_profile_dir()))
    if key in _TRIED:
        return
    _TRIED.add(key)
    if not already_unpacked(source):
        unpack(source)


def main(argv: list[str] | None = None) -> int:
    top = argparse.ArgumentParser(
        prog="python -m utils bundle",
        description="Pack the built artifacts into one class bundle, or unpack one.",
    )
    top.add_argument("--out", help="the bundle's file (default: build/course-bundle-<profile>...)")
    top.add_argument("--unpack", metavar="PATH", help="unpack this bundle (a path or a URL)")
    top.add_argument("--profile", choices=sorted(config.PROFILES), help="default: COURSE_PROFILE")
    args = top.parse_args(argv)
    config.use_profile(args.profile)
    if args.unpack:
        return 0 if unpack(args.unpack) is not None else 1
    try:
        pack(args.out)
    except Refused as refusal:
        print(refusal, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
