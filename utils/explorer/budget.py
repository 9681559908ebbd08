"""Notebook 08: the budget's outcome in words, generated from the numbers: the decision (the best
deployment, the others within noise of it, its test accuracy reported once) and the budget table.
"""

from __future__ import annotations

import html
import math

from utils import verdicts
from utils.explorer.model import EDGE, Deployment, View
from utils.explorer.sentences import percent
from utils.explorer.variants import NOISE_SE, TEST_KEY, accuracy_se, number

SHOW_TIED = 4  # variants within noise named in a decision; the rest are counted


def _at(d: Deployment) -> str:
    return "at the edge" if d.where == EDGE else "in the cloud"


def decision(view: View, grid: list[dict] | None = None) -> verdicts.Verdict:
    """The budget's outcome in Markdown, generated from the numbers: the best deployment (chosen
    on validation) in one sentence; folded beneath it, the others within noise of it and, given
    the ``grid``, the best's test accuracy, reported once."""
    best = view.best
    if best is None:
        return verdicts.Verdict(
            "**No deployment meets this budget.** The reasons in the table "
            "say which limit to loosen.",
            None,
        )
    where = (
        f"{number(best.size_bytes / 1000)} kB on the device"
        if best.where == EDGE
        else "the model stays on the server"
    )
    headline = (
        f"**Best: {best.variant} {_at(best)}** ({best.place}): {where}, "
        f"p99 {number(best.p99_ms)} ms, "
        f"validation accuracy {percent(best.accuracy, best.accuracy_se)}"
    )
    if view.within_noise:
        count = len(view.within_noise)
        headline += f"; {count} other{'s' if count > 1 else ''} within noise of it."
        shown = view.within_noise[:SHOW_TIED]
        others = "; ".join(
            f"{d.variant} {_at(d)} ({percent(d.accuracy, d.accuracy_se)})" for d in shown
        )
        if len(view.within_noise) > len(shown):
            others += f"; and {len(view.within_noise) - len(shown)} more (see the budget table)"
        ties = (
            f"**Within noise of it** (less than {NOISE_SE} standard errors of the "
            f"difference apart): {others}. The validation split cannot tell these apart: "
            "choose among them on size, latency or cost."
        )
    else:
        headline += "."
        ties = "No other qualifying variant is within noise of it on validation."
    tested = ""
    if grid is not None:
        row = next(r for r in grid if r["variant"] == best.variant)
        tested = (
            f"Its **test accuracy**, reported once after choosing: "
            f"{percent(row[TEST_KEY], accuracy_se(row, 'test'))} over "
            f"{row['test_images']:,} images."
        )
    return verdicts.verdict(
        headline, None, ties, tested, summary="The variants within noise, the test accuracy"
    )


def budget_table(view: View) -> str:
    """The budget as an HTML table: every variant, at the edge and in the cloud, with a tick or
    the reasons it misses; the best deployment in bold."""

    def cell(d: Deployment) -> str:
        verdict = "✓ qualifies" if d.qualifies else "✗ " + "; ".join(d.reasons)
        text = f"p99 {number(d.p99_ms)} ms · {verdict}" if math.isfinite(d.p99_ms) else verdict
        return (
            f"<td><b>{html.escape(text)}</b></td>"
            if d == view.best
            else f"<td>{html.escape(text)}</td>"
        )

    s = view.settings
    limit = "no limit" if math.isinf(s.max_bytes) else f"≤ {number(s.max_bytes / 1000)} kB"
    best = (
        f"Best: <b>{html.escape(view.best.variant)}</b> at the {view.best.where} "
        f"({html.escape(view.best.place)})"
        if view.best
        else "No deployment meets this budget."
    )
    if view.within_noise:
        best += "; within noise of it on validation: " + ", ".join(
            f"{html.escape(d.variant)} ({d.where})" for d in view.within_noise
        )
    head = (
        f"<p>Budget: {limit} on the device (file + peak activations), "
        f"p99 ≤ {number(s.deadline_ms)} ms, validation accuracy ≥ {s.min_accuracy:.1%}. "
        f"{best}</p>"
    )
    rows = "".join(
        f"<tr><td>{html.escape(edge.variant)}</td><td>{number(edge.size_bytes / 1000)}</td>"
        f"<td>{html.escape(percent(edge.accuracy, edge.accuracy_se))}</td>"
        f"{cell(edge)}{cell(cloud)}</tr>"
        for edge, cloud in view.deployments
    )
    return (
        f"{head}<table><tr><th>variant</th><th>kB on the device</th>"
        f"<th>validation accuracy ± SE</th><th>edge: {html.escape(view.edge.place)}</th>"
        f"<th>cloud: {html.escape(view.cloud.place)}</th></tr>{rows}</table>"
    )
