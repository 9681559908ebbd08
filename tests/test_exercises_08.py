"""Notebook 08's checkers: the Pareto front of the variant grid, and the deployment that meets a
budget and where it runs."""

import pytest

# the synthetic grid, the devices, the payload
from explorer_grid import CONSTRAINED, CONSTRAINTS, devices, grid, payload, with_npu  # noqa: F401
from utils import explorer
from utils.exercises import NotYet, Unanswered, check_deployment_choice, check_pareto_front
from utils.exercises.nb08 import PARETO_CASES


# ---------------------------------------- the Pareto front: the solution and the wrong answers
def front_by(beats):
    """A pareto_front that keeps the rows no row ``beats(o, r, size, accuracy)``, smallest first."""

    def pareto_front(rows, size, accuracy):
        front = [r for r in rows if not any(beats(o, r, size, accuracy) for o in rows)]
        return sorted(front, key=size)

    return pareto_front


# no larger, no less accurate, strictly better in one
solution = front_by(
    lambda o, r, s, a: s(o) <= s(r) and a(o) >= a(r) and (s(o) < s(r) or a(o) > a(r))
)
one_axis_accuracy = front_by(lambda o, r, s, a: a(o) > a(r))
one_axis_size = front_by(lambda o, r, s, a: s(o) < s(r))
larger_is_better = front_by(
    lambda o, r, s, a: s(o) >= s(r) and a(o) >= a(r) and (s(o) > s(r) or a(o) > a(r))
)
# ≤ and ≥ with no strict one: identical rows drop each other; without `o is not r`, every row
# drops itself
non_strict = front_by(lambda o, r, s, a: o is not r and s(o) <= s(r) and a(o) >= a(r))
non_strict_itself = front_by(lambda o, r, s, a: s(o) <= s(r) and a(o) >= a(r))
strict_both = front_by(lambda o, r, s, a: s(o) < s(r) and a(o) > a(r))  # equal on one: kept
# a tolerance of a point: a row is dominated only by one at least a point more accurate
within_a_point_as_tie = front_by(lambda o, r, s, a: s(o) <= s(r) and a(o) >= a(r) + 0.01)


def running_max(rows, size, accuracy, keep=lambda a, best: a > best):
    front, best = [], -1.0
    for r in sorted(rows, key=size):
        if keep(accuracy(r), best):
            front.append(r)
            best = accuracy(r)
    return front


def running_max_or_equal(rows, size, accuracy):
    return running_max(rows, size, accuracy, keep=lambda a, best: a >= best)


def test_the_hand_made_cases_fronts_are_the_course_s():
    # each case's front by hand (the comments beside PARETO_CASES) is explorer.pareto_front's
    for case, rows, by_hand in PARETO_CASES:
        course = explorer.pareto_front(rows, lambda r: r["kB"], lambda r: r["accuracy"])
        assert [r["variant"] for r in course] == by_hand, case


def test_the_solution_and_the_course_s_function_are_correct(grid, capsys):
    check_pareto_front(solution, grid)
    out = capsys.readouterr().out
    # the synthetic grid's front against memory (explorer_grid.make_grid, size = 400 kB × format
    # scale × (1 − 0.8 × sparsity)): 90 % int8 (28 kB, 69 %), 90 % dynamic (29.1 kB, 70 %),
    # 80 % int8 (36 kB, 85 %), 80 % dynamic (37.4 kB, 86 %), 50 % int8 (60 kB, 88 %), 50 %
    # dynamic (62.4 kB, 89 %), dense dynamic (104 kB, 90 %): 7 of 20
    assert "✓ Correct" in out and "7 of its 20 variants" in out
    assert "from 90% pruned int8 to 0% pruned dynamic" in out
    check_pareto_front(explorer.pareto_front, grid)
    assert "✓ Correct" in capsys.readouterr().out


def test_a_unanswered_exercise_stops_with_its_own_one_line(grid):
    def unanswered(rows, size, accuracy):
        raise Unanswered()

    with pytest.raises(Unanswered):
        check_pareto_front(unanswered, grid)


@pytest.mark.parametrize(
    "wrong, words",
    [
        # the staircase A (10 kB, 70 %), B (20, 80), D (25, 75), C (30, 90): accuracy alone keeps C
        (
            one_axis_accuracy,
            r"on a staircase, your front is C \(30 kB, 90.0%\): domination tested "
            "on accuracy alone",
        ),
        (
            one_axis_size,
            r"on a staircase, your front is A \(10 kB, 70.0%\): domination tested on "
            "size alone",
        ),
        # the chain E (10, 90), F (20, 80), G (30, 70): larger-is-better keeps all three
        (
            larger_is_better,
            r"on a chain, your front is E .*F .*G .*: a larger size treated as "
            "better",
        ),
        # the tie P = Q (20 kB, 80 %): both dropped, or the second
        (
            non_strict,
            r"on a tie, your front drops P \(20 kB, 80.0%\), tied with Q: identical rows "
            "do not dominate each other",
        ),
        (
            running_max,
            r"on a tie, your front drops Q .*, tied with P: .*a running maximum with > "
            "drops the second",
        ),
        (non_strict_itself, r"on one row, your front is empty: a row never dominates itself"),
        # the dominated duplicate U (20 kB, 75 %) before S (20 kB, 80 %), V (30 kB, 80 %)
        (
            strict_both,
            r"on a dominated duplicate, your front keeps U \(20 kB, 75.0%\), which S "
            r"\(20 kB, 80.0%\) dominates: equal on one axis and better on the other is enough",
        ),
        (running_max_or_equal, r"on a dominated duplicate, your front keeps U .*equal on one axis"),
        (
            within_a_point_as_tie,
            r"on a dominated duplicate, your front keeps V \(30 kB, 80.0%\), "
            "which S",
        ),
    ],
)
def test_a_wrong_domination_test_is_named(grid, wrong, words):
    with pytest.raises(NotYet, match=words):
        check_pareto_front(wrong, grid)


def test_noise_does_not_move_a_row_off_the_front(grid):
    # as small and within half a point: taken for a tie
    noise_at_equal_size = front_by(
        lambda o, r, s, a: s(o) <= s(r) and a(o) >= a(r) and (s(o) < s(r) or a(o) > a(r) + 0.005)
    )
    # N2 (15 kB, 79.8 %) against N1 (15 kB, 80.0 %): 0.2 points, within noise, still dominated
    with pytest.raises(
        NotYet,
        match=r"on a difference within noise, your front keeps N2 \(15 kB, 79.8%\), which N1 "
        r"\(15 kB, 80.0%\) dominates: as small and more accurate, if only within noise.*"
        r"explorer.within_noise",
    ):
        check_pareto_front(noise_at_equal_size, grid)


def test_sorting_that_destroys_the_rows_is_named(grid):
    def sorts_in_place(rows, size, accuracy):
        rows.sort(key=lambda r: -accuracy(r))
        return solution(rows, size, accuracy)

    def pairs(rows, size, accuracy):
        return sorted((size(r), accuracy(r)) for r in solution(rows, size, accuracy))

    def unsorted(rows, size, accuracy):
        return solution(rows, size, accuracy)[::-1]

    with pytest.raises(NotYet, match=r"reordered or changed the list it was given \(rows.sort\(\)"):
        check_pareto_front(sorts_in_place, grid)
    with pytest.raises(NotYet, match=r"returned tuples such as \(10, 0.7\), not rows"):
        check_pareto_front(pairs, grid)
    with pytest.raises(NotYet, match=r"the right rows but not smallest first \(C, B, A\)"):
        check_pareto_front(unsorted, grid)


def test_indices_instead_of_rows_are_named(grid):
    def indices(rows, size, accuracy):
        front = solution(rows, size, accuracy)
        return [i for i, r in enumerate(rows) if r in front]

    with pytest.raises(
        NotYet,
        match=r"on one row, pareto_front returned indices \(\[0\]\): "
        r"return the rows themselves",
    ):
        check_pareto_front(indices, grid)


def test_fixed_keys_and_an_ignored_size_are_named(grid):
    def fixed_keys(rows, size, accuracy):
        return solution(rows, explorer.device_bytes, explorer.validation_accuracy)

    with pytest.raises(NotYet, match=r"raised KeyError: 'file_bytes'. .*only through size\(row\)"):
        check_pareto_front(fixed_keys, grid)

    def ignores_size_on_the_grid(rows, size, accuracy):  # right on the hand-made rows only
        return (
            solution(rows, size if "kB" in rows[0] else explorer.device_bytes, accuracy)
            if (rows)
            else []
        )

    # the synthetic grid's latency front (p50: 2 ms × speed, filters 1 ms) is not its memory front
    with pytest.raises(
        NotYet,
        match=r"grid \(latency\), your front is the one against memory: "
        "pareto_front ignores its size argument",
    ):
        check_pareto_front(ignores_size_on_the_grid, grid)


def test_a_dominated_variant_of_the_grid_is_named_in_kilobytes(grid):
    def keeps_dense_int8(rows, size, accuracy):  # right, plus the 0 % int8 on the grid
        front = solution(rows, size, accuracy)
        extra = [r for r in rows if r.get("variant") == "0% pruned int8" and r not in front]
        return sorted(front + extra, key=size) if size is explorer.device_bytes else front

    # 0 % int8: 100 kB, 89 %; 50 % dynamic: 62.4 kB, 89 %: as accurate and smaller
    with pytest.raises(
        NotYet,
        match=r"on the variant grid \(memory on the device\), your front keeps 0% pruned int8 "
        r"\(100 kB, 89.0%\), which 50% pruned dynamic \(62.4 kB, 89.0%\) dominates",
    ):
        check_pareto_front(keeps_dense_int8, grid)


def test_not_a_function_is_named(grid):
    with pytest.raises(NotYet, match="should be a function"):
        check_pareto_front(explorer.pareto_front(grid), grid)


# ---------------------------------------- the deployment that meets a budget


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
    budget = explorer.Settings(
        network="wired edge server", max_bytes=100_000, deadline_ms=60, min_accuracy=0.85
    )
    view, best = truth(grid, devices, budget)
    twin = next(
        d
        for pair in view.deployments
        for d in pair
        if d.qualifies and d.accuracy == best.accuracy and d != best
    )
    check_deployment_choice((twin.variant, twin.where), grid, devices, budget)
    assert "✓ Correct" in capsys.readouterr().out


def test_a_deployment_that_misses_the_budget_says_why(grid, devices):
    with pytest.raises(
        NotYet, match=r"0% pruned float32 at the edge misses the budget: 400 kB is over the 100 kB"
    ):
        check_deployment_choice(("0% pruned float32", "edge"), grid, devices, BUDGET)
    with pytest.raises(
        NotYet, match=r"at the cloud misses the budget: p99 .* misses the 60 ms deadline"
    ):
        check_deployment_choice(("50% pruned dynamic", "cloud"), grid, devices, BUDGET)


def test_a_qualifying_but_less_accurate_one_names_the_better(grid, devices):
    with pytest.raises(
        NotYet,
        match=r"80% pruned int8 at the edge meets the budget, but 50% pruned dynamic .*"
        r"more accurate on validation \(89.0% ± 1.0% against 85.0% ± 1.1%\), by more than noise",
    ):
        check_deployment_choice(("80% pruned int8", "edge"), grid, devices, BUDGET)


def test_one_within_noise_of_the_best_is_accepted_and_told_so(grid, devices, capsys):
    check_deployment_choice(("50% pruned int8", "edge"), grid, devices, BUDGET)  # 88 % against 89 %
    out = capsys.readouterr().out
    assert (
        "✓ Correct" in out
        and "within noise of the most accurate, 50% pruned dynamic at the edge" in out
    )


def test_the_choice_is_made_on_validation_not_test(grid, devices, capsys):
    rigged = [
        dict(
            row, test_accuracy=0.99 if row["variant"] == "80% pruned int8" else row["test_accuracy"]
        )
        for row in grid
    ]
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
    impossible = explorer.Settings(
        network="LTE", max_bytes=100_000, deadline_ms=60, min_accuracy=0.99
    )
    check_deployment_choice(None, grid, devices, impossible)
    assert "no deployment meets this budget" in capsys.readouterr().out
    with pytest.raises(NotYet, match="and so does every other deployment: answer None"):
        check_deployment_choice(("50% pruned dynamic", "edge"), grid, devices, impossible)


# ---------------------------------------- the capstone: constraints the explorer's budget lacks
# An int8-only NPU, 55 kB of RAM, a 1 GB data plan (test_explorer.CONSTRAINED, CONSTRAINTS): the
# answer is 80% pruned int8 at the edge (36 kB, 85 %); the cloud is over the plan (124.4 GB a
# month).


def test_the_capstone_answer_is_correct(grid, with_npu, capsys):
    check_deployment_choice(("80% pruned int8", "edge"), grid, with_npu, CONSTRAINED, CONSTRAINTS)
    assert (
        "✓ Correct: 80% pruned int8, running at the edge (NPU): 36 kB on the device"
        in capsys.readouterr().out
    )


def test_a_float_model_on_an_int8_only_device_is_named(grid, with_npu, devices):
    with pytest.raises(
        NotYet, match=r"NPU accepts only full-int8 models, and this one is dynamic-range"
    ):
        check_deployment_choice(
            ("50% pruned dynamic", "edge"), grid, with_npu, CONSTRAINED, CONSTRAINTS
        )
    pixel = explorer.Settings(
        device="phone (Pixel 4)", network="wired edge server", deadline_ms=60, min_accuracy=0.8
    )
    with pytest.raises(
        NotYet, match=r"phone \(Pixel 4\) accepts only full-int8 models, and this one is float16"
    ):
        check_deployment_choice(("80% pruned float16", "edge"), grid, devices, pixel, CONSTRAINTS)


def test_a_variant_over_the_ram_limit_names_what_was_counted(grid, with_npu):
    # 50% pruned int8: 60 kB = 48 kB file + 12 kB activations; the file alone fits in 55 kB
    with pytest.raises(
        NotYet,
        match=r"60 kB \(file \+ peak activations\) is over the 55 kB of RAM.*"
        r"The file alone \(48 kB\) would fit, but the interpreter also holds 12 kB",
    ):
        check_deployment_choice(
            ("50% pruned int8", "edge"), grid, with_npu, CONSTRAINED, CONSTRAINTS
        )
    # dense int8: 100 kB = 80 kB file (over) + 20 kB; its gzip download, 40 kB, fits
    with pytest.raises(
        NotYet, match=r"Its gzipped download \(40 kB\) would fit, but the device stores and runs"
    ):
        check_deployment_choice(
            ("0% pruned int8", "edge"), grid, with_npu, CONSTRAINED, CONSTRAINTS
        )


def test_a_cloud_stream_over_the_data_plan_is_named(grid, with_npu):
    with pytest.raises(
        NotYet,
        match=r"0% pruned float32 at the cloud misses the budget: uploading 124.4 GB a month "
        r"at 30 frames/s is over the 1 GB data plan",
    ):
        check_deployment_choice(
            ("0% pruned float32", "cloud"), grid, with_npu, CONSTRAINED, CONSTRAINTS
        )


def test_the_budget_alone_is_not_the_capstone_answer(grid, with_npu):
    unconstrained = explorer.compute(grid, with_npu, CONSTRAINED).best
    with pytest.raises(NotYet, match="misses the budget"):
        check_deployment_choice(
            (unconstrained.variant, unconstrained.where), grid, with_npu, CONSTRAINED, CONSTRAINTS
        )


def test_a_choice_made_on_test_is_named(grid, with_npu):
    rigged = [
        dict(
            row,
            test_accuracy=0.99
            if row["variant"] == "50% filters removed int8"
            else row["test_accuracy"],
        )
        for row in grid
    ]  # fits (50 kB) and qualifies, but 80 % on validation against 85 %
    with pytest.raises(
        NotYet,
        match=r"but 80% pruned int8 at the edge does too.*Yours is ahead on the test split: "
        r"choose on validation",
    ):
        check_deployment_choice(
            ("50% filters removed int8", "edge"), rigged, with_npu, CONSTRAINED, CONSTRAINTS
        )
    with pytest.raises(
        NotYet
    ) as unrigged:  # the same choice, not ahead on test: no word about test
        check_deployment_choice(
            ("50% filters removed int8", "edge"), grid, with_npu, CONSTRAINED, CONSTRAINTS
        )
    assert "test split" not in str(unrigged.value)


def test_none_is_right_only_when_the_constraints_leave_nothing(grid, with_npu, capsys):
    with pytest.raises(NotYet, match="meet the budget, e.g."):
        check_deployment_choice(None, grid, with_npu, CONSTRAINED, CONSTRAINTS)
    tiny = explorer.Constraints(int8_only=True, ram_bytes=10_000, monthly_gb=1)
    check_deployment_choice(None, grid, with_npu, CONSTRAINED, tiny)
    assert "no deployment meets this budget" in capsys.readouterr().out
