import os
import subprocess
import sys

import pytest

from utils import config


def test_default_profile_is_full():
    assert config.profile_name() == "full"
    assert config.settings() is config.PROFILES["full"]


def test_env_var_selects_smoke(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    assert config.profile_name() == "smoke"
    assert config.settings().profile == "smoke"


@pytest.mark.parametrize(
    "field",
    ["train_size", "validation_size", "test_size", "novel_size", "epochs", "timing_runs"],
)
def test_smoke_is_smaller_than_full(field):
    smoke, full = config.PROFILES["smoke"], config.PROFILES["full"]
    assert getattr(smoke, field) < getattr(full, field)


def test_unknown_profile_names_every_valid_one(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "bogus")
    with pytest.raises(ValueError) as excinfo:
        config.settings()
    message = str(excinfo.value)
    assert "bogus" in message
    for name in config.PROFILES:
        assert repr(name) in message


def test_use_profile_sets_env_and_returns_settings():
    settings = config.use_profile("smoke")
    assert os.environ["COURSE_PROFILE"] == "smoke"
    assert settings == config.PROFILES["smoke"]
    assert config.settings() == settings


def test_use_profile_rejects_unknown_and_keeps_env(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    with pytest.raises(ValueError):
        config.use_profile("bogus")
    assert os.environ["COURSE_PROFILE"] == "smoke"


def test_paths_follow_build_dir(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere"
    monkeypatch.setenv("COURSE_BUILD_DIR", str(target))
    assert config.build_dir() == target
    assert config.artifacts_dir().parent == target
    assert config.results_path().parent == target


def test_import_sets_legacy_keras_guard():
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    code = (
        "import os, sys, utils\n"
        "assert 'tensorflow' not in sys.modules\n"
        "print(os.environ['TF_USE_LEGACY_KERAS'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=config.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1"


def test_dataset_defaults_to_generated_and_use_dataset_switches(monkeypatch):
    monkeypatch.delenv("COURSE_DATASET", raising=False)
    assert config.dataset_name() == "generated"
    assert config.use_dataset("my_images") == "my_images"
    assert config.dataset_name() == "my_images"


def test_unknown_dataset_names_the_valid_ones(monkeypatch):
    monkeypatch.setenv("COURSE_DATASET", "imagenet")
    with pytest.raises(ValueError) as error:
        config.dataset_name()
    assert all(repr(name) in str(error.value) for name in config.DATASETS)
    with pytest.raises(ValueError):
        config.use_dataset("imagenet")
    assert os.environ["COURSE_DATASET"] == "imagenet"  # unchanged by the refused switch


def test_my_images_folder_is_data_my_images_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_MY_IMAGES", raising=False)
    assert config.my_images_dir() == config.DATA_DIR / "my_images"
    monkeypatch.setenv("COURSE_MY_IMAGES", str(tmp_path))
    assert config.my_images_dir() == tmp_path


def test_a_missing_build_dir_is_created(tmp_path, monkeypatch):
    target = tmp_path / "new" / "build"
    monkeypatch.setenv("COURSE_BUILD_DIR", str(target))
    assert config.build_dir() == target and target.is_dir()
    assert list(target.iterdir()) == []  # the write probe leaves nothing behind


def test_a_file_as_build_dir_is_one_sentence(tmp_path, monkeypatch):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    monkeypatch.setenv("COURSE_BUILD_DIR", str(target))
    with pytest.raises(config.BuildDirError) as error:
        config.build_dir()
    assert str(error.value) == (
        f"COURSE_BUILD_DIR={target} is a file, not a folder: point "
        "COURSE_BUILD_DIR at a folder you can write to (or unset it to "
        "use build/)."
    )
    assert target.read_text() == "keep me"
