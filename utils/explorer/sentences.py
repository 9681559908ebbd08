"""Notebook 08: the phrases the explorer's sentences are made of: a length of time, an accuracy
with its standard error, one variant of the grid, and what the link's outages did to a deployment.
"""

from __future__ import annotations

from utils import latency
from utils.explorer.variants import (
    ACCURACY_KEY,
    DAY_S,
    DOWNLOAD_KEY,
    MPH,
    accuracy_se,
    device_bytes,
    number,
)


def duration(seconds: float) -> str:
    """A length of time in words: "45 s", "12 min", "1 day"."""
    if seconds < 120:
        return f"{number(seconds)} s"
    if seconds < 7200:
        return f"{number(round(seconds / 60))} min"
    if seconds < DAY_S:
        return f"{number(round(seconds / 3600, 1))} h"
    days = round(seconds / DAY_S, 1)
    return f"{number(days)} day" + ("" if days == 1 else "s")


def outage_sentence(outages: latency.Outages, run: latency.OutageRun, window_s: float) -> str:
    """What the link's outages did to the chosen deployment over the simulated window, in words."""
    blind_feet = latency.feet_travelled(1000 * run.cloud_longest_blind_s)
    text = (
        f"link down {outages.unavailability:.2%} of the time, in outages of "
        f"{number(outages.mean_outage_s)} s on average ({number(outages.outages_per_hour)} an "
        f"hour): over a simulated {duration(window_s)} ({run.frames:,} frames, {run.outages} "
        f"outage{'s' if run.outages != 1 else ''}) the cloud missed {run.cloud_missed:,} "
        f"frames ({run.cloud_missed_fraction:.2%}) and was blind for up to "
        f"{number(run.cloud_longest_blind_s)} s ({number(blind_feet)} ft at {MPH} mph); "
        f"the edge "
    )
    if run.edge_missed:
        text += "was too slow for the deadline on every frame"
    else:
        text += f"kept answering (its longest wait {number(run.edge_longest_blind_s)} s)"
    if run.queued_decisions:
        text += (
            f", and queued {run.queued_decisions:,} decisions for the link, the oldest "
            f"{number(run.max_staleness_s)} s (store-and-forward)"
        )
    return text


def percent(accuracy: float, se: float) -> str:
    """An accuracy with its standard error: "91.2% ± 0.9%"."""
    return f"{accuracy:.1%} ± {se:.1%}"


def describe_variant(row: dict) -> str:
    """One grid row in words: its name, what it needs on the device and to download, and its
    validation accuracy (and novel accuracy, when the dataset has a novel split)."""
    novel = row.get("novel_accuracy")
    return (
        f"{row['variant']}: {number(device_bytes(row) / 1000)} kB on the device "
        f"({number(row['file_bytes'] / 1000)} kB file + "
        f"{number(row['activation_bytes'] / 1000)} kB peak activations), "
        f"{number(row[DOWNLOAD_KEY] / 1000)} kB download (gzip); validation accuracy "
        f"{percent(row[ACCURACY_KEY], accuracy_se(row))}"
        + ("" if novel is None else f", novel {novel:.1%}")
    )
