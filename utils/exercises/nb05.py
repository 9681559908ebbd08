"""Notebook 05: the checkers of the int8 exercises (one value's int8 code, an int8 convolution
bit-exact with the interpreter's)."""

from __future__ import annotations

from utils.exercises.base import NotYet, _correct


def check_int8_value(answer, x: float, scale: float, zero_point: int) -> None:
    """Notebook 05: the int8 code TFLite stores for the float ``x`` (a tie x.5 rounds away from
    zero, as TFLite's converter and reference kernel do)."""
    import numpy as np

    from utils import quantization

    def code(ratio):
        return int(np.clip(quantization.round_half_away(ratio) + zero_point, -128, 127))

    truth = int(quantization.quantize(x, scale, zero_point))
    ratio = float(np.float32(x) / np.float32(scale))
    if answer == truth:
        tie = (
            f" {x} / {scale} is exactly {ratio:g} (in float32 too), a tie: TFLite rounds it "
            f"away from zero, to {quantization.round_half_away(ratio):g}."
            if abs(ratio % 1) == 0.5
            else ""
        )
        _correct(
            f"{x} is stored as round({x} / {scale}) + ({zero_point}) = {truth}; it reads back "
            f"as ({truth} − ({zero_point})) × {scale} = "
            f"{(truth - zero_point) * scale:.6g}.{tie}"
        )
        return
    even = int(np.clip(np.round(ratio) + zero_point, -128, 127))
    if isinstance(answer, float) and not float(answer).is_integer():
        hint = "an int8 value is a whole number: round x / scale before adding the zero point."
    elif answer == even:
        hint = (
            f"x / scale = {ratio:g} is a tie, and np.round sends a tie to the even neighbour "
            f"({np.round(ratio):g}). TFLite rounds a tie away from zero "
            f"({quantization.round_half_away(ratio):g}), like C's std::round: use np.sign(v) * "
            "np.floor(np.abs(v) + 0.5)."
        )
    elif answer == truth - zero_point:
        hint = "add the zero point after rounding x / scale."
    elif answer == code(ratio - 2 * zero_point):
        hint = "the zero point is added, not subtracted: q = round(x / scale) + zero_point."
    elif answer == code(x * scale):
        hint = "divide x by the scale (the scale is the size of one step), don't multiply."
    else:
        hint = "q = round(x / scale) + zero_point (a tie away from zero), clipped to [-128, 127]."
    raise NotYet(f"{answer!r} is not it; {hint}")


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
