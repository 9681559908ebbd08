"""Notebook 08: the trade-off explorer: every measured variant, where it could run, and which
deployments meet a budget.

A device holds the model's flatbuffer (stored and memory-mapped as it is, uncompressed) and the
runtime's peak activations: the size budget is ``file_bytes + activation_bytes``; the gzipped
file is only what the device downloads. Variants are chosen on the validation split (with
standard errors; choices within noise are named as such) and the test split is reported once,
for the deployment chosen. The cloud is sent what notebook 06 sends: the model's input crop as
JPEG (:func:`latency.crop_payload_bytes`), over a network preset plus the propagation to a data
centre ``distance_km`` away (:func:`latency.propagation_rtt_ms`), on a link that may be down part
of the time (:class:`latency.Outages`): a request an outage cuts is never answered, and
:func:`latency.simulate_outages` runs the chosen deployment's camera over a window of up to a day
(missed frames, the longest blind time, the edge answering throughout). An int8-only edge device
(:attr:`latency.Device.int8_only`) is offered only the int8 variants; :class:`Constraints` and
:func:`constrain` add what a real deployment asks beyond the budget (the capstone of notebook 08).

What a control change computes is :func:`compute`, a plain function of the variant grid
(``quantization.grid()``), the device table (``latency.devices()``) and the :class:`Settings`:
it returns a :class:`View` holding every number and sentence the explorer shows. :class:`Explorer`
only wires ipywidgets controls to it and draws the View with matplotlib
(:class:`SizeAccuracyPlot`, :class:`LatencyPlot`); given a student's Pareto front (notebook 08's
exercise), the size–accuracy plot draws it, marked against the course's (:func:`front_marks`).

The package, each module importing only those above it:

- ``variants``: the grid as the explorer reads it (bytes on the device, accuracy ± SE, noise, the
  Pareto front, the variants a device accepts, a variant's time on a device);
- ``sentences``: the phrases (a duration, an accuracy, a variant, the outages' toll);
- ``model``: the pure core (:class:`Settings`, :class:`View`, :func:`compute`);
- ``constraints``: the capstone's :class:`Constraints` and :func:`constrain`, on top of a View;
- ``budget``: the decision and the budget table, generated from a View;
- ``plots``: the two figures; ``widgets``: the :class:`Explorer`;
- ``app``: ``python -m utils.explorer`` (``make explore``) serves notebook 08 as a standalone app
  with Voilà.
"""

from utils.explorer.app import NOTEBOOK, kernel_folder, main, serve, voila_command
from utils.explorer.budget import SHOW_TIED, budget_table, decision
from utils.explorer.constraints import Constraints, constrain, constraint_reasons
from utils.explorer.model import (
    CLOUD,
    EDGE,
    SAMPLES,
    Deployment,
    Settings,
    View,
    best_deployment,
    budget_reasons,
    compute,
    default_payload_bytes,
    input_bytes,
    lost_to_outages,
    network_of,
)
from utils.explorer.plots import FrontMarks, LatencyPlot, SizeAccuracyPlot, front_marks
from utils.explorer.sentences import describe_variant, duration, outage_sentence, percent
from utils.explorer.variants import (
    ACCURACY_KEY,
    DOWNLOAD_KEY,
    MPH,
    TEST_KEY,
    accuracy_se,
    device_bytes,
    device_ms,
    dominates,
    int8_only,
    number,
    offered,
    pareto_front,
    validation_accuracy,
    within_noise,
)
from utils.explorer.widgets import MAX_DISTANCE_KM, Explorer, variant_choices

__all__ = [
    "ACCURACY_KEY",
    "CLOUD",
    "DOWNLOAD_KEY",
    "EDGE",
    "MAX_DISTANCE_KM",
    "MPH",
    "NOTEBOOK",
    "SAMPLES",
    "SHOW_TIED",
    "TEST_KEY",
    "Constraints",
    "Deployment",
    "Explorer",
    "FrontMarks",
    "LatencyPlot",
    "Settings",
    "SizeAccuracyPlot",
    "View",
    "accuracy_se",
    "best_deployment",
    "budget_reasons",
    "budget_table",
    "compute",
    "constrain",
    "constraint_reasons",
    "decision",
    "default_payload_bytes",
    "describe_variant",
    "device_bytes",
    "device_ms",
    "dominates",
    "duration",
    "front_marks",
    "input_bytes",
    "int8_only",
    "kernel_folder",
    "lost_to_outages",
    "main",
    "network_of",
    "number",
    "offered",
    "outage_sentence",
    "pareto_front",
    "percent",
    "serve",
    "validation_accuracy",
    "variant_choices",
    "voila_command",
    "within_noise",
]
