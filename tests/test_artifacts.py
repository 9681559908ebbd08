import json
import re
import subprocess
import sys
import uuid

import pytest

from utils import artifacts


def make_artifact(fail_with=None):
    """Register a throwaway artifact; return its name, its mutable settings and a call log."""
    name = f"test.{uuid.uuid4().hex}"
    settings = {"size": 1}
    calls = []

    @artifacts.register(name, settings=lambda: dict(settings))
    def build(folder, used):
        calls.append(dict(used))
        (folder / "data.txt").write_text(str(used["size"]))
        if fail_with:
            raise fail_with

    return name, settings, calls


def leftovers(folder):
    return [p.name for p in folder.iterdir() if ".tmp-" in p.name]


def test_first_get_builds_folder_with_file_and_manifest():
    name, _, calls = make_artifact()
    folder = artifacts.get(name)
    assert len(calls) == 1
    assert (folder / "data.txt").read_text() == "1"
    manifest = json.loads((folder / artifacts.MANIFEST).read_text())
    assert manifest["name"] == name
    assert manifest["settings"] == {"size": 1}
    assert leftovers(folder.parent) == []


def test_second_get_is_a_cache_hit():
    name, _, calls = make_artifact()
    first = artifacts.get(name)
    assert artifacts.get(name) == first
    assert len(calls) == 1


def test_changed_settings_build_a_new_copy():
    name, settings, calls = make_artifact()
    old = artifacts.get(name)
    settings["size"] = 2
    new = artifacts.get(name)
    assert new != old
    assert len(calls) == 2
    assert (new / "data.txt").read_text() == "2"
    assert (old / "data.txt").read_text() == "1"


def test_path_depends_on_profile(monkeypatch):
    name, _, _ = make_artifact()
    full = artifacts.path(name)
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    smoke = artifacts.path(name)
    assert full != smoke
    assert "full" in full.parts and "smoke" in smoke.parts


def test_rebuild_builds_again():
    name, _, calls = make_artifact()
    first = artifacts.get(name)
    again = artifacts.get(name, rebuild=True)
    assert again == first
    assert len(calls) == 2
    assert (again / artifacts.MANIFEST).is_file()


def test_interrupted_build_leaves_nothing_behind():
    name, _, calls = make_artifact(fail_with=KeyboardInterrupt())
    final = artifacts.path(name)
    with pytest.raises(KeyboardInterrupt):
        artifacts.get(name)
    assert not final.exists()
    assert leftovers(final.parent) == []

    # Same settings, a builder that now succeeds: the next get() builds cleanly.
    artifacts.register(name, settings=lambda: {"size": 1})(
        lambda folder, used: (folder / "data.txt").write_text("ok")
    )
    assert artifacts.get(name) == final
    assert (final / "data.txt").read_text() == "ok"
    assert leftovers(final.parent) == []


def test_temp_folder_of_dead_process_is_removed():
    name, _, _ = make_artifact()
    final = artifacts.path(name)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = final.parent / f".{final.name}.tmp-{dead.pid}"
    stale.mkdir(parents=True)
    (stale / "data.txt").write_text("half-written")

    folder = artifacts.get(name)
    assert folder == final
    assert not stale.exists()
    assert (folder / "data.txt").read_text() == "1"


def test_unknown_name_lists_known_artifacts():
    name, _, _ = make_artifact()
    with pytest.raises(KeyError) as excinfo:
        artifacts.get("test.does-not-exist")
    assert "test.does-not-exist" in str(excinfo.value)
    assert name in str(excinfo.value)


def test_missing_stage_module_is_a_key_error():
    with pytest.raises(KeyError, match=re.escape("nosuchstage.x")):
        artifacts.get("nosuchstage.x")


def test_a_copy_without_manifest_is_replaced_not_trusted():
    name, _, calls = make_artifact()
    half = artifacts.path(name)
    half.mkdir(parents=True)
    (half / "data.txt").write_text("half-deleted")
    folder = artifacts.get(name)
    assert folder == half and len(calls) == 1
    assert (folder / "data.txt").read_text() == "1" and (folder / artifacts.MANIFEST).is_file()
    assert leftovers(folder.parent) == []


def test_the_manifest_lists_a_checksum_of_every_file():
    name, _, _ = make_artifact()
    folder = artifacts.get(name)
    files = json.loads((folder / artifacts.MANIFEST).read_text())["files"]
    assert list(files) == ["data.txt"] and files["data.txt"].startswith("sha256:")


def test_a_file_changed_after_it_was_verified_is_caught_in_the_same_process(capsys):
    name, _, calls = make_artifact()
    folder = artifacts.get(name)
    assert artifacts.get(name) == folder  # verified, and remembered
    (folder / "data.txt").write_text("2")  # same process, later: its size and time changed
    artifacts.get(name)
    assert len(calls) == 2 and (folder / "data.txt").read_text() == "1"
    assert "is damaged (data.txt is not the file that was built" in capsys.readouterr().out


def test_a_copy_built_before_checksums_is_adopted_not_rebuilt():
    name, _, calls = make_artifact()
    folder = artifacts.get(name)
    manifest = json.loads((folder / artifacts.MANIFEST).read_text())
    del manifest["files"]
    (folder / artifacts.MANIFEST).write_text(json.dumps(manifest))
    artifacts._VERIFIED.clear()
    assert artifacts.get(name) == folder and len(calls) == 1
    assert "data.txt" in json.loads((folder / artifacts.MANIFEST).read_text())["files"]


def test_a_garbled_manifest_is_a_damaged_copy(capsys):
    name, _, calls = make_artifact()
    folder = artifacts.get(name)
    (folder / artifacts.MANIFEST).write_text("{not json")
    assert artifacts.get(name) == folder and len(calls) == 2
    assert "artifact.json cannot be read" in capsys.readouterr().out


def test_links_are_recorded_by_target_not_followed(tmp_path):
    outside = tmp_path / "photo.jpg"
    outside.write_bytes(b"user bytes")
    name = f"test.{uuid.uuid4().hex}"
    artifacts.register(name, settings=dict)(
        lambda folder, used: (folder / "photo.jpg").symlink_to(outside)
    )
    folder = artifacts.get(name)
    files = json.loads((folder / artifacts.MANIFEST).read_text())["files"]
    assert files == {"photo.jpg": f"link:{outside}"}


@pytest.mark.parametrize(
    "damage", ["truncated.tfrecord-00000-of-00001", "history.json", "model.keras"]
)
def test_a_damaged_copy_built_before_checksums_fails_its_load_probe(damage, capsys):
    import zipfile

    name = f"test.{uuid.uuid4().hex}"

    def build(folder, used):
        record = b"\x05" + b"\0" * 7 + b"crc!" + b"hello" + b"crc!"  # one whole 5-byte record
        (folder / "truncated.tfrecord-00000-of-00001").write_bytes(record * 3)
        (folder / "history.json").write_text('{"loss": [1.0]}')
        with zipfile.ZipFile(folder / "model.keras", "w") as archive:
            archive.writestr("config.json", "{}" * 1000)

    artifacts.register(name, settings=dict)(build)
    folder = artifacts.get(name)
    manifest = json.loads((folder / artifacts.MANIFEST).read_text())
    del manifest["files"]
    (folder / artifacts.MANIFEST).write_text(json.dumps(manifest))
    artifacts._VERIFIED.clear()
    path = folder / damage
    path.write_bytes(path.read_bytes()[:-7])
    capsys.readouterr()
    artifacts.get(name)
    assert f"is damaged ({damage} " in capsys.readouterr().out
    assert artifacts._load_probe(folder / damage) is None  # rebuilt whole


def test_a_build_first_says_what_why_and_the_reference_machines_time(capsys, monkeypatch):
    from utils import config, reference

    name, settings, _ = make_artifact()
    monkeypatch.setattr(config, "profile_name", lambda: reference.REFERENCE_PROFILE)
    monkeypatch.setattr(reference, "build_seconds", lambda n: 660.0 if n == name else None)
    artifacts._REGISTRY[name] = artifacts.Artifact(
        name, artifacts._REGISTRY[name].build, artifacts._REGISTRY[name].settings, "a test file"
    )
    artifacts.get(name)
    said = capsys.readouterr().out.splitlines()[0]
    # 660 s is 11 minutes
    assert said == (
        f"Building {name!r} (a test file) for profile {reference.REFERENCE_PROFILE!r}: it is not "
        "built yet; the reference machine took about 11 minutes."
    )
    settings["size"] = 2
    artifacts.get(name)
    assert "its recipe or settings changed" in capsys.readouterr().out


def test_no_reference_time_outside_the_reference_profile(capsys, monkeypatch):
    from utils import config, reference

    name, _, _ = make_artifact()
    monkeypatch.setattr(config, "profile_name", lambda: "smoke")
    monkeypatch.setattr(reference, "build_seconds", lambda n: 40.0)
    artifacts.get(name)
    assert capsys.readouterr().out.splitlines()[0].endswith(": it is not built yet.")


@pytest.mark.parametrize(
    "seconds, said",
    [(0.2, "about 1 s"), (40, "about 40 s"), (89, "about 89 s"), (660, "about 11 minutes")],
)
def test_durations_read_as_a_person_would_say_them(seconds, said):
    assert artifacts.duration(seconds) == said
