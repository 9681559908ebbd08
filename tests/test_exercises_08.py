"""Notebook 08's checker: the deployment that meets a budget, and where it runs."""

import pytest

from test_explorer import devices, grid, payload  # noqa: F401  (the synthetic grid, the devices, the payload)
from utils import explorer
from utils.exercises import NotYet, check_deployment_choice


# On LTE the cloud misses a 60 ms p99; the edge qualifies for every variant up to 100 kB on the
# device with at least 85 % validation accuracy: the most accurate of those is 50% pruned dynamic
# (89 %, 1,000 validation images: one standard error about 1 point).
BUDGET = explorer.Settings(network="LTE", max_bytes=100_000, deadline_ms=60, min_accuracy=0.85)


def truth(grid, devices, budget=BUDGET):
    view = explorer.compute(grid, devices, budget)
    return view, explorer.best_deployment([d for pair in view.deployments for d in pair])


def test_the_budget_has_one_best_answer(grid, devices):
    view, best = truth(grid, devices)
    assert (best.variant, best.where) == ("50% pruned dynamic", "edge")


def test_the_best_deployment_is_correct(grid, devices, capsys):
    check_deployment_choice(("50% pruned dynamic", "edge"), grid, devices, BUDGET)
    out = capsys.readouterr().out
    assert "✓ Correct" in out and "50% pruned dynamic" in out and "at the edge" in out


def test_as_accurate_and_qualifying_is_correct_too(grid, devices, capsys):
    budget = explorer.Settings(network="wired edge server", max_bytes=100_000, deadline_ms=60, min_accuracy=0.85)
    view, best = truth(grid, devices, budget)
    twin = next(d for pair in view.deployments for d in pair
                if d.qualifies and d.accuracy == best.accuracy and d != best)
    check_deployment_choice((twin.variant, twin.where), grid, devices, budget)
    assert "✓ Correct" in capsys.readouterr().out


def test_a_deployment_that_misses_the_budget_says_why(grid, devices):
    with pytest.raises(NotYet, match=r"0% pruned float32 at the edge misses the budget: 400 kB is over the 100 kB"):
        check_deployment_choice(("0% pruned float32", "edge"), grid, devices, BUDGET)
    with pytest.raises(NotYet, match=r"at the cloud misses the budget: p99 .* misses the 60 ms deadline"):
        check_deployment_choice(("50% pruned dynamic", "cloud"), grid, devices, BUDGET)


def test_a_qualifying_but_less_accurate_one_names_the_better(grid, devices):
    with pytest.raises(NotYet, match=r"80% pruned int8 at the edge meets the budget, but 50% pruned dynamic .*"
                                     r"more accurate on validation \(89.0% ± 1.0% against 85.0% ± 1.1%\), by more than noise"):
        check_deployment_choice(("80% pruned int8", "edge"), grid, devices, BUDGET)


def test_one_within_noise_of_the_best_is_accepted_and_told_so(grid, devices, capsys):
    check_deployment_choice(("50% pruned int8", "edge"), grid, devices, BUDGET)  # 88 % against 89 %
    out = capsys.readouterr().out
    assert "✓ Correct" in out and "within noise of the most accurate, 50% pruned dynamic at the edge" in out


def test_the_choice_is_made_on_validation_not_test(grid, devices, capsys):
    rigged = [dict(row, test_accuracy=0.99 if row["variant"] == "80% pruned int8" else row["test_accuracy"])
              for row in grid]
    with pytest.raises(NotYet, match="but 50% pruned dynamic"):
        check_deployment_choice(("80% pruned int8", "edge"), rigged, devices, BUDGET)


def test_malformed_answers_are_explained(grid, devices):
    with pytest.raises(NotYet, match="answer a pair"):
        check_deployment_choice("50% pruned dynamic", grid, devices, BUDGET)
    with pytest.raises(NotYet, match="is not a variant of the grid"):
        check_deployment_choice(("50 % pruned dynamic", "edge"), grid, devices, BUDGET)
    with pytest.raises(NotYet, match=r'say "edge" \(on this machine\) or "cloud"'):
        check_deployment_choice(("50% pruned dynamic", "phone"), grid, devices, BUDGET)
    with pytest.raises(NotYet, match="meet the budget, e.g."):
        check_deployment_choice(None, grid, devices, BUDGET)


def test_none_when_nothing_qualifies(grid, devices, capsys):
    impossible = explorer.Settings(network="LTE", max_bytes=100_000, deadline_ms=60, min_accuracy=0.99)
    check_deployment_choice(None, grid, devices, impossible)
    assert "no deployment meets this budget" in capsys.readouterr().out
    with pytest.raises(NotYet, match="and so does every other deployment: answer None"):
        check_deployment_choice(("50% pruned dynamic", "edge"), grid, devices, impossible)
