"""Notebook 08: the explorer's generated text (utils/explorer/sentences.py, budget.py): a variant
in words, the decision with its ties, and the budget table."""

from explorer_grid import FORMATS, PAYLOAD, devices, grid, make_row, payload  # noqa: F401
from utils import explorer


# ---------------------------------------------------------------- a variant in words


def test_describe_variant_counts_file_and_activations_and_shows_the_download():
    text = explorer.describe_variant(make_row("magnitude", 0.5, "int8", 0.9, 100_000))
    assert (
        "100 kB on the device (80 kB file + 20 kB peak activations), 40 kB download (gzip)" in text
    )


def test_a_grid_without_a_novel_split_works(devices):
    rows = [
        make_row("magnitude", s, f, 0.9 - s / 10, int(300_000 * (1 - s / 2)), novel=False)
        for s in (0.0, 0.5)
        for f in FORMATS
    ]
    view = explorer.compute(rows, devices, explorer.Settings(sparsity=0.5, format="int8"))
    assert "novel" not in view.summary()[0]
    assert "novel" not in explorer.budget_table(view)
    assert explorer.SizeAccuracyPlot(rows).png(view).startswith(b"\x89PNG")


# ---------------------------------------------------------------- the decision and the budget table


def test_ties_name_other_variants_within_noise_of_the_best(grid, devices):
    settings = explorer.Settings(
        network="LTE", max_bytes=100_000, deadline_ms=60, min_accuracy=0.5, payload_bytes=PAYLOAD
    )
    view = explorer.compute(grid, devices, settings)
    best = view.best
    assert best is not None and best.where == "edge"
    assert view.within_noise and all(
        d.qualifies and d.variant != best.variant for d in view.within_noise
    )
    assert len({d.variant for d in view.within_noise}) == len(view.within_noise)
    qualifying = [
        d for pair in view.deployments for d in pair if d.qualifies and d.variant != best.variant
    ]
    for d in qualifying:
        close = explorer.within_noise(d.accuracy, d.accuracy_se, best.accuracy, best.accuracy_se)
        assert close == (d.variant in {t.variant for t in view.within_noise})
    decided = explorer.decision(view, grid)
    text = decided.text
    assert f"Best: {best.variant} at the edge" in text and "Within noise of it" in text
    # one sentence shown (the best and how many tie with it); the ties and the test fold beneath
    tied = len(view.within_noise)
    assert decided.headline.endswith(f"; {tied} other{'s' if tied > 1 else ''} within noise of it.")
    assert "Within noise of it" in decided.details and "test accuracy" in decided.details
    assert text.count(" ± ") <= 2 + explorer.SHOW_TIED
    assert "test accuracy" in text and "reported once" in text and "1,000 images" in text
    assert "within noise of it on validation" in explorer.budget_table(view)


def test_a_clear_winner_has_no_ties(grid, devices):
    sure = [dict(row, validation_images=10**7) for row in grid]  # tiny standard errors
    budget = explorer.Settings(network="LTE", max_bytes=100_000, deadline_ms=60)
    view = explorer.compute(sure, devices, budget)
    assert view.best is not None and view.within_noise  # the synthetic grid has exact ties...
    assert all(d.accuracy == view.best.accuracy for d in view.within_noise)  # ...and only those
    tied = {d.variant for d in view.within_noise}
    alone = explorer.compute([row for row in sure if row["variant"] not in tied], devices, budget)
    assert alone.best == view.best and alone.within_noise == []
    assert "No other qualifying variant is within noise" in explorer.decision(alone).text
    nothing = explorer.compute(grid, devices, explorer.Settings(min_accuracy=0.99))
    assert "No deployment meets this budget" in explorer.decision(nothing).text


def test_a_long_list_of_ties_is_cut_and_counted(grid, devices):
    # large standard errors: nearly all tied
    vague = [dict(row, validation_images=20) for row in grid]
    view = explorer.compute(vague, devices, explorer.Settings(network="LTE", deadline_ms=1000))
    assert len(view.within_noise) > explorer.SHOW_TIED
    text = explorer.decision(view).text
    assert f"and {len(view.within_noise) - explorer.SHOW_TIED} more (see the budget table)" in text
    assert all(d.variant in explorer.budget_table(view) for d in view.within_noise)


def test_budget_table_lists_every_variant_at_the_edge_and_in_the_cloud(grid, devices):
    settings = explorer.Settings(
        network="LTE", max_bytes=30_000, deadline_ms=1000, min_accuracy=0.85
    )
    view = explorer.compute(grid, devices, settings)
    table = explorer.budget_table(view)
    assert all(row["variant"] in table for row in grid)
    assert table.count("<tr>") == len(grid) + 1
    assert table.count("✓ qualifies") == sum(d.qualifies for pair in view.deployments for d in pair)
    assert f"<b>{view.best.variant}</b>" in table
