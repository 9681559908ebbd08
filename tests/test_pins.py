"""pyproject.toml declares supported ranges and every package the course imports; constraints.txt
(the lock the set-up installs) pins exactly one tested version of each, inside its range;
environment.yml mirrors pyproject; the Colab pin list is Colab's."""

import ast
import importlib.metadata
import json
import sys
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.version import Version

from utils import config

ROOT = config.ROOT
ML_STACK = {
    "tensorflow",
    "tf-keras",
    "tensorflow-model-optimization",
    "tensorflow-datasets",
    "ai-edge-litert",
}
# an import name that is not its distribution's name
DISTRIBUTION_OF = {
    "tf_keras": "tf-keras",
    "tensorflow_model_optimization": "tensorflow-model-optimization",
    "tensorflow_datasets": "tensorflow-datasets",
    "ai_edge_litert": "ai-edge-litert",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "IPython": "ipykernel",
    "importlib_resources": "importlib-resources",
}


def canonical(name):
    return name.lower().replace("_", "-")


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def declared():
    project = pyproject()["project"]
    extras = project["optional-dependencies"]
    return [Requirement(r) for r in project["dependencies"] + extras["test"] + extras["book"]]


def lock():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            pins[canonical(requirement.name)] = str(requirement.specifier)
    return pins


def pip_section(env):
    return next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)


def test_environment_yml_mirrors_pyproject_and_installs_the_lock():
    section = pip_section(yaml.safe_load((ROOT / "environment.yml").read_text()))
    mirrored = {str(Requirement(r)) for r in section if not r.startswith("-")}
    assert mirrored == {str(r) for r in declared()}
    assert "-e ." in section and "-c constraints.txt" in section


def test_tensorflow_and_tf_keras_cover_2_20_and_2_21():
    ranges = {r.name: r.specifier for r in declared()}
    for name in ("tensorflow", "tf-keras"):
        for version in ("2.20.0", "2.20.1", "2.21.0"):
            assert ranges[name].contains(version), (name, version, ranges[name])
        assert not ranges[name].contains("2.19.0") and not ranges[name].contains("3.0.0")


def test_every_ml_package_has_a_range_not_a_single_version():
    ranges = {r.name: str(r.specifier) for r in declared()}
    assert ML_STACK <= ranges.keys()
    assert not any(ranges[name].startswith("==") for name in ML_STACK), ranges


def test_the_lock_pins_every_declared_package_exactly_inside_its_range():
    pins = lock()
    for requirement in declared():
        pin = pins.get(canonical(requirement.name))
        assert pin and pin.startswith("=="), f"constraints.txt does not pin {requirement.name}"
        assert requirement.specifier.contains(pin[2:]), (
            f"{requirement.name}{pin} is outside {requirement.specifier}"
        )


def test_this_venv_has_the_locked_ml_stack():
    """The set-up installed the lock (the maintainer's .venv is what the lock says)."""
    pins = lock()
    for name in ML_STACK:
        assert "==" + importlib.metadata.version(name) == pins[canonical(name)], name


def test_requires_python_is_3_11_to_3_13_and_conda_uses_one_of_them():
    from packaging.specifiers import SpecifierSet

    supported = SpecifierSet(pyproject()["project"]["requires-python"])
    assert [v for v in ("3.10", "3.11", "3.12", "3.13", "3.14") if v in supported] == [
        "3.11",
        "3.12",
        "3.13",
    ]
    conda_python = next(
        d.split("=", 1)[1]
        for d in yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
        if isinstance(d, str) and d.startswith("python=")
    )
    assert conda_python in supported


def test_the_bootstrap_installs_only_declared_kernel_packages():
    kernel = set(pyproject()["tool"]["course"]["kernel"])
    assert kernel <= {r.name for r in declared()}
    assert {"tensorflow", "tf-keras", "tensorflow-model-optimization", "ai-edge-litert"} <= kernel
    assert not kernel & {"jupyterlab", "voila", "papermill", "pytest"}


def third_party_imports():
    """Top-level modules imported by utils/, tools/ and the notebooks (not the standard library)."""
    sources = [p.read_text() for p in [*ROOT.glob("utils/**/*.py"), *ROOT.glob("tools/**/*.py")]]
    for notebook in ROOT.glob("notebooks/*.ipynb"):
        sources += [
            "".join(c["source"])
            for c in json.loads(notebook.read_text())["cells"]
            if c["cell_type"] == "code"
        ]
    names = set()
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:  # a notebook cell with IPython magic
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n not in {"utils", "tools"}}


def test_every_imported_package_is_declared():
    names = {canonical(r.name) for r in declared()}
    optional = {"google", "pip"}  # google.colab only on Colab; pip's packaging only as a fallback
    undeclared = {
        m
        for m in third_party_imports() - optional
        if canonical(DISTRIBUTION_OF.get(m, m)) not in names
    }
    assert not undeclared, f"imported but not declared in pyproject.toml: {sorted(undeclared)}"


def test_colab_pins_are_colabs_tensorflow_and_ipywidgets_inside_our_ranges():
    pins = {}
    for line in (ROOT / "tools" / "colab_pins.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonical(name)] = version
    ranges = {canonical(r.name): r.specifier for r in declared()}
    for name in (
        "tensorflow",
        "tf-keras",
        "numpy",
        "matplotlib",
        "ipywidgets",
        "tensorflow-datasets",
    ):
        assert ranges[name].contains(pins[name]), (name, pins[name])
    assert Version(pins["ipywidgets"]).major == 7  # the explorer must work with Colab's widgets
    assert "tensorflow-model-optimization" not in pins  # Colab lacks it: the bootstrap installs it
