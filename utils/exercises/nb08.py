"""Notebook 08: the checkers of the Pareto front of the variant grid (the rows no other row
dominates) and of the capstone's deployment choice (the most accurate deployment that meets a
budget and, for the capstone, the device's constraints)."""

from __future__ import annotations

from collections import Counter

from utils.exercises.base import NotYet, Unanswered, _correct


# ------------------------------------------------------------------------- the Pareto front
# Hand-made rows read through size = row["kB"] and accuracy = row["accuracy"] (not the grid's
# keys: a function that reads the grid's keys itself, ignoring size and accuracy, fails here).
def _row(name: str, kb: float, accuracy: float) -> dict:
    return {"variant": name, "kB": kb, "accuracy": accuracy}


A, B, C, D = _row("A", 10, 0.70), _row("B", 20, 0.80), _row("C", 30, 0.90), _row("D", 25, 0.75)
E, F, G = _row("E", 10, 0.90), _row("F", 20, 0.80), _row("G", 30, 0.70)
P, Q, R, T = _row("P", 20, 0.80), _row("Q", 20, 0.80), _row("R", 10, 0.70), _row("T", 30, 0.90)
S, U, V, W = _row("S", 20, 0.80), _row("U", 20, 0.75), _row("V", 30, 0.80), _row("W", 10, 0.70)
N0, N1, N2 = _row("N0", 10, 0.70), _row("N1", 15, 0.800), _row("N2", 15, 0.798)
# (name, rows in the order given, the front by hand, smallest first); each case's rows are chosen
# so that the usual wrong tests give fronts that differ from the truth and from one another, and
# a dominated row comes before the row that dominates it (which trips a running maximum)
PARETO_CASES = (
    ("one row", [A], ["A"]),
    ("an empty list", [], []),
    # each row larger and less accurate than the last: E dominates F and G (a test that takes a
    # larger size as better keeps all three)
    ("a chain", [E, F, G], ["E"]),
    # each row larger and more accurate than the last: all on the front but D, which B dominates
    # (smaller, 20 < 25 kB, and more accurate, 80 % > 75 %); accuracy alone keeps only C, size
    # alone only A
    ("a staircase", [A, B, D, C], ["A", "B", "C"]),
    # P and Q identical: neither is strictly better, so neither dominates the other (≤ and ≥
    # without a strict one drop both: R, T)
    ("a tie", [P, R, Q, T], ["R", "P", "Q", "T"]),
    # U as small as S and less accurate, V as accurate as S and larger: S dominates both (< and >
    # on both keep them)
    ("a dominated duplicate", [U, W, S, V], ["W", "S"]),
    # N2 as small as N1 and 0.2 points less accurate: within noise, but dominated all the same
    ("a difference within noise", [N0, N2, N1], ["N0", "N1"]),
)


def _hand_size(row: dict) -> float:
    return row["kB"]


def _hand_accuracy(row: dict) -> float:
    return row["accuracy"]


def _run_front(fn, rows: list[dict], size, accuracy, case: str) -> list:
    """The student's front of ``rows``, with the mistakes of form named: an exception, the
    caller's list changed, something other than a list of the rows returned."""
    given = list(rows)
    before = [(id(row), dict(row)) for row in given]
    try:
        result = fn(given, size, accuracy)
    except Unanswered:
        raise
    except Exception as error:  # the student's code: any exception is an answer to explain
        hint = ""
        if isinstance(error, KeyError):
            hint = (
                " It read a key this hand-made row does not have: read a row only through "
                "size(row) and accuracy(row) (the checker also passes latency as the size)."
            )
        elif not rows:
            hint = " The front of no rows is the empty list."
        raise NotYet(
            f"on {case}, pareto_front raised {type(error).__name__}: {error}.{hint}"
        ) from None
    if [(id(row), dict(row)) for row in given] != before:
        raise NotYet(
            f"on {case}, pareto_front reordered or changed the list it was given (rows.sort() "
            "sorts the caller's grid in place, and every cell after it would see that): sort a "
            "copy, sorted(rows, key=...)."
        )
    if result is None:
        raise NotYet(f"on {case}, pareto_front returned None: return the list of front rows.")
    if isinstance(result, (str, bytes, dict)) or not hasattr(result, "__iter__"):
        raise NotYet(f"on {case}, pareto_front returned {result!r}: return a list of rows.")
    result = list(result)
    for item in result:
        if isinstance(item, int) and not isinstance(item, bool):
            raise NotYet(
                f"on {case}, pareto_front returned indices ({result!r}): return the rows "
                "themselves (rows[i]), which the explorer can draw and name."
            )
        if isinstance(item, (tuple, list)):
            raise NotYet(
                f"on {case}, pareto_front returned {type(item).__name__}s such as {item!r}, not "
                "rows: sorting (size, accuracy) pairs throws the rows away; keep the rows and "
                "sort them with key=."
            )
        if not isinstance(item, dict) or item not in rows:
            raise NotYet(
                f"on {case}, pareto_front returned {item!r}, which is not one of the rows it was "
                "given: return the rows themselves, unchanged."
            )
    return result


def _describe(row: dict, size, accuracy, unit: str, scale: float) -> str:
    from utils import explorer

    return f"{row['variant']} ({explorer.number(size(row) / scale)} {unit}, {accuracy(row):.1%})"


# half a point: within noise on the course's validation split (1,000 images in the full profile:
# two standard errors of a difference of two accuracies near 90 % are about 2.7 points)
HAIR = 0.005


def _front_mistake(case: str, rows: list, result: list, truth: list, size, accuracy, say) -> str:
    """One sentence naming what is wrong with the student's front ``result`` of ``rows`` (the
    true front: ``truth``). ``say(row)`` describes a row."""
    from utils import explorer

    def names(front):
        return Counter(row["variant"] for row in front)

    got, want = names(result), names(truth)
    if not rows:
        return ""  # _run_front let through only rows of ``rows``: none
    if not result:
        return (
            f"on {case}, your front is empty: a row never dominates itself nor a row just like "
            "it (dominating needs strictly better in one of the two), so some row is always on "
            "the front."
        )
    most, least = max(map(accuracy, rows)), min(map(size, rows))
    shortcuts = (  # the fronts of the usual wrong tests, where they differ from the truth here
        (
            [row for row in rows if accuracy(row) == most],
            "domination tested on accuracy alone: a row is dominated only by one that is no "
            "larger AND no less accurate",
        ),
        (
            [row for row in rows if size(row) == least],
            "domination tested on size alone: a row is dominated only by one that is no larger "
            "AND no less accurate",
        ),
        (
            explorer.pareto_front(rows, lambda row: -size(row), accuracy),
            "a larger size treated as better: the smaller the better, so a row dominates "
            "when it is no LARGER and no less accurate",
        ),
    )
    for front, mistake in shortcuts:
        if names(front) != want and names(front) == got:
            kept = ", ".join(say(row) for row in result)
            return f"on {case}, your front is {kept}: {mistake}."
    extra = [row for row in rows if got[row["variant"]] > want[row["variant"]]]
    missing = [row for row in rows if got[row["variant"]] < want[row["variant"]]]
    if extra:
        row = extra[0]
        by = next(o for o in rows if explorer.dominates(o, row, size, accuracy))
        if size(by) == size(row) and accuracy(by) - accuracy(row) < HAIR:
            return (
                f"on {case}, your front keeps {say(row)}, which {say(by)} dominates: as small "
                "and more accurate, if only within noise. The front compares the measured "
                "accuracies; which of its members noise cannot tell apart is a second question "
                "(explorer.within_noise)."
            )
        if size(by) == size(row) or accuracy(by) == accuracy(row):
            return (
                f"on {case}, your front keeps {say(row)}, which {say(by)} dominates: equal on "
                "one axis and better on the other is enough. Dominating is ≤ on size and ≥ on "
                "accuracy with one of the two strict; < and > on both keep such rows."
            )
        return (
            f"on {case}, your front keeps {say(row)}, which {say(by)} dominates (smaller and "
            "more accurate)."
        )
    if missing:
        row = missing[0]
        twin = next(
            (
                o
                for o in rows
                if o is not row and size(o) == size(row) and accuracy(o) == accuracy(row)
            ),
            None,
        )
        if twin is not None:
            return (
                f"on {case}, your front drops {say(row)}, tied with {twin['variant']}: identical "
                "rows do not dominate each other (neither is strictly better), so keep both. "
                "≤ and ≥ without 'strictly better in one' drop both; a running maximum "
                "with > drops the second."
            )
        return f"on {case}, your front misses {say(row)}, which no row dominates."
    return ""  # the same rows


def _check_front(fn, case, rows, size, accuracy, say, other=None) -> list:
    """The student's front of ``rows``, or NotYet naming the first mistake; ``other``: the
    true front on another size, which a function ignoring its ``size`` returns."""
    from utils import explorer

    result = _run_front(fn, rows, size, accuracy, case)
    truth = explorer.pareto_front(rows, size, accuracy)
    got = [row["variant"] for row in result]
    if other is not None and got == [row["variant"] for row in other] != [
        row["variant"] for row in truth
    ]:
        raise NotYet(
            f"on {case}, your front is the one against memory: pareto_front ignores its size "
            "argument; read a row's size only through size(row)."
        )
    mistake = _front_mistake(case, rows, result, truth, size, accuracy, say)
    if mistake:
        raise NotYet(mistake)
    sizes = [size(row) for row in result]
    if sizes != sorted(sizes):
        raise NotYet(
            f"on {case}, your front holds the right rows but not smallest first "
            f"({', '.join(row['variant'] for row in result)}): sort them by size, which is "
            "how the explorer draws the front, left to right."
        )
    return result


def check_pareto_front(pareto_front, grid: list[dict]) -> None:
    """Notebook 08: the student's ``pareto_front(rows, size, accuracy)`` must return the rows no
    other row dominates (no larger, no less accurate, strictly better in one), smallest first,
    as the rows themselves, leaving ``rows`` as it was. Identical rows are both kept (neither
    dominates the other); accuracies within noise are compared as measured (noise decides
    nothing about the front: ``explorer.within_noise`` is asked of its members afterwards).
    Run on hand-made cases (:data:`PARETO_CASES`), then on ``grid`` against device bytes and
    against latency, compared with ``explorer.pareto_front``; the first mistake is named."""
    from utils import explorer

    if not callable(pareto_front):
        raise NotYet("pareto_front should be a function of (rows, size, accuracy), not a list.")

    def hand(row):
        return _describe(row, _hand_size, _hand_accuracy, "kB", 1)

    for case, rows, _ in PARETO_CASES:
        _check_front(pareto_front, case, rows, _hand_size, _hand_accuracy, hand)

    from utils.explorer.variants import LATENCY_KEY

    def latency(row):  # one image, one thread, measured here in LiteRT
        return row[LATENCY_KEY]

    accuracy = explorer.validation_accuracy
    memory = _check_front(
        pareto_front,
        "the variant grid (memory on the device)",
        grid,
        explorer.device_bytes,
        accuracy,
        lambda row: _describe(row, explorer.device_bytes, accuracy, "kB", 1000),
    )
    fast = _check_front(
        pareto_front,
        "the variant grid (latency)",
        grid,
        latency,
        accuracy,
        lambda row: _describe(row, latency, accuracy, "ms", 1),
        other=explorer.pareto_front(grid),
    )
    _correct(
        f"{len(PARETO_CASES)} hand-made cases (ties kept, dominated rows dropped) and the grid: "
        f"{len(memory)} of its {len(grid)} variants are on the front against memory on the "
        f"device, from {memory[0]['variant']} to {memory[-1]['variant']}; {len(fast)} against "
        "latency."
    )


# ------------------------------------------------------------------------- the capstone
def _deployment_hint(chosen, row: dict, constraints) -> str:
    """What a deployment that misses the capstone's constraints tells about the mistake behind
    it."""
    from utils import explorer

    if (
        chosen.where == explorer.CLOUD
        or constraints is None
        or chosen.size_bytes <= constraints.ram_bytes
    ):
        return ""
    if row["file_bytes"] <= constraints.ram_bytes:
        return (
            f" The file alone ({explorer.number(row['file_bytes'] / 1000)} kB) would fit, but "
            f"the interpreter also holds {explorer.number(row['activation_bytes'] / 1000)} kB "
            "of activations while it runs: count both."
        )
    if row["gzip_bytes"] <= constraints.ram_bytes:
        return (
            f" Its gzipped download ({explorer.number(row['gzip_bytes'] / 1000)} kB) would "
            "fit, but the device stores and runs the file uncompressed."
        )
    return ""


def check_deployment_choice(
    choice, grid: list[dict], devices: dict, budget, constraints=None
) -> None:
    """Notebook 08: the most accurate deployment on validation that meets ``budget``
    (explorer.Settings) and, for the capstone, ``constraints`` (explorer.Constraints: an
    int8-only device, the app's RAM, a monthly data plan), as ``(variant, "edge" or "cloud")``, or
    None when none does. A qualifying deployment within noise of the most accurate one is accepted
    too. The typical mistakes are named: a float model on an int8-only device, the file or the
    download counted instead of file + activations, a cloud stream over the data plan, a choice
    made on the test split."""
    from utils import explorer

    view = explorer.compute(grid, devices, budget)
    if constraints is not None:
        view = explorer.constrain(view, constraints)
    every = {(d.variant, d.where): d for pair in view.deployments for d in pair}
    qualifying = [d for d in every.values() if d.qualifies]
    places = f'"edge" (on {view.edge.place}) or "cloud" ({view.cloud.place})'
    if choice is None:
        if not qualifying:
            _correct("no deployment meets this budget; loosen one of its limits.")
            return
        raise NotYet(
            f"{len(qualifying)} deployment(s) meet the budget, e.g. "
            f"{qualifying[0].variant!r} at the {qualifying[0].where}: answer the most "
            "accurate as (variant, where)."
        )
    if not isinstance(choice, (tuple, list)) or len(choice) != 2:
        raise NotYet(
            f'answer a pair (variant, where), e.g. ({grid[0]["variant"]!r}, "edge"); '
            f"got {choice!r}."
        )
    variant, where = choice
    if variant not in {row["variant"] for row in grid}:
        raise NotYet(
            f"{variant!r} is not a variant of the grid; use a name from its 'variant' "
            f"column, e.g. {grid[0]['variant']!r}."
        )
    if where not in (explorer.EDGE, explorer.CLOUD):
        raise NotYet(f"where is {where!r}; say {places}.")
    chosen = every[variant, where]
    if not qualifying:
        raise NotYet(
            f"{variant} at the {where} misses the budget ({'; '.join(chosen.reasons)}), "
            "and so does every other deployment: answer None."
        )
    if not chosen.qualifies:
        row = next(r for r in grid if r["variant"] == variant)
        raise NotYet(
            f"{variant} at the {where} misses the budget: {'; '.join(chosen.reasons)}."
            + _deployment_hint(chosen, row, constraints)
        )
    best = view.best
    tied = chosen.accuracy >= best.accuracy or explorer.within_noise(
        chosen.accuracy, chosen.accuracy_se, best.accuracy, best.accuracy_se
    )
    if not tied:
        on_test = (
            chosen.test_accuracy is not None
            and best.test_accuracy is not None
            and chosen.test_accuracy > best.test_accuracy
        )
        raise NotYet(
            f"{variant} at the {where} meets the budget, but {best.variant} at the "
            f"{best.where} does too and is more accurate on validation "
            f"({explorer.percent(best.accuracy, best.accuracy_se)} against "
            f"{explorer.percent(chosen.accuracy, chosen.accuracy_se)}), by more than "
            "noise."
            + (
                " Yours is ahead on the test split: choose on validation, and read the "
                "test split once, after choosing, or its figure is no longer an unbiased "
                "estimate."
                if on_test
                else ""
            )
        )
    size = (
        f"{explorer.number(chosen.size_bytes / 1000)} kB on the device"
        if where == explorer.EDGE
        else "the model stays on the server"
    )
    note = (
        ""
        if chosen.accuracy >= best.accuracy
        else (
            f" It is within noise of the most accurate, {best.variant} at the {best.where} "
            f"({explorer.percent(best.accuracy, best.accuracy_se)}): "
            "the validation split cannot tell them apart."
        )
    )
    _correct(
        f"{variant}, running at the {where} ({chosen.place}): {size}, p99 "
        f"{explorer.number(chosen.p99_ms)} ms, validation accuracy "
        f"{explorer.percent(chosen.accuracy, chosen.accuracy_se)}.{note}"
    )
