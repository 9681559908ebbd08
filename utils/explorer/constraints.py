"""Notebook 08: the capstone's constraints, what a real deployment asks beyond the budget.

:class:`Constraints` names them (an int8-only device, the app's RAM, a monthly data plan);
:func:`constrain` applies them to a :class:`~utils.explorer.model.View` and chooses again.
"""

from __future__ import annotations

import dataclasses
import math

from utils import validate
from utils.explorer.model import EDGE, Deployment, View, best_deployment, tied_with
from utils.explorer.variants import INT8_FORMAT, int8_only_reason, number


@dataclasses.dataclass(frozen=True)
class Constraints:
    """What a real deployment adds to the explorer's budget (the capstone's constraints): a device
    that accepts only full-int8 models (an NPU, a microcontroller), the RAM the app may use on it,
    and a monthly data plan for what the cloud deployment uploads."""

    # the edge device runs only full-int8 models (whatever its table row says)
    int8_only: bool = False
    ram_bytes: float = math.inf  # the app's RAM on the device: file + peak activations must fit
    monthly_gb: float = math.inf  # the data plan: gigabytes the camera may upload a month

    def __post_init__(self):
        validate.positive(ram_bytes=self.ram_bytes, monthly_gb=self.monthly_gb, allow_inf=True)


def constraint_reasons(d: Deployment, view: View, constraints: Constraints) -> tuple[str, ...]:
    """Why deployment ``d`` of ``view`` breaks ``constraints``, one phrase each (none: it keeps
    them)."""
    reasons = []
    if d.where == EDGE:
        if constraints.int8_only and d.format != INT8_FORMAT:
            reasons.append(int8_only_reason(d.format, d.place))
        if d.size_bytes > constraints.ram_bytes:
            reasons.append(
                f"{number(d.size_bytes / 1000)} kB (file + peak activations) is over "
                f"the {number(constraints.ram_bytes / 1000)} kB of RAM the app may use"
            )
    elif view.monthly_gigabytes > constraints.monthly_gb:
        reasons.append(
            f"uploading {number(view.monthly_gigabytes)} GB a month at "
            f"{number(view.settings.fps)} frames/s is over the "
            f"{number(constraints.monthly_gb)} GB data plan"
        )
    return tuple(reasons)


def constrain(view: View, constraints: Constraints) -> View:
    """``view`` with ``constraints`` applied on top of its budget: every deployment gains the
    reasons it breaks them (:func:`constraint_reasons`), and the best deployment and the ones
    within noise of it are chosen again, on validation, among those left."""

    def apply(d: Deployment) -> Deployment:
        extra = tuple(r for r in constraint_reasons(d, view, constraints) if r not in d.reasons)
        return dataclasses.replace(d, reasons=d.reasons + extra) if extra else d

    deployments = [(apply(edge), apply(cloud)) for edge, cloud in view.deployments]
    every = [d for pair in deployments for d in pair]
    best = best_deployment(every)
    chosen = next(
        i for i, (edge, _) in enumerate(view.deployments) if edge.variant == view.chosen["variant"]
    )
    edge, cloud = deployments[chosen]
    return dataclasses.replace(
        view,
        deployments=deployments,
        edge=edge,
        cloud=cloud,
        best=best,
        within_noise=tied_with(best, every),
    )
