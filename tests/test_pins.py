"""pyproject.toml and environment.yml pin the same stack."""

import sys

import yaml
from packaging.requirements import Requirement

from utils import config

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ML_STACK = {
    "tensorflow",
    "tf-keras",
    "tensorflow-model-optimization",
    "tensorflow-datasets",
    "ai-edge-litert",
}


def pyproject():
    return tomllib.loads((config.ROOT / "pyproject.toml").read_text())["project"]


def environment_yml():
    return yaml.safe_load((config.ROOT / "environment.yml").read_text())


def pip_section(env):
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)


def normalised(requirements):
    return {str(Requirement(r)) for r in requirements}


def test_environment_yml_pins_exactly_what_pyproject_declares():
    project = pyproject()
    declared = project["dependencies"] + project["optional-dependencies"]["test"]
    mirrored = [r for r in pip_section(environment_yml()) if not r.startswith("-e")]
    assert normalised(mirrored) == normalised(declared)


def test_environment_yml_installs_the_course_package():
    assert "-e ." in pip_section(environment_yml())


def test_ml_stack_is_pinned_exactly():
    pins = {Requirement(r).name: str(Requirement(r).specifier) for r in pyproject()["dependencies"]}
    assert ML_STACK <= pins.keys()
    assert all(pins[name].startswith("==") for name in ML_STACK), pins


def test_conda_python_is_inside_the_supported_range():
    from packaging.specifiers import SpecifierSet

    conda_python = next(
        d.split("=", 1)[1] for d in environment_yml()["dependencies"]
        if isinstance(d, str) and d.startswith("python=")
    )
    assert conda_python in SpecifierSet(pyproject()["requires-python"])
