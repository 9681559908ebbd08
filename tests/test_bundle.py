"""The class bundle (utils/bundle.py): pack, verify, unpack, refuse, and label its figures."""

import csv
import io
import json
import tarfile
import uuid

import pytest

from utils import artifacts, bundle, config, figures, reference, results, verdicts

MACHINE = {"cpu": "Bundle CPU 9000", "cores": 4, "int8_instructions": ["avx512_vnni"]}
DESCRIPTION = reference.describe(MACHINE)  # "Bundle CPU 9000, 4 cores, avx512_vnni"


@pytest.fixture(autouse=True)
def bundle_machine(monkeypatch):
    """The machine that packs: a fixed description (and no TensorFlow import in these tests)."""
    monkeypatch.setattr(reference, "this_machine", lambda: dict(MACHINE))


def make_artifact(files=None):
    """Register a throwaway artifact; return its name, its mutable settings and a call log."""
    name = f"test.{uuid.uuid4().hex}"
    settings = {"size": 1}
    calls = []
    files = files or {"data.txt": "one", "nested/more.json": '{"ms": 2.5}'}

    @artifacts.register(name, settings=lambda: dict(settings))
    def build(folder, used):
        calls.append(dict(used))
        for relative, text in files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text)

    return name, settings, calls


def use_build_dir(monkeypatch, folder):
    monkeypatch.setenv(config.BUILD_VARIABLE, str(folder))


def snapshot(folder):
    """Every file under a folder and its bytes (the build folder before and after)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.fixture
def packed(tmp_path, monkeypatch):
    """Two artifacts built in one build folder and packed; the test continues in an empty one."""
    use_build_dir(monkeypatch, tmp_path / "teacher")
    made = [make_artifact(), make_artifact({"model.bin": "weights"})]
    for name, _, _ in made:
        artifacts.get(name)
    out = bundle.pack(tmp_path / "class.tar.gz")
    use_build_dir(monkeypatch, tmp_path / "student")
    return out, made


def rewrite(source, target, change):
    """Copy a bundle member by member; ``change(info, data)`` returns the new (info, data)."""
    with tarfile.open(source) as old, tarfile.open(target, "w:gz") as new:
        for info in old.getmembers():
            data = old.extractfile(info).read() if info.isfile() else b""
            info, data = change(info, data)
            info.size = len(data)
            new.addfile(info, io.BytesIO(data))
    return target


def test_pack_writes_one_file_with_the_index(packed):
    out, made = packed
    with tarfile.open(out) as archive:
        index = json.loads(archive.extractfile(bundle.INDEX).read())
        names = archive.getnames()
    assert index["format"] == bundle.FORMAT and index["profile"] == "full"
    assert index["dataset"] == "generated"
    assert index["machine_description"] == DESCRIPTION
    assert index["course"]["version"] == bundle.course_version()
    assert sorted(e["name"] for e in index["artifacts"]) == sorted(n for n, _, _ in made)
    # a manifest and two files, then a manifest and one file: 5 members beside bundle.json
    assert len(names) == 6 and names[0] == bundle.INDEX


def test_round_trip_finds_every_artifact_without_building(packed, monkeypatch, capsys):
    out, made = packed
    monkeypatch.setenv(artifacts.BUNDLE_VARIABLE, str(out))
    for name, _, calls in made:
        folder = artifacts.get(name)
        assert len(calls) == 1  # built once, for the teacher; not again here
        assert folder.parent == config.artifacts_dir() / "full"
        assert artifacts.from_bundle(name) == {
            "machine": DESCRIPTION,
            "built": json.loads((folder / artifacts.MANIFEST).read_text())["bundle"]["built"],
            "file": "class.tar.gz",
        }
    assert (artifacts.get(made[0][0]) / "data.txt").read_text() == "one"
    assert "Unpacked the class bundle class.tar.gz" in capsys.readouterr().out
    assert bundle.already_unpacked(str(out))  # the marker: a later process skips it


def test_a_bundle_unpacked_before_is_not_read_again(packed, monkeypatch, capsys):
    out, made = packed
    monkeypatch.setenv(artifacts.BUNDLE_VARIABLE, str(out))
    artifacts.get(made[0][0])
    assert "Unpacked" in capsys.readouterr().out
    monkeypatch.setattr(bundle, "_TRIED", set())  # as in a new process, same build folder
    artifacts.get(made[1][0])
    assert capsys.readouterr().out == ""  # the marker says it is here already
    made[1][1]["size"] = 2  # a course update: another recipe key, so the bundle is read again
    assert not bundle.already_unpacked(str(out))


def test_unpack_from_a_file_url(packed):
    out, made = packed
    result = bundle.unpack(out.as_uri())
    assert sorted(result["filled"]) == sorted(artifacts.path(n).name for n, _, _ in made)


def test_existing_valid_artifact_is_kept_and_damaged_one_filled(packed):
    out, made = packed
    (kept_name, _, kept_calls), (damaged_name, _, _) = made
    kept = artifacts.get(kept_name)  # built here too
    damaged = artifacts.get(damaged_name)
    (damaged / "model.bin").write_text("garbled")
    before = snapshot(kept)
    result = bundle.unpack(str(out))
    assert result == {"filled": [damaged.name], "kept": [kept.name]}
    assert snapshot(kept) == before and artifacts.from_bundle(kept_name) is None
    assert (damaged / "model.bin").read_text() == "weights"
    assert artifacts.from_bundle(damaged_name)["machine"] == DESCRIPTION
    assert len(kept_calls) == 2  # the teacher's build and this one; the bundle built nothing


def refused(source, capsys, *words):
    """The bundle is refused with one sentence holding ``words``; the course builds as usual."""
    capsys.readouterr()  # what was printed before
    assert bundle.unpack(str(source)) is None
    said = capsys.readouterr().out.strip()
    assert said.count("\n") == 0 and said.endswith(f"{bundle.AS_USUAL}.")
    for word in words:
        assert word in said
    return said


def refused_and_nothing_lost(source, made, capsys, *words):
    name, _, _ = made[0]
    existing = artifacts.get(name)
    before = snapshot(config.artifacts_dir())
    said = refused(source, capsys, *words)
    assert snapshot(config.artifacts_dir()) == before  # nothing lost, nothing half-unpacked
    assert [p.name for p in existing.parent.iterdir() if ".tmp-" in p.name] == []
    assert not artifacts.path(made[1][0]).exists()  # the other one was not filled either
    return said


def test_flipped_byte_in_a_file_is_refused(packed, tmp_path, capsys):
    out, made = packed

    def flip(info, data):
        if info.name.endswith("/model.bin"):
            data = bytes([data[0] ^ 1]) + data[1:]
        return info, data

    damaged = rewrite(out, tmp_path / "flipped.tar.gz", flip)
    refused_and_nothing_lost(damaged, made, capsys, "fails its checksums", "model.bin")


def test_truncated_archive_is_refused(packed, tmp_path, capsys):
    out, made = packed
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(out.read_bytes()[: out.stat().st_size // 2])
    refused_and_nothing_lost(cut, made, capsys, "is damaged or cut short")


def test_bundle_from_another_recipe_is_refused(packed, capsys):
    out, made = packed
    made[1][1]["size"] = 2  # this course version's settings differ: another recipe key
    said = refused_and_nothing_lost(out, made, capsys, "other recipes", made[1][0])
    assert artifacts.path(made[1][0]).name.rsplit("-", 1)[1] in said


def test_bundle_for_another_profile_is_refused(packed, monkeypatch, capsys):
    out, _ = packed
    monkeypatch.setenv(config.PROFILE_VARIABLE, "smoke")
    refused(out, capsys, "'full' profile", "'smoke'")


@pytest.mark.parametrize("member", ["../escaped.txt", "/tmp/escaped.txt", "artifacts/../../x"])
def test_member_outside_the_layout_is_refused(packed, tmp_path, capsys, member):
    out, _ = packed

    def escape(info, data):
        if info.name.endswith("data.txt"):
            info.name = member
        return info, data

    evil = rewrite(out, tmp_path / "evil.tar.gz", escape)
    refused(evil, capsys, "outside a bundle's layout", repr(member))
    assert not (tmp_path / "escaped.txt").exists()


def test_link_member_is_refused(packed, tmp_path, capsys):
    out, _ = packed

    def link(info, data):
        if info.name.endswith("data.txt"):
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
            data = b""
        return info, data

    refused(rewrite(out, tmp_path / "link.tar.gz", link), capsys, "a link")


def test_url_that_cannot_be_fetched_is_refused(tmp_path, capsys):
    refused((tmp_path / "nowhere.tar.gz").as_uri(), capsys, "cannot be fetched")


def test_environment_bundle_that_is_refused_leaves_the_build_as_usual(
    packed, tmp_path, monkeypatch, capsys
):
    out, made = packed
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(out.read_bytes()[:100])
    monkeypatch.setenv(artifacts.BUNDLE_VARIABLE, str(cut))
    name, _, calls = made[0]
    artifacts.get(name)
    assert len(calls) == 2  # refused, so built here as usual
    assert "is damaged or cut short" in capsys.readouterr().out


def test_links_are_left_out_of_a_bundle(tmp_path, capsys):
    name, _, _ = make_artifact()
    folder = artifacts.get(name)
    (folder / "photo.jpg").symlink_to(tmp_path)
    manifest = json.loads((folder / artifacts.MANIFEST).read_text())
    manifest["files"]["photo.jpg"] = artifacts._fingerprint(folder / "photo.jpg")
    artifacts._write_manifest(folder, manifest)
    kept, notes = bundle.current_artifacts()
    assert kept == [] and len(notes) == 1 and "links" in notes[0] and name in notes[0]


def test_command_line_packs_and_unpacks(packed, tmp_path, capsys):
    out, made = packed
    assert bundle.main(["--unpack", str(out)]) == 0
    again = tmp_path / "again.tar.gz"
    assert bundle.main(["--out", str(again)]) == 0
    assert "Packed 2 artifacts of profile 'full'" in capsys.readouterr().out and again.is_file()


# ---------------------------------------------------------------- the figures' labels


@pytest.fixture
def from_builds(tmp_path, monkeypatch, catalogued):
    """A catalogued figure timed while a throwaway artifact is built."""
    catalogued("99_bundle", "bundle_ms", "here_ms", unit="ms")
    name, _, _ = make_artifact()
    table = tmp_path / "figures_from_builds.csv"
    with table.open("w", newline="") as handle:
        csv.writer(handle).writerows(
            [["notebook", "key", "artifact", "source"], ["99_bundle", "bundle_ms", name, "a test"]]
        )
    monkeypatch.setattr(results, "FROM_BUILDS", table)
    return name


def test_figures_built_here_are_not_labelled(from_builds):
    artifacts.get(from_builds)
    figure = results.record("99_bundle", "bundle_ms", 2.5)
    assert figure.measured_on is None
    assert "bundle" not in verdicts.against_reference("timed", figure).headline


def test_bundle_figures_are_labelled_as_the_bundle_machine(from_builds, tmp_path, monkeypatch):
    use_build_dir(monkeypatch, tmp_path / "teacher")
    artifacts.get(from_builds)
    out = bundle.pack(tmp_path / "class.tar.gz")
    use_build_dir(monkeypatch, tmp_path / "student")
    assert bundle.unpack(str(out)) is not None

    timed = results.record_many("99_bundle", {"bundle_ms": 2.5, "here_ms": 5.0})
    assert timed["bundle_ms"].measured_on == DESCRIPTION and timed["here_ms"].measured_on is None
    said = f"measured on the machine that built the bundle ({DESCRIPTION})"
    headline = verdicts.faster("A", timed["bundle_ms"], "B", timed["here_ms"]).headline
    assert said in headline and "not on this one" in headline
    alone = verdicts.against_reference("A", timed["bundle_ms"]).headline
    assert said in alone and " here" not in alone
    assert said not in verdicts.against_reference("B", timed["here_ms"]).headline
    # a prediction revealed against a bundle's figure names that machine, not "this run"
    revealed = verdicts.reveal("Latency", 2.0, timed["bundle_ms"], unit="ms").headline
    assert said in revealed and "this run" not in revealed
    assert "this run measured" in verdicts.reveal("Latency", 2.0, timed["here_ms"]).headline
    faster = figures.measured_on(timed["bundle_ms"])  # a choice derived from a bundle's timing
    choice = verdicts.reveal("Speed", "faster", "slower", measured_on=faster).headline
    assert said in choice and "this run" not in choice
    entry = next(e for e in results.load() if e["key"] == "bundle_ms")
    assert entry["measured_on"] == DESCRIPTION
    assert said.replace(" (", ": ").rstrip(")") in results.table(notebook="99_bundle")


def test_every_figure_from_a_build_is_catalogued_and_sourced():
    with results.FROM_BUILDS.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and all(row["source"].strip() and row["artifact"] for row in rows)
    for row in rows:
        figures.entry(row["notebook"], row["key"])  # raises for a key the catalogue lacks


def test_python_m_utils_bundle_runs_the_bundle_module():
    import subprocess
    import sys

    command = [sys.executable, "-m", "utils", "bundle", "--dry-run", "--unpack", "class.tar.gz"]
    result = subprocess.run(command, cwd=config.ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert " -m utils.bundle --profile full --unpack class.tar.gz" in result.stdout
