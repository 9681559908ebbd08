"""Notebook 05: the checkers of the int8 exercises (scale and zero point from calibration, against
what the converter wrote; an int8 convolution bit-exact with the interpreter's)."""

from __future__ import annotations

from utils.exercises.base import NotYet, _correct


def _near(value, expected, rtol: float = 1e-4) -> bool:
    import numpy as np

    value, expected = np.asarray(value, np.float64), np.asarray(expected, np.float64)
    return value.shape == expected.shape and bool(
        np.all(np.abs(value - expected) <= rtol * expected)
    )


def _pair(answer, what: str):
    """(scale(s), zero point(s)) from a student's answer, or NotYet saying what to return."""
    import numpy as np

    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise NotYet(
            f"{what} should return two things, (scale, zero_point); it returned {answer!r}."
        )
    try:
        return np.asarray(answer[0], np.float64), np.asarray(answer[1], np.float64)
    except (TypeError, ValueError):
        raise NotYet(f"{what} should return numbers, (scale, zero_point).") from None


def _activation_hint(answer, low: float, high: float, scale: float, zero: int) -> str | None:
    """What is wrong with ``activation_params(low, high)`` against the converter's (scale,
    zero); None when right."""
    import numpy as np

    from utils import quantization

    s, z = _pair(answer, "activation_params(lo, hi)")
    if s.size != 1 or z.size != 1:
        return "an activation has ONE scale and ONE zero point for the whole tensor."
    s, z = float(s), float(z)
    lo, hi = min(low, 0.0), max(high, 0.0)
    if not np.isfinite(z) or not z.is_integer():
        return (
            f"the zero point {z:g} is not a whole number: it is the int8 code that stores the "
            "real 0, so round −128 − lo / scale to the nearest integer."
        )
    if z == 0 and _near(s, max(abs(low), abs(high)) / 127) and zero != 0:
        return (
            f"that is symmetric (zero point 0, max|x| / 127), as for weights; an activation "
            f"is asymmetric: ReLU outputs are ≥ 0, so symmetric wastes the codes below 0. "
            f"scale = (hi − lo) / 255, here {scale:.6g}, and the zero point {zero}."
        )
    if _near(s, (hi - lo) / 256) or _near(s, (high - low) / 256):
        return (
            "256 steps: the 256 codes from −128 to 127 are 255 steps apart, so "
            "scale = (hi − lo) / 255."
        )
    if not _near(s, scale) and _near(s, (high - low) / 255):
        return (
            "0 is not inside the range: widen it first (lo = min(lo, 0), hi = max(hi, 0)), "
            "or the real 0 (padding, a ReLU's zeros) has no exact int8 code."
        )
    if not _near(s, scale):
        return (
            f"the scale is {s:.6g}; the converter wrote {scale:.6g}: "
            "(max(hi, 0) − min(lo, 0)) / 255."
        )
    if z == zero:
        return None
    exact = -128 - lo / s
    if z == np.round(exact) and abs(exact % 1) == 0.5:
        return (
            f"−128 − lo / scale = {exact:g} is a tie, and np.round (or round) sends a tie to "
            f"the even neighbour; the converter uses C's round, a tie away from zero "
            f"({quantization.round_half_away(exact):g}): quantization.round_half_away does it."
        )
    if z == np.trunc(exact):
        return (
            f"−128 − lo / scale = {exact:.4f}: int() cuts toward zero; round to the nearest "
            "integer."
        )
    if z in (np.floor(exact), np.ceil(exact)):
        return f"−128 − lo / scale = {exact:.4f}: round to the nearest integer, not down or up."
    if z == -128 + lo / s or z == np.round(-128 + lo / s):
        return "zero_point = −128 − lo / scale (minus lo / scale: lo is ≤ 0)."
    return f"the zero point is {z:g}; the converter wrote {zero}: round(−128 − lo / scale)."


def _weight_hint(answer, kernel, scales, zeros) -> str | None:
    """What is wrong with ``weight_params(kernel)`` (output channel last) against the
    converter's per-channel ``scales`` and ``zeros``; None when right."""
    import numpy as np

    s, z = _pair(answer, "weight_params(kernel)")
    channels = kernel.shape[-1]
    axes = tuple(range(kernel.ndim - 1))
    biggest = np.abs(kernel).max(axis=axes).astype(np.float64)
    empty = biggest == 0
    if s.size == 1 or (s.size == channels and np.ptp(s) == 0 and np.ptp(scales[~empty]) > 0):
        return (
            f"one scale for the whole tensor is per-tensor; weights are per output channel: "
            f"{channels} scales, max|w| of each channel (the last axis) / 127."
        )
    if s.shape != (channels,):
        return (
            f"{s.shape} scales: give one per output channel, the LAST axis "
            f"({channels}): np.abs(kernel).max(axis={axes}) / 127."
        )
    if np.any(z != 0):
        return (
            "weights are symmetric: the zero point is 0 in every channel (the range is "
            "[−max|w|, max|w|]), and the scale max|w| / 127."
        )
    full = ~empty
    if _near(s[full], biggest[full] / 128):
        return (
            "/ 128: weights use the narrow range −127 … 127 (254 steps, so that +max|w| and "
            "−max|w| both fit and 0 is the code 0): scale = max|w| / 127."
        )
    if _near(s[full], biggest[full] / 255) or _near(
        s[full], (kernel.max(axis=axes) - kernel.min(axis=axes))[full] / 255
    ):
        return (
            "that is the activations' asymmetric rule; weights are symmetric: "
            "scale = max|w| / 127 per channel, zero point 0."
        )
    if _near(s[full], kernel.max(axis=axes)[full] / 127):
        return (
            "max(w) misses the negative weights: use the largest MAGNITUDE, "
            "np.abs(kernel).max(...) / 127."
        )
    if np.any(empty) and not np.all(np.isfinite(s[empty]) & (s[empty] > 0)):
        first = int(np.argmax(empty))
        return (
            f"channel {first} is all zeros, so max|w| / 127 = 0, and w / 0 is undefined. "
            "Any positive scale stores zeros exactly: the converter widens a range under "
            "1e-6 to ±5e-7 (e.g. np.where(m > 0, m / 127, 1.0))."
        )
    if not _near(s[full], scales[full], rtol=1e-5):
        c = int(np.flatnonzero(full)[np.argmax(np.abs(s[full] / scales[full] - 1))])
        return f"channel {c}: scale {s[c]:.6g}, the converter wrote {scales[c]:.6g} (max|w| / 127)."
    return None


def check_scale_zero_point(activation_params, weight_params, calibrated, converted) -> None:
    """Notebook 05: the student's ``activation_params(lo, hi)`` (asymmetric int8 from an observed
    range) and ``weight_params(kernel)`` (symmetric, per output channel, the last axis) against
    what the converter wrote into ``converted`` from the ranges it recorded in ``calibrated``
    (quantization.calibrate); also on hard ranges and an all-zero channel, which the
    converter's quantization step itself answers (quantization.requantize)."""
    import numpy as np

    from utils import quantization

    for name, function in (
        ("activation_params", activation_params),
        ("weight_params", weight_params),
    ):
        if not callable(function):
            raise NotYet(f"{name} should be a function, not its result.")
    ranges = quantization.observed_ranges(calibrated)
    written = quantization.written_params(converted)
    cases = [(name, *r, written[name]) for name, r in ranges.items() if name in written]
    probe = min(ranges, key=lambda name: ranges[name][0])  # an activation that goes below 0
    for low, high in ((-1.0, 1.0), (0.5, 3.0), (-2.0, -0.5), (-0.3, 5.0)):
        changed = quantization.requantize(calibrated, ranges={probe: (low, high)})
        cases.append(
            (
                f"a made-up range [{low}, {high}]",
                low,
                high,
                quantization.written_params(changed)[probe],
            )
        )
    for name, low, high, truth in cases:
        low, high = float(np.float32(low)), float(np.float32(high))  # what the converter saw
        hint = _activation_hint(
            activation_params(low, high),
            low,
            high,
            float(truth["scales"][0]),
            int(truth["zero_points"][0]),
        )
        if hint:
            raise NotYet(f"activation_params({low:.6g}, {high:.6g}) ({name}): {hint}")
    weights = quantization.float_weights(calibrated)
    biggest = max(weights, key=lambda name: weights[name].size)
    hard = weights[biggest].copy()
    hard[..., 0] = 0.0  # a channel of zeros (as pruning leaves)
    hard[..., 1] = -np.abs(hard[..., 1])  # a channel whose largest magnitude is negative
    kernels = [(n, w, quantization.written_for(written, n, w)) for n, w in weights.items()]
    real = [case for case in kernels if case[2] is not None]  # None: renamed beyond matching
    hard_written = quantization.written_for(
        quantization.written_params(quantization.requantize(calibrated, weights={biggest: hard})),
        biggest,
        hard,
    )
    made_up = [(f"{biggest}, channel 0 zeroed, channel 1 negative", hard, hard_written)]
    for name, kernel, truth in real + [case for case in made_up if case[2] is not None]:
        hint = _weight_hint(
            weight_params(kernel), kernel, truth["scales"].astype(np.float64), truth["zero_points"]
        )
        if hint:
            raise NotYet(f"weight_params on {name} {kernel.shape}: {hint}")
    channels = sum(kernel.shape[-1] for _, kernel, _ in real)
    _correct(
        f"the {len(ranges)} activation ranges calibration recorded and the {len(real)} "
        f"weight tensors ({channels} channels) give the scales and zero points the converter "
        "wrote, and so do a tie, a range above 0, one below 0 and an all-zero channel."
    )


def _conv_diagnosis(answer, x, layer) -> tuple[str, str] | None:
    """The first stage of a student's int8 convolution that differs from the course's staged
    reference (quantization.int8_conv_stages), as (step, hint); None when every stage agrees."""
    import numpy as np

    from utils import quantization

    ref = quantization.int8_conv_stages(x, layer)
    if not isinstance(answer, dict) or not set(quantization.CONV_STAGES) <= set(answer):
        return (
            "result",
            "return a dict with the keys " + ", ".join(map(repr, quantization.CONV_STAGES)) + ".",
        )
    acc = np.asarray(answer["accumulator"])
    if acc.shape != ref["accumulator"].shape:
        return (
            "accumulate",
            f"the accumulator has shape {acc.shape}, not "
            f"{ref['accumulator'].shape}: SAME padding keeps the height and "
            "width, and there is one value per output channel (TFLite stores "
            "the weights as (out, 3, 3, in)).",
        )
    if not np.array_equal(acc, ref["accumulator"]):
        w, b = layer["weights"], layer["bias"]
        # Padding the stored int8 values with 0 (not with x_zero) adds (0 − x_zero) × w at the
        # border.
        inside = quantization.conv_accumulator(np.ones_like(x), 0, w, np.zeros_like(b))
        border_taps = np.asarray(w, np.int64).sum(axis=(1, 2, 3)) - inside
        padded_with_zero = ref["accumulator"] - int(layer["x_zero"]) * border_taps
        if np.array_equal(acc, quantization.conv_accumulator(x, 0, w, b)):
            hint = (
                "you multiplied the stored int8 values as they are; subtract the input's zero "
                f"point ({layer['x_zero']}) first: (x − x_zero) is the integer that stands for "
                "the real input."
            )
            return ("zero point of the input", hint)
        if np.array_equal(acc, ref["accumulator"] - np.asarray(b, np.int32)):
            return (
                "bias",
                "add the int32 bias (one per output channel) to the accumulator "
                "before requantizing.",
            )
        if np.array_equal(acc, padded_with_zero):
            return (
                "padding",
                "SAME padding pads with the real 0, which is x_zero in int8 and 0 "
                "after subtracting it: subtract the zero point before you pad with "
                "zeros.",
            )
        where = tuple(int(i) for i in np.argwhere(acc != ref["accumulator"])[0])
        return (
            "accumulate",
            f"the accumulator differs first at {where}: {int(acc[where])} "
            f"instead of {int(ref['accumulator'][where])}. Sum (x − x_zero) × w "
            f"over the 3×3×{np.shape(w)[-1]} window (weights indexed [out, row, "
            "column, in]), then add the bias.",
        )
    multiplier = np.asarray(answer["multiplier"], np.float64)
    expected = ref["multiplier"].astype(np.float64)
    if multiplier.shape != expected.shape:
        return (
            "requantize",
            f"the multiplier has shape {multiplier.shape}; give one per output "
            f"channel ({expected.shape[0]}): x_scale × w_scales / y_scale, since "
            "every channel has its own weight scale.",
        )
    if not np.allclose(multiplier, expected, rtol=1e-6):
        if np.allclose(multiplier, 1 / expected, rtol=1e-6):
            hint = "that is its inverse: the multiplier is x_scale × w_scale / y_scale."
        else:
            hint = "the multiplier is x_scale × w_scale / y_scale, per output channel."
        return ("requantize", hint)
    scaled = np.asarray(answer["scaled"])
    if scaled.shape != ref["scaled"].shape or not np.allclose(
        scaled, ref["scaled"], rtol=1e-5, atol=1e-3
    ):
        return (
            "requantize",
            "scaled = accumulator × multiplier, channel by channel (the last axis).",
        )
    if not np.array_equal(scaled.astype(np.float32), ref["scaled"]) or scaled.dtype != np.float32:
        return (
            "requantize",
            "the kernel computes in float32: the multiplier as "
            "(np.float32(x_scale) × w_scales) / np.float32(y_scale) and scaled "
            "= accumulator.astype(np.float32) × multiplier. float64 differs in "
            "the last bits, and that moves a few outputs by one step.",
        )
    output = np.asarray(answer["output"])
    if output.shape != ref["output"].shape:
        return ("output", f"the output has shape {output.shape}, not {ref['output'].shape}.")
    if np.array_equal(output.astype(np.int64), ref["output"].astype(np.int64)):
        if output.dtype != np.int8:
            return (
                "output",
                f"the values are right, but the dtype is {output.dtype}: return .astype(np.int8).",
            )
        return None
    y_zero, low = int(layer["y_zero"]), int(layer["y_zero"]) if layer.get("relu") else -128

    def final(rounded, zero=y_zero, lowest=low):
        return np.clip(rounded + zero, lowest, 127)

    s = ref["scaled"]
    candidates = [
        (
            "rounding",
            np.floor(s),
            "np.floor rounds down (and so does astype(int) for the positive "
            "values a ReLU keeps); round to the nearest whole number.",
        ),
        (
            "rounding",
            np.trunc(s),
            "astype(int) or np.trunc cuts toward zero; round to the nearest whole number.",
        ),
        (
            "rounding",
            quantization.round_half_away(s),
            "a tie (x.5) goes away from zero in your "
            "code; this kernel rounds it to the even neighbour (np.rint), as XNNPACK's "
            "float-to-int conversion does.",
        ),
        ("rounding", np.ceil(s), "np.ceil rounds up; round to the nearest whole number."),
        (
            "output zero point",
            np.rint(s) - y_zero - y_zero,
            "the output zero point is added, not subtracted.",
        ),
        (
            "output zero point",
            np.rint(s) - y_zero,
            f"add the output zero point ({y_zero}) after rounding.",
        ),
    ]
    for step, rounded, hint in candidates:
        if any(
            np.array_equal(output.astype(np.int64), final(rounded, lowest=lowest))
            for lowest in (low, -128)
        ):
            return (step, hint)
    if layer.get("relu") and np.array_equal(
        output.astype(np.int64), final(np.rint(s), lowest=-128)
    ):
        return (
            "clamp",
            f"the layer has a fused ReLU: clamp at the zero point ({y_zero}, the real "
            "0), not at −128.",
        )
    if np.array_equal(
        output.astype(np.int64), (np.rint(s) + y_zero).astype(np.int64).astype(np.int8)
    ) or np.array_equal(output.astype(np.int64), np.rint(s) + y_zero):
        return (
            "clamp",
            f"clip to [{low}, 127] before converting to int8; values outside wrap around.",
        )
    where = tuple(int(i) for i in np.argwhere(output.astype(np.int64) != ref["output"])[0])
    return (
        "rounding",
        f"the output differs first at {where}: {int(output[where])} instead of "
        f"{int(ref['output'][where])}. Round scaled to the nearest whole number (a "
        "tie to even), add y_zero, clamp, convert to int8.",
    )


def check_int8_conv(int8_conv, x, layer: dict, expected) -> None:
    """Notebook 05: the student's ``int8_conv(x, layer)`` (a dict of the stages accumulator,
    multiplier, scaled, output) must give, bit for bit, the int8 output the LiteRT interpreter
    gave for the inputs ``x`` (``expected``). On a mismatch it names the first step that differs
    from the staged reference; it also runs a small hand-made layer full of ties."""
    import numpy as np

    from utils import quantization

    if not callable(int8_conv):
        raise NotYet("int8_conv should be a function of (x, layer), not its result.")
    expected = np.asarray(expected)
    runtime = next(
        (
            k
            for k in ("default", "builtin")
            if np.array_equal(quantization.int8_conv_stages(x, layer, k)["output"], expected)
        ),
        None,
    )
    answer = int8_conv(x, layer)
    output = np.asarray(answer.get("output") if isinstance(answer, dict) else answer)
    if runtime is None:
        raise NotYet(
            "the interpreter's output matches neither of the course's reference kernels "
            "(XNNPACK's float32 rounding, TFLite's fixed point): this LiteRT is another "
            "version; the steps are the same, the rounding of the multiply may differ."
        )
    if (
        output.shape == expected.shape
        and np.array_equal(output.astype(np.int64), expected.astype(np.int64))
        and output.dtype == np.int8
    ):
        probe_x, probe_layer = quantization.tie_probe()
        problem = (
            _conv_diagnosis(int8_conv(probe_x, probe_layer), probe_x, probe_layer)
            if runtime == "default"
            else None
        )
        if problem is not None:
            raise NotYet(
                f"bit-exact on these {len(expected)} inputs, but not on a small layer "
                f"made of ties: the first step that differs is the {problem[0]}: "
                f"{problem[1]}"
            )
        _correct(
            f"bit-exact: all {expected.size:,} int8 outputs ({len(expected)} inputs × "
            f"{expected.shape[1]}×{expected.shape[2]}×{expected.shape[3]}) equal the "
            "interpreter's."
        )
        return
    problem = _conv_diagnosis(answer, x, layer)
    differ = (
        f"{int(np.sum(output.astype(np.int64) != expected))} of {expected.size:,} outputs differ"
        if output.shape == expected.shape
        else "the output's shape differs"
    )
    if problem is None and runtime == "builtin":
        problem = (
            "rounding",
            "this LiteRT ran TFLite's builtin kernel, which rounds with a "
            "fixed-point multiplier: "
            "quantization.multiply_by_quantized_multiplier(accumulator, "
            "multiplier) does it.",
        )
    step, hint = problem if problem else ("output", "compare each stage with the steps above.")
    if differ.startswith("0 of"):
        raise NotYet(hint)
    raise NotYet(
        f"{differ} from the interpreter's. The first step that differs is the {step}: {hint}"
    )
