import pytest


@pytest.fixture(autouse=True)
def isolated_build(tmp_path, monkeypatch):
    """Every test gets its own build folder and the default profile."""
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
