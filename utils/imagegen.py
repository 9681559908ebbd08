"""Notebook 01: a procedural image generator, dogs, cars and bicycles drawn with Pillow and numpy.

Every image is drawn from a seeded random number generator, so the whole dataset is a pure
function of the seed: no downloads, and the same seed always gives the same bytes (with the
same numpy and Pillow versions).

How one image is made (see :func:`draw`):

1. a background: flat, a gradient, a noise texture, plus random clutter shapes;
2. the object, drawn in its own frame (about one unit wide, centred on 0) and placed on the
   picture with a random position, scale, small rotation and left/right flip;
3. sometimes a shape in front that hides part of the object (occlusion);
4. downsampling from twice the size (clean edges), then blur and pixel noise.

``difficulty`` (0 = clean and easy, 1 = hard) scales steps 1, 3 and 4, the range of scales and
how close the object's colour is to the background. ``novel=True`` shifts the distribution:
striped and checkered backgrounds, neon objects and very dark scenes, styles the training
splits never see. A model that only learned the training distribution does worse on them.
"""

from __future__ import annotations

import colorsys
import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

CLASSES = ("dog", "car", "bicycle")
SPLITS = ("train", "validation", "test", "novel")
MIN_SIZE = 16

Colour = tuple[int, int, int]


# ----------------------------------------------------------------------------- the public API


def draw(
    label: int,
    rng: np.random.Generator,
    *,
    size: int = 64,
    difficulty: float,
    novel: bool = False,
) -> np.ndarray:
    """One ``(size, size, 3)`` uint8 RGB image of class ``label`` (an index into CLASSES)."""
    _check(label, size, difficulty)
    big = 2 * size  # draw at twice the size, downsample at the end
    palette = _neon_or_dark_colour if novel else _natural_colour
    picture = _novel_background(rng, big) if novel else _background(rng, big)
    canvas = ImageDraw.Draw(picture)
    _clutter(canvas, rng, big, difficulty, palette)
    pen = _place_object(canvas, rng, big, difficulty)
    colour = _object_colour(rng, picture, difficulty, novel)
    DRAWERS[label](pen, rng, colour)
    if rng.random() < 0.8 * difficulty:
        _occlude(pen, rng, difficulty, palette(rng))
    return _finish(picture, rng, size, difficulty)


def example(
    split: str,
    index: int,
    *,
    seed: int,
    size: int = 64,
    difficulty: float,
) -> tuple[np.ndarray, int]:
    """The image and label of example ``index`` of ``split``; labels cycle 0, 1, 2, ...

    Each example has its own generator, seeded by (seed, split, index), so any one example can
    be made alone, in any order, and always comes out the same.
    """
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}; use one of {', '.join(map(repr, SPLITS))}.")
    label = index % len(CLASSES)
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    image = draw(label, rng, size=size, difficulty=difficulty, novel=split == "novel")
    return image, label


def _check(label: int, size: int, difficulty: float) -> None:
    """Raise ValueError, naming the valid values, for a bad label, size or difficulty."""
    if label not in range(len(CLASSES)):
        names = ", ".join(f"{i} ({name})" for i, name in enumerate(CLASSES))
        raise ValueError(f"Unknown label {label!r}; use one of {names}.")
    if not 0 <= difficulty <= 1:
        raise ValueError(f"difficulty={difficulty!r} is out of range; use a number from 0 to 1.")
    if size < MIN_SIZE:
        raise ValueError(f"size={size!r} is too small; use a size of at least {MIN_SIZE} pixels.")


# ----------------------------------------------------------------------------- colours


def _hsv(h: float, s: float, v: float) -> Colour:
    r, g, b = colorsys.hsv_to_rgb(h % 1.0, s, v)
    return round(255 * r), round(255 * g), round(255 * b)


def _natural_colour(rng: np.random.Generator) -> Colour:
    """The training palette: any hue, moderate saturation and brightness."""
    return _hsv(rng.random(), rng.uniform(0.1, 0.7), rng.uniform(0.3, 0.9))


def _neon(rng: np.random.Generator) -> Colour:
    """Novel only: fully saturated, full brightness."""
    return _hsv(rng.random(), rng.uniform(0.9, 1.0), 1.0)


def _dark(rng: np.random.Generator) -> Colour:
    """Novel only: a very dark colour, as in a night scene."""
    return _hsv(rng.random(), rng.uniform(0.3, 0.9), rng.uniform(0.03, 0.15))


def _neon_or_dark_colour(rng: np.random.Generator) -> Colour:
    return _neon(rng) if rng.random() < 0.5 else _dark(rng)


def _mix(a: Colour, b, t: float) -> Colour:
    """The colour a fraction ``t`` of the way from ``a`` to ``b``."""
    return tuple(round((1 - t) * x + t * y) for x, y in zip(a, b))


def _shade(colour: Colour, factor: float) -> Colour:
    """A darker (factor < 1) or lighter (factor > 1) version of ``colour``."""
    return tuple(min(255, round(c * factor)) for c in colour)


def _object_colour(rng, picture: Image.Image, difficulty: float, novel: bool) -> Colour:
    """The object's main colour; the harder, the closer it may be to the background's mean."""
    colour = _neon(rng) if novel else _natural_colour(rng)
    background = np.asarray(picture).reshape(-1, 3).mean(axis=0)
    return _mix(colour, background, difficulty * rng.uniform(0.0, 0.6))


# ----------------------------------------------------------------------------- backgrounds


@functools.lru_cache(maxsize=8)
def _grid(big: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates scaled to [0, 1): x and y, each (big, big, 1)."""
    y, x = np.mgrid[0:big, 0:big] / big
    return x[..., None], y[..., None]


def _to_image(pixels: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")


def _two_tone(mask: np.ndarray, a: Colour, b: Colour) -> Image.Image:
    return _to_image(np.where(mask, np.array(a, float), np.array(b, float)))


def _flat(rng, big: int) -> Image.Image:
    return Image.new("RGB", (big, big), _natural_colour(rng))


def _gradient(rng, big: int, colour=_natural_colour) -> Image.Image:
    """A linear blend between two colours, in a random direction."""
    x, y = _grid(big)
    angle = rng.uniform(0, 2 * np.pi)
    t = np.clip((x - 0.5) * np.cos(angle) + (y - 0.5) * np.sin(angle) + 0.5, 0, 1)
    a, b = np.array(colour(rng), float), np.array(colour(rng), float)
    return _to_image((1 - t) * a + t * b)


def _noise_texture(rng, big: int) -> Image.Image:
    """Smooth random blotches around a base colour (coarse noise, enlarged)."""
    cells = int(rng.integers(3, 12))
    noise = rng.normal(0, rng.uniform(15, 45), (cells, cells, 3)) + _natural_colour(rng)
    return _to_image(noise).resize((big, big), Image.BICUBIC)


def _background(rng, big: int) -> Image.Image:
    """A training-style background: flat, gradient or noise texture."""
    style = (_flat, _gradient, _noise_texture)[rng.integers(3)]
    return style(rng, big)


def _stripes(rng, big: int) -> Image.Image:
    x, y = _grid(big)
    angle = rng.uniform(0, np.pi)
    period = rng.uniform(0.08, 0.25)
    mask = ((x * np.cos(angle) + y * np.sin(angle)) / period) % 1.0 < 0.5
    return _two_tone(mask, _neon_or_dark_colour(rng), _neon_or_dark_colour(rng))


def _checkerboard(rng, big: int) -> Image.Image:
    x, y = _grid(big)
    cell = rng.uniform(0.08, 0.25)
    mask = ((x // cell + y // cell) % 2) == 0
    return _two_tone(mask, _neon_or_dark_colour(rng), _neon_or_dark_colour(rng))


def _dark_scene(rng, big: int) -> Image.Image:
    return _gradient(rng, big, colour=_dark)


def _novel_background(rng, big: int) -> Image.Image:
    """A novel-only background: stripes, a checkerboard or a dark scene."""
    style = (_stripes, _checkerboard, _dark_scene)[rng.integers(3)]
    return style(rng, big)


def _clutter(canvas: ImageDraw.ImageDraw, rng, big: int, difficulty: float, palette) -> None:
    """Random ellipses, rings, boxes and strokes behind the object; more of them when harder."""
    for _ in range(rng.poisson(10 * difficulty)):
        x0, y0 = rng.uniform(-0.1, 1.0, 2) * big
        w, h = rng.uniform(0.05, 0.35, 2) * big
        box = (x0, y0, x0 + w, y0 + h)
        stroke = max(1, round(rng.uniform(0.01, 0.04) * big))
        kind = rng.integers(4)
        if kind == 0:
            canvas.ellipse(box, fill=palette(rng))
        elif kind == 1:
            canvas.ellipse(box, outline=palette(rng), width=stroke)
        elif kind == 2:
            canvas.rectangle(box, fill=palette(rng))
        else:
            canvas.line(box, fill=palette(rng), width=stroke)


# ----------------------------------------------------------------------------- placing an object


class Pen:
    """Draws shapes given in the object's own frame onto the picture.

    The frame: x from about -0.5 (back) to 0.5 (front), y downwards, the object about one unit
    wide. The pen maps it to pixels with a scale, a rotation, a flip and a position.
    """

    def __init__(self, canvas, centre, scale: float, angle: float, flip: bool):
        self.canvas, self.scale = canvas, scale
        cos, sin = np.cos(angle), np.sin(angle)
        mirror = np.diag([-1.0 if flip else 1.0, 1.0])
        self._matrix = scale * np.array([[cos, -sin], [sin, cos]]) @ mirror
        self._centre = np.asarray(centre, float)

    def pixels(self, points) -> list[tuple[float, float]]:
        xy = np.asarray(points, float) @ self._matrix.T + self._centre
        return [tuple(p) for p in xy]

    def width(self, w: float) -> int:
        return max(1, round(w * self.scale))

    def polygon(self, points, colour: Colour) -> None:
        self.canvas.polygon(self.pixels(points), fill=colour)

    def ellipse(self, centre, rx: float, ry: float, colour: Colour) -> None:
        self.polygon(_ellipse_points(centre, rx, ry), colour)

    def line(self, points, w: float, colour: Colour) -> None:
        self.canvas.line(self.pixels(points), fill=colour, width=self.width(w), joint="curve")

    def ring(self, centre, r: float, w: float, colour: Colour) -> None:
        points = _ellipse_points(centre, r, r)
        self.line(np.vstack([points, points[:1]]), w, colour)


def _ellipse_points(centre, rx: float, ry: float, n: int = 24) -> np.ndarray:
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([centre[0] + rx * np.cos(t), centre[1] + ry * np.sin(t)], axis=1)


def _place_object(canvas, rng, big: int, difficulty: float) -> Pen:
    """A pen with a random scale, position, rotation (about ±15°) and flip.

    Harder means a wider range of scales, reaching down to small objects.
    """
    scale = rng.uniform(0.7 - 0.4 * difficulty, 0.9 - 0.1 * difficulty) * big
    room = max(0.0, big - scale) / 2  # how far the centre may move and keep the object inside
    centre = big / 2 + rng.uniform(-room, room, 2) * np.array([1.0, 0.8])
    angle = np.radians(rng.uniform(-15, 15))
    return Pen(canvas, centre, scale, angle, flip=rng.random() < 0.5)


def _occlude(pen: Pen, rng, difficulty: float, colour: Colour) -> None:
    """Hide part of the object behind a box or an ellipse."""
    centre = rng.uniform(-0.35, 0.35, 2) * [1, 0.5]
    rx, ry = rng.uniform(0.08, 0.12 + 0.13 * difficulty, 2)
    if rng.random() < 0.5:
        pen.ellipse(centre, rx, ry, colour)
    else:
        corners = [(-rx, -ry), (rx, -ry), (rx, ry), (-rx, ry)]
        pen.polygon(centre + corners, colour)


# ----------------------------------------------------------------------------- the three objects


def _dog(pen: Pen, rng, colour: Colour) -> None:
    """A dog in side view, facing +x: body, legs, tail, head, ears, snout, eye and nose."""
    dark = _shade(colour, 0.6)
    length = rng.uniform(0.25, 0.32)  # half the body's length
    leg = rng.uniform(0.18, 0.28)
    body_y = 0.3 - leg  # the body sits on the legs; feet at y = 0.3
    for x in (-length + 0.06, -length + 0.15, length - 0.15, length - 0.06):
        pen.line([(x, body_y), (x, 0.3)], 0.07, colour)
    tail_up = rng.uniform(-0.25, 0.05)
    pen.line([(-length + 0.03, body_y - 0.05), (-length - 0.12, body_y + tail_up)], 0.05, colour)
    pen.ellipse((0, body_y), length, 0.13, colour)
    head = np.array([length + 0.06, body_y - rng.uniform(0.14, 0.22)])
    pen.line([(length - 0.05, body_y - 0.02), tuple(head)], 0.12, colour)  # neck
    pen.ellipse(head, 0.11, 0.1, colour)
    pen.ellipse(head + (0.1, 0.03), 0.08, 0.05, colour)  # snout
    pen.ellipse(head + (0.17, 0.01), 0.025, 0.022, (25, 20, 20))  # nose
    pen.ellipse(head + (0.03, -0.03), 0.018, 0.018, (20, 20, 20))  # eye
    if rng.random() < 0.5:  # pointed ears
        pen.polygon([head + (-0.07, -0.05), head + (-0.01, -0.2), head + (0.02, -0.06)], dark)
    else:  # floppy ears
        pen.ellipse(head + (-0.05, 0.02), 0.035, 0.09, dark)


def _car(pen: Pen, rng, colour: Colour) -> None:
    """A car in side view, facing +x: body, cabin with windows, two wheels, lights."""
    glass = _mix(colour, (200, 225, 240), 0.7)
    top = -rng.uniform(0.3, 0.38)  # roof height
    rear = -0.4 if rng.random() < 0.4 else -0.28  # hatchback / estate, or saloon
    pen.polygon([(rear, -0.1), (rear + 0.08, top), (0.12, top), (0.28, -0.1)], colour)
    sill, lintel = -0.12, top + 0.04  # bottom and top of the windows
    pen.polygon([(rear + 0.05, sill), (rear + 0.1, lintel), (-0.05, lintel), (-0.05, sill)], glass)
    pen.polygon([(0.0, sill), (0.0, lintel), (0.1, lintel), (0.22, sill)], glass)
    pen.polygon([(-0.5, -0.12), (0.45, -0.1), (0.5, 0.0), (0.5, 0.1), (-0.5, 0.1)], colour)
    pen.ellipse((0.47, -0.04), 0.03, 0.025, (250, 230, 140))  # headlight
    pen.ellipse((-0.48, -0.05), 0.02, 0.025, (200, 40, 40))  # rear light
    for x in (-0.3, 0.3):
        pen.ellipse((x, 0.1), 0.13, 0.13, (30, 30, 30))  # tyre
        pen.ellipse((x, 0.1), 0.06, 0.06, (170, 170, 170))  # hub cap


def _bicycle(pen: Pen, rng, colour: Colour) -> None:
    """A bicycle in side view, facing +x: two wheels, the diamond frame, seat and handlebar."""
    dark = (35, 35, 35)
    r = rng.uniform(0.19, 0.23)
    back, front = np.array([-0.3, 0.12]), np.array([0.3, 0.12])
    crank = np.array([-0.02, 0.14])
    seat = np.array([-0.1, -0.16 - rng.uniform(0, 0.05)])
    head = np.array([0.22, -0.16])
    for hub in (back, front):
        pen.ring(hub, r, 0.035, dark)
        pen.ellipse(hub, 0.02, 0.02, dark)
    frame = [back, crank, seat, back, seat, head, crank, head, front]  # the two triangles, fork
    pen.line(frame, 0.03, colour)
    pen.line([seat, seat + (-0.01, -0.06)], 0.025, dark)  # seat post
    saddle = [(-0.1, -0.06), (0.06, -0.08), (0.06, -0.05), (-0.08, -0.03)]
    pen.polygon(seat + saddle, dark)
    bar = head + (-0.03, -0.1)
    pen.line([head, bar, bar + (-0.08, 0.02)], 0.03, dark)  # stem and handlebar
    pen.ellipse(crank, 0.04, 0.04, dark)  # chainring


DRAWERS = (_dog, _car, _bicycle)  # indexed by label, in the order of CLASSES


# ----------------------------------------------------------------------------- finishing


def _finish(picture: Image.Image, rng, size: int, difficulty: float) -> np.ndarray:
    """Downsample to ``size``, then blur and add pixel noise (both grow with difficulty)."""
    small = picture.resize((size, size), Image.LANCZOS)
    radius = rng.uniform(0, 1.5 * difficulty)
    if radius > 0.1:
        small = small.filter(ImageFilter.GaussianBlur(radius))
    pixels = np.asarray(small, dtype=np.float32)
    sigma = rng.uniform(0, 25 * difficulty)
    pixels = pixels + rng.normal(0, 1, pixels.shape).astype(np.float32) * sigma
    return np.clip(pixels, 0, 255).astype(np.uint8)
