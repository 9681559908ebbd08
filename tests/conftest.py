import pytest

COURSE_VARIABLES = ("COURSE_PROFILE", "COURSE_DATASET", "COURSE_MY_IMAGES")


@pytest.fixture(autouse=True)
def isolated_build(tmp_path, monkeypatch):
    """Every test gets its own build folder and the defaults (no COURSE_* variables)."""
    monkeypatch.setenv("COURSE_BUILD_DIR", str(tmp_path))
    for name in COURSE_VARIABLES:
        monkeypatch.setenv(name, "")  # recorded first, so whatever a test sets is undone after it
        monkeypatch.delenv(name)
