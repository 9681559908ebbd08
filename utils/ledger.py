"""Notebooks 00, 03, 04, 06 and 08: the blog post's claims as a ledger.

``data/blog_claims.csv`` lists the claims of the blog post the course answers (a blog post on
deep learning training vs inference), each with the notebook that tests it. Notebook 00 opens
with them (:func:`opening`); each testing notebook records the numbers that decide its claims
(:func:`record`) in ``ledger.json`` beside the run's ``results.json``; notebook 08 closes with
the filled-in ledger (:func:`closing`). A verdict is never stored: :func:`judge` derives it
from the recorded numbers each time, so a different number gives a different verdict.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import json
import math

from utils import config, results, validate
from utils.verdicts.accuracy import standard_error

CLAIMS_CSV = config.DATA_DIR / "blog_claims.csv"
SCALE_CSV = config.DATA_DIR / "training_at_scale.csv"
HOLDS, DOES_NOT_HOLD, DEPENDS = "holds", "does not hold", "depends"
FEET_PER_SECOND_AT_60_MPH = 60 * 5280 / 3600  # 88 exactly: 5,280 ft a mile, 3,600 s an hour
BLIND_LIMIT_S = 100 / FEET_PER_SECOND_AT_60_MPH  # 100 ft at 88 ft/s = 1.136 s
FEW_MS = (1.0, 10.0)  # "a few milliseconds" read as 1-10 ms (an interpretation, as in 06)
FEW_SECONDS_S = 2.0  # "a few seconds" read as 2 s or more (an interpretation)
DAY_S, HOUR_S = 86_400, 3_600  # the data-centre claim's thresholds (assumed: a day, an hour)


@dataclasses.dataclass(frozen=True)
class Claim:
    id: str
    quote: str
    wording: str  # "quote": the post's words; "paraphrase": the course's words for its idea
    attribution: str
    notebook: str
    measurement: str
    source: str

    @property
    def shown(self) -> str:
        """The claim as a student reads it: in quotation marks only when it is the post's words."""
        return f"“{self.quote}”" if self.wording == "quote" else f"{self.quote} (paraphrased)"


@dataclasses.dataclass(frozen=True)
class Judgement:
    verdict: str  # HOLDS, DOES_NOT_HOLD or DEPENDS
    measured: str  # what this run measured, one phrase
    condition: str = ""  # for DEPENDS: on what

    def sentence(self) -> str:
        return f"{self.verdict}{f' ({self.condition})' if self.condition else ''}"


def claims() -> list[Claim]:
    """The blog post's claims, in the course's order."""
    with CLAIMS_CSV.open(newline="", encoding="utf-8") as handle:
        return [
            Claim(**{f.name: row[f.name] for f in dataclasses.fields(Claim)})
            for row in csv.DictReader(handle)
        ]


def claim(claim_id: str) -> Claim:
    found = {c.id: c for c in claims()}
    if claim_id not in found:
        raise ValueError(
            f"{claim_id!r} is not a claim of the ledger; use one of {', '.join(found)} "
            f"(data/blog_claims.csv)."
        )
    return found[claim_id]


def scale_figures() -> dict[str, float]:
    """``data/training_at_scale.csv`` as ``{item: value}`` (each row has its source)."""
    with SCALE_CSV.open(newline="", encoding="utf-8") as handle:
        return {row["item"]: float(row["value"]) for row in csv.DictReader(handle)}


def resnet50_imagenet_flops() -> float:
    """FLOPs of training ResNet-50 on ImageNet: forward FLOPs × 3 × images × epochs."""
    s = scale_figures()
    return (
        s["resnet50_forward_gflop"]
        * 1e9
        * s["training_to_forward"]
        * s["imagenet_train_images"]
        * s["resnet50_epochs"]
    )


def training_flop_per_s(forward_flops: float, batch_size: int, train_step_ms: float) -> float:
    """The FLOP/s a training step reached: 3 × forward FLOPs × batch ÷ the step's time."""
    validate.positive(
        forward_flops=forward_flops, batch_size=batch_size, train_step_ms=train_step_ms
    )
    return (
        scale_figures()["training_to_forward"] * forward_flops * batch_size / (train_step_ms / 1000)
    )


def _link(notebook: str) -> str:
    return f"[{notebook[:2]}]({notebook}.ipynb)"


def opening_table() -> str:
    """Notebook 00's opening: each claim, quoted and attributed, with the notebook testing it."""
    lines = ["| the blog post claimed | tested in |", "|---|---|"]
    lines += [f"| {c.shown} | {_link(c.notebook)} |" for c in claims()]
    return (
        "\n".join(lines) + f"\n\n(Quotes: {claims()[0].attribution}; sources in "
        "`data/blog_claims.csv`.)"
    )


def opening():
    from IPython.display import Markdown

    return Markdown(opening_table())


# ----- the rules: numbers in, a Judgement out (each its own claim's reading, stated) -----


def _some(numbers: dict, passes, unit: str, claimed: str) -> Judgement:
    """HOLDS when every scenario passes, DOES_NOT_HOLD when none does, else DEPENDS on which."""
    yes = [name for name, value in numbers.items() if passes(value)]
    measured = "; ".join(f"{name} {results.format_number(v)} {unit}" for name, v in numbers.items())
    if len(yes) == len(numbers):
        return Judgement(HOLDS, measured)
    if not yes:
        return Judgement(DOES_NOT_HOLD, measured)
    return Judgement(DEPENDS, measured, f"{claimed} only for: {', '.join(yes)}")


def _ninety_feet(n: dict) -> Judgement:
    fps = n["feet_per_second"]
    measured = f"60 mph = {results.format_number(fps)} ft/s (60 × 5,280 ÷ 3,600)"
    return Judgement(HOLDS if fps > 90 else DOES_NOT_HOLD, measured)


def _hundred_feet(n: dict) -> Judgement:
    return _some(
        n, lambda s: s > BLIND_LIMIT_S, "s", f"over {BLIND_LIMIT_S:.2f} s (100 ft at 88 ft/s)"
    )


def _few_ms(n: dict) -> Judgement:
    return _some(
        n, lambda ms: FEW_MS[0] <= ms <= FEW_MS[1], "ms", f"{FEW_MS[0]:g}-{FEW_MS[1]:g} ms"
    )


def _few_seconds(n: dict) -> Judgement:
    return _some(n, lambda s: s >= FEW_SECONDS_S, "s", f"{FEW_SECONDS_S:g} s or more")


def _data_centre(n: dict) -> Judgement:
    flop_s, course_s = n["training_flop_per_s"], n["course_training_s"]
    big_s = resnet50_imagenet_flops() / flop_s
    measured = (
        f"{flop_s / 1e9:,.3g} GFLOP/s in training here: this course's training "
        f"{course_s / 60:,.3g} min; ResNet-50 on ImageNet {big_s / DAY_S:,.3g} days"
    )
    if big_s <= DAY_S:
        return Judgement(DOES_NOT_HOLD, measured)
    if course_s <= HOUR_S:
        return Judgement(
            DEPENDS,
            measured,
            "on the model: a data-centre job needs more than a "
            "day here, this course's model under an hour",
        )
    return Judgement(HOLDS, measured)


def _rarely_firing(n: dict) -> Judgement:
    a, b, k = n["firing_rate_mean"], n["random_mean"], n["seeds"]
    noise = math.sqrt(
        (n["firing_rate_std"] ** 2 + n["random_std"] ** 2) / k
        + standard_error(a, int(n["validation_images"])) ** 2
        + standard_error(b, int(n["validation_images"])) ** 2
    )
    measured = (
        f"firing rate {a:.3f} ± {n['firing_rate_std']:.3f}, random {b:.3f} ± "
        f"{n['random_std']:.3f} (mean ± std over {k:g} random seeds)"
    )
    if a - b > 2 * noise:
        return Judgement(HOLDS, measured)
    if b - a > 2 * noise:
        return Judgement(DOES_NOT_HOLD, measured + "; random removal kept more accuracy")
    return Judgement(DOES_NOT_HOLD, measured + "; no better than random, within noise")


RULES = {
    "ninety_feet_per_second": _ninety_feet,
    "hundred_feet_blind": _hundred_feet,
    "few_milliseconds_edge": _few_ms,
    "few_seconds_cloud": _few_seconds,
    "training_in_data_centres": _data_centre,
    "rarely_firing_neurons": _rarely_firing,
}


def judge(claim_id: str, numbers: dict) -> Judgement:
    """The verdict on one claim from the numbers that decide it."""
    claim(claim_id)
    validate.non_empty(numbers=list(numbers.values()))
    validate.finite(numbers=list(numbers.values()))
    return RULES[claim_id]({k: float(v) for k, v in numbers.items()})


# ----- stored with the run's results -----


def path():
    return config.results_path().with_name("ledger.json")


def load() -> dict:
    """``{profile: {claim_id: {"notebook", "numbers", "recorded"}}}`` (empty before any run)."""
    file = path()
    return json.loads(file.read_text()) if file.exists() else {}


def record(notebook: str, claim_id: str, numbers: dict):
    """Record the numbers that decide one claim (the testing notebook only); show the verdict."""
    from IPython.display import Markdown

    expected = claim(claim_id).notebook
    if notebook != expected:
        raise ValueError(f"{claim_id!r} is tested by {expected}, not {notebook}; record it there.")
    judgement = judge(claim_id, numbers)
    with results.locked(path()):  # the results file's lock: one writer at a time
        ledger = load()
        ledger.setdefault(config.profile_name(), {})[claim_id] = {
            "notebook": notebook,
            "numbers": {k: float(v) for k, v in numbers.items()},
            "recorded": datetime.datetime.now().isoformat(timespec="seconds"),
        }
        results.write_json(path(), ledger)
    return Markdown(
        f"**The blog post's {claim(claim_id).shown}:** {judgement.sentence()}. "
        f"This run: {judgement.measured}."
    )


def clear(profile: str) -> None:
    """Forget one profile's ledger (``make run`` starts from a clean slate)."""
    with results.locked(path()):
        ledger = load()
        if ledger.pop(profile, None) is not None:
            results.write_json(path(), ledger)


def closing_table(profile: str | None = None) -> str:
    """The filled-in ledger: claim → what this run measured → verdict, judged now."""
    recorded = load().get(profile or config.profile_name(), {})
    lines = [
        "| the blog post claimed | tested in | this run measured | verdict |",
        "|---|---|---|---|",
    ]
    for c in claims():
        if c.id in recorded:
            j = judge(c.id, recorded[c.id]["numbers"])
            cells = (j.measured, f"**{j.sentence()}**")
        else:
            cells = ("not measured yet", f"run notebook {c.notebook[:2]}")
        lines.append(
            f"| {c.shown} | {_link(c.notebook)} | "
            f"{results.table_cell(cells[0])} | {results.table_cell(cells[1])} |"
        )
    return "\n".join(lines)


def closing():
    from IPython.display import Markdown

    return Markdown(closing_table())
