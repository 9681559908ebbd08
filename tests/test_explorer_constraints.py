"""Notebook 08: the capstone's constraints (utils/explorer/constraints.py) on the synthetic grid:
their reasons, the choice made again, and bad constraints."""

import math

import pytest

from explorer_grid import (
    CONSTRAINED,
    CONSTRAINTS,
    devices,  # noqa: F401
    grid,  # noqa: F401
    payload,  # noqa: F401
    with_npu,  # noqa: F401
)
from utils import explorer


def test_constraints_add_their_reasons_and_choose_again(grid, with_npu):
    view = explorer.compute(grid, with_npu, CONSTRAINED)
    # without the constraints the cloud wins (most accurate, any size)
    assert view.best.where == "cloud"
    constrained = explorer.constrain(view, CONSTRAINTS)
    assert (constrained.best.variant, constrained.best.where) == ("80% pruned int8", "edge")
    # filters removed: 80 % against 85 %, 5 points > 2 SE of the difference
    assert constrained.within_noise == []
    assert math.isclose(view.monthly_gigabytes, 1_600 * 30 * 86_400 * 30 / 1e9)
    for edge, cloud in constrained.deployments:
        assert any("over the 1 GB data plan" in r for r in cloud.reasons)
        assert any("of RAM the app may use" in r for r in edge.reasons) == (
            edge.size_bytes > 55_000
        )
    assert constrained.settings == view.settings and constrained.chosen == view.chosen


def test_constraints_on_a_device_without_the_flag_still_refuse_float_models(grid, devices):
    view = explorer.constrain(
        explorer.compute(grid, devices, explorer.Settings(network="LTE")),
        explorer.Constraints(int8_only=True),
    )
    edges = [edge for edge, _ in view.deployments]
    assert all(
        any("accepts only full-int8" in r for r in e.reasons) == (e.format != "int8") for e in edges
    )


def test_no_constraints_change_nothing(grid, devices):
    view = explorer.compute(grid, devices, explorer.Settings(network="LTE", deadline_ms=1000))
    assert explorer.constrain(view, explorer.Constraints()) == view


@pytest.mark.parametrize(
    "bad", [dict(ram_bytes=0), dict(monthly_gb=-1), dict(ram_bytes=float("nan"))]
)
def test_bad_constraints_say_what_is_wrong(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        explorer.Constraints(**bad)
