"""Notebook 08: the checker of the capstone's deployment choice (the most accurate
deployment that meets a budget and, for the capstone, the device's constraints)."""

from __future__ import annotations

from utils.exercises.base import NotYet, _correct


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
