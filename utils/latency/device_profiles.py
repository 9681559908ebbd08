"""Notebooks 06-08: the devices inference runs on, each scaled from this machine's own times.

A device's speed factor, per precision, is a published latency of a reference model on it
divided by the same model's latency measured here (``data/device_profiles.csv``, every row
with its source). A device's time for a model is the largest of three numbers:

- **scaled**: the model's time here × the factor;
- **floor**: the sourced per-inference time no model beats on that device (a GPU's launches, an
  accelerator's transfers; 0 for a CPU, whose fixed costs are inside the time measured here);
- **roofline**: the model's FLOPs ÷ the FLOP/s the device reached on its reference network
  (``reference_gflop`` ÷ ``published_ms``): a device is taken to go no faster on a small network
  than on the one it was benchmarked with. FLOPs count a multiply-add as 2, as
  :func:`utils.training.forward_flops` does.
"""

from __future__ import annotations

import dataclasses

from utils import config
from utils.device import imported
from utils.latency.costs import inference_joules
from utils.latency.tables import read_table

DEVICES_CSV = config.DATA_DIR / "device_profiles.csv"
#: The accepts column's value for a device that runs only full-int8 models (an NPU).
ACCEPTS_INT8_ONLY = "int8 only"
#: What sets a device's time (:meth:`Device.bound`): its floor, the scaled time, or the roofline.
BOUNDS = ("floor", "scaled", "roofline")
MEASURED, SCALED = "measured on your device", "scaled from a published figure"  # Device.origin


@dataclasses.dataclass(frozen=True)
class Device:
    """Where inference runs: ``kind`` "edge" or "server".

    A device's time for a model = the model's time *here* × the device's factor for that
    precision, never less than ``floor_ms`` (a sourced per-request time, for accelerators whose
    single-image time is mostly fixed cost). ``factors`` maps each precision the device has a
    published reference for ("float32", "int8") to its factor; ``factor`` is the float32 one
    (0 for a device known only by its floor). ``threads`` is the published figure's thread count
    (None for an accelerator, which has none) and ``here_threads`` the thread count of the time
    here it was divided by: scale a model time measured here at ``here_threads`` threads.
    ``int8_only``: the device runs only full-int8 models (an NPU such as the Edge TPU), so a float
    model has no time there. ``power_w``: the sourced power behind its energy per inference
    (:meth:`joules`), None where no source gives one; ``source`` says whether it is a measured
    draw or a rating. ``gflops`` maps a precision to the GFLOP/s the device reached on its
    reference network (the roofline's rate; absent where the table gives no FLOP count).
    ``measured``: a device the student measured with the device bundle
    (:mod:`utils.device.imported`): ``{variant: (p50 ms, p95 ms)}`` at ``threads`` threads there,
    used as they are instead of any scaling (:meth:`variant_ms`).
    """

    name: str
    kind: str
    factor: float
    source: str
    factors: dict = dataclasses.field(default_factory=dict)
    floor_ms: float = 0.0
    threads: int | None = None
    here_threads: int = 1
    int8_only: bool = False
    power_w: float | None = None
    gflops: dict = dataclasses.field(default_factory=dict)
    measured: dict = dataclasses.field(default_factory=dict)

    @property
    def origin(self) -> str:
        """Where its times come from, in words: measured on the student's device, or this
        machine's time scaled (by a published figure, or factor 1 by assumption)."""
        if self.measured:
            return MEASURED
        return SCALED if self.threads or self.gflops or self.floor_ms else "this machine's time"

    def measured_ms(self, row: dict, key: str = "p50") -> float:
        """A variant's ``key`` ("p50" or "p95") time measured on this device itself."""
        times = self.measured.get(row["variant"])
        if times is None:
            raise ValueError(
                f"{self.name} has no measurement of {row['variant']!r}: run the device "
                "bundle's script there again with that variant (python -m utils device-bundle)."
            )
        return times[0 if key == "p50" else 1]

    def roofline_ms(self, flops: float | None, precision: str = "float32") -> float:
        """The time ``flops`` take at the FLOP/s this device reached on its reference network in
        ``precision``: flops ÷ (gflops × 1e9) s. 0 where either is unknown."""
        if flops is None:
            return 0.0
        if not flops >= 0:
            raise ValueError(f"flops={flops!r}: give the model's FLOPs, 0 or more.")
        rate = self.gflops.get(precision)
        return flops / (rate * 1e9) * 1000 if rate else 0.0

    def bounds_ms(
        self, here_ms: float, precision: str = "float32", flops: float | None = None
    ) -> dict[str, float]:
        """The three candidates for this device's time (ms), by name (:data:`BOUNDS`): its
        floor, ``here_ms`` scaled by the factor, and the roofline of ``flops``."""
        if self.measured:
            raise ValueError(
                f"{self.name} was {MEASURED} per variant, not scaled from a time here: take a "
                "variant's time with variant_ms (or Device.measured_ms)."
            )
        if not here_ms >= 0:
            raise ValueError(f"here_ms={here_ms!r}: give the model's time here, 0 ms or more.")
        if self.int8_only and precision != "int8":
            raise ValueError(
                f"{self.name} accepts only full-int8 models, so a {precision} model "
                "does not run there; use the int8 variant."
            )
        factor = self.factors.get(precision) if self.factors else self.factor
        if factor is None:  # a device known only by its floor has no factors at all
            have = ", ".join(sorted(self.factors)) or "none"
            raise ValueError(
                f"{self.name} has no published {precision} reference (it has: "
                f"{have}), so a {precision} time here cannot be scaled to it; use its "
                f"{' or '.join(sorted(self.factors))} model instead."
            )
        return {
            "floor": self.floor_ms,
            "scaled": here_ms * (factor or 0.0),
            "roofline": self.roofline_ms(flops, precision),
        }

    def bound(self, here_ms: float, precision: str = "float32", flops: float | None = None) -> str:
        """Which bound sets the time (:meth:`time_ms`): "scaled" unless the floor or the roofline
        exceeds it; between those two, the larger ("floor" on a tie)."""
        b = self.bounds_ms(here_ms, precision, flops)
        if b["scaled"] >= max(b["floor"], b["roofline"]):
            return "scaled"
        return "floor" if b["floor"] >= b["roofline"] else "roofline"

    def time_ms(
        self, here_ms: float, precision: str = "float32", flops: float | None = None
    ) -> float:
        """This device's time for a model that takes ``here_ms`` here (at ``here_threads``
        threads) in ``precision``: the largest of its floor, the scaled time and, given the
        model's ``flops``, the roofline (:meth:`bounds_ms`). A precision without a reference
        of its own is refused: an int8 time scaled by a float32 factor would credit the device
        with this CPU's int8 gain. So is any model but a full-int8 one on an ``int8_only``
        device."""
        return max(self.bounds_ms(here_ms, precision, flops).values())

    def variant_ms(
        self, row: dict, precision: str, key: str = "p50", flops: float | None = None
    ) -> float:
        """A model variant's time on this device, from its row of notebook 05's grid (its LiteRT
        ``key`` time here, e.g. ``p50_ms_2t``, at this device's ``here_threads``), scaled by
        :meth:`time_ms` (with the roofline of ``flops``, the variant's FLOPs, where given).
        Notebooks 06 and 07 time the course model on each device with it. A measured device
        gives the variant's time measured there (:meth:`measured_ms`)."""
        if self.measured:
            return self.measured_ms(row, key)
        return self.time_ms(row[f"{key}_ms_{self.here_threads}t"], precision, flops)

    def joules(self, device_ms: float) -> float:
        """Energy of one inference that takes ``device_ms`` on this device: its ``power_w`` × that
        time (:func:`inference_joules`). Refused where no source gives the device's power."""
        if self.power_w is None:
            raise ValueError(
                f"{self.name} has no sourced power figure (power_w in "
                "data/device_profiles.csv), so its energy per inference is not known."
            )
        return inference_joules(self.power_w, device_ms)


def _here_ms(
    rows: list[dict], model: str, precision: str, threads: int
) -> tuple[float, int] | None:
    """The measured time here of ``model`` in ``precision`` at the published thread count, or at
    the most threads measured below it (this machine may have fewer cores than the device)."""
    candidates = [
        r
        for r in rows
        if r["model"] == model and r["format"] == precision and r["threads"] <= threads
    ]
    if not candidates:
        return None
    best = max(candidates, key=lambda r: r["threads"])
    return float(best["p50_ms"]), int(best["threads"])


def devices(
    reference_ms_here: dict[str, float] | None = None, *, rows: list[dict] | None = None
) -> dict[str, Device]:
    """The device profiles of ``data/device_profiles.csv``, by name, with their speed factors.

    A device's factor, per precision, is the published latency of a reference model on that
    device divided by the same model's latency here, in the same precision and with the same
    thread count (or all of this machine's threads, if it has fewer than the device used; an
    accelerator, with no thread count, against one thread here).
    ``rows`` are the reference models measured here (``quantization.reference_latencies()``:
    model, format, threads, p50_ms). ``reference_ms_here`` (``{model: ms}``, float32, 1 thread)
    is the older way to pass them. A model missing from both falls back to the table's
    ``measured_here_ms``, measured once on the course's development machine.
    A device takes at least its ``floor_ms`` per request (the largest of its rows'), and a row's
    ``reference_gflop`` (the reference network's FLOPs) gives the device's roofline rate in that
    precision (:attr:`Device.gflops`). ``accepts`` "int8 only"
    makes a device :attr:`Device.int8_only`; ``power_w`` is its sourced power, where one exists.
    """
    if rows is None:
        rows = [
            {"model": m, "format": "float32", "threads": 1, "p50_ms": ms}
            for m, ms in (reference_ms_here or {}).items()
        ]
    for row in rows:
        if not row["p50_ms"] > 0:
            raise ValueError(
                f"{row['model']} ({row['format']}, {row['threads']} threads): "
                f"{row['p50_ms']!r} ms is not a positive measured latency."
            )
    grouped: dict[str, dict] = {}
    for number, row in enumerate(read_table(DEVICES_CSV), start=2):
        entry = grouped.setdefault(
            row["name"],
            {
                "kind": row["kind"],
                "factors": {},
                "sources": [],
                "floor": 0.0,
                "threads": None,
                "here_threads": 1,
                "int8_only": False,
                "power": None,
                "gflops": {},
            },
        )
        model, source = row["reference_model"], row["source"]
        precision = row["precision"] or "float32"
        accepts, power = (row.get("accepts") or "").strip(), (row.get("power_w") or "").strip()
        if accepts.lower() == ACCEPTS_INT8_ONLY:
            entry["int8_only"] = True
        elif "int8" in accepts.lower():
            raise ValueError(
                f"{DEVICES_CSV.name}, line {number}: accepts={accepts!r}; write "
                f"{ACCEPTS_INT8_ONLY!r} for a device that runs only full-int8 models."
            )
        if power:
            if not float(power) > 0:
                raise ValueError(
                    f"{DEVICES_CSV.name}, line {number}: power_w={power!r} must be "
                    "above 0 W (leave it empty where no source gives the power)."
                )
            entry["power"] = float(power)
        if row["floor_ms"]:
            entry["floor"] = max(entry["floor"], float(row["floor_ms"]))
        if model:
            threads = int(row["threads"]) if row["threads"] else None  # None: an accelerator
            measured = _here_ms(rows, model, precision, threads or 1)
            if measured is None:
                here, here_threads = float(row["measured_here_ms"]), 1
                note = (
                    f"Time here: {model} {precision} {here:.3g} ms at 1 thread on the course's "
                    "development machine (not measured on this one)"
                )
            else:
                here, here_threads = measured
                note = (
                    f"Calibrated here: {model} {precision} takes {here:.3g} ms at "
                    f"{here_threads} thread(s)"
                )
            if threads is not None and here_threads != threads:
                note += (
                    f"; the device used {threads} threads, this machine had {here_threads}: "
                    "all threads there against all threads here"
                )
            entry["factors"][precision] = float(row["published_ms"]) / here
            gflop = (row.get("reference_gflop") or "").strip()
            if gflop:  # the roofline's rate: the reference network's GFLOP per second there
                entry["gflops"][precision] = float(gflop) / (float(row["published_ms"]) / 1000)
            entry["threads"], entry["here_threads"] = threads, here_threads
            source = f"{source.rstrip('.')}. {note}."
        elif not row["floor_ms"]:
            entry["factors"][precision] = 1.0
        if source not in entry["sources"]:
            entry["sources"].append(source)
    for name, e in grouped.items():
        if e["int8_only"] and set(e["factors"]) - {"int8"}:
            others = " and ".join(sorted(set(e["factors"]) - {"int8"}))
            raise ValueError(
                f"{DEVICES_CSV.name}: {name} accepts only int8 models but has a "
                f"{others} row; remove it."
            )
    found = {
        name: Device(
            name,
            e["kind"],
            e["factors"].get("float32", 0.0),
            " ".join(e["sources"]),
            dict(e["factors"]),
            e["floor"],
            e["threads"],
            e["here_threads"],
            e["int8_only"],
            e["power"],
            dict(e["gflops"]),
        )
        for name, e in grouped.items()
    }
    for m in imported.measured():  # the student's own devices (python -m utils device-import)
        machine = m["machine"]
        found[m["name"]] = Device(
            m["name"],
            "edge",
            0.0,
            f"Measured on your device: {machine['machine']}, {machine.get('cpu_count')} CPUs, "
            f"Python {machine.get('python')}, ai-edge-litert {machine.get('ai_edge_litert')}, "
            f"{m['threads']} thread(s), each variant's own p50 and p95 ({m['measured']}).",
            threads=m["threads"],
            measured=dict(m["times"]),
        )
    return found


def reference_ms(rows: list[dict], fmt: str = "float32", threads: int = 1) -> dict[str, float]:
    """``{model: p50 ms}`` from measured reference rows (``quantization.reference_latencies()``)."""
    return {
        row["model"]: row["p50_ms"]
        for row in rows
        if row["format"] == fmt and row["threads"] == threads
    }
