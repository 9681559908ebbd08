"""Notebooks 02-08 (the sentence before a build): how long a build will take for this many
training images, from the reference machine's rate, and the cap on the images the sweeps
fine-tune on (``COURSE_FINETUNE_IMAGES``).

The builds that train (the model, and the two pruning sweeps that fine-tune it) spend their time
in training steps, and a training step costs the same for every image of the profile's size, so
their time grows in proportion to the training images. The estimate scales the reference
machine's build time (``data/reference_results.json``, the generated dataset's
:data:`REFERENCE_IMAGES` training images) by the images this build uses. It leaves out decoding
large photos (once per process) and the parts that do not grow with the images (evaluation on
the other splits, conversion, timing), so it is a rough figure: a machine under other load takes
longer.
"""

from __future__ import annotations

from utils import config, validate

REFERENCE_IMAGES = config.PROFILES["full"].train_size  # the reference run's training images
# artifact -> which images its time grows with: the whole training split, or the fine-tuned ones
GROWS_WITH = {
    "training.model": "train",
    "pruning.sweep": "finetune",
    "pruning.channels": "finetune",
}


def estimate_seconds(
    reference_seconds: float, images: int, reference_images: int = REFERENCE_IMAGES
) -> float:
    """The reference machine's build time scaled to ``images`` training images: its rate,
    ``reference_seconds / reference_images`` seconds per image, times ``images``."""
    validate.positive(reference_seconds=reference_seconds, reference_images=reference_images)
    validate.non_negative(images=images)
    return reference_seconds / reference_images * images


def suggested_cap(images: int, reference_images: int = REFERENCE_IMAGES) -> int | None:
    """A cap that brings a sweep back to the reference machine's time: the reference's own
    number of training images, when there are more than that (else None: no cap needed)."""
    return reference_images if images > reference_images else None


def sentence(name: str, reference_seconds: float | None, train_images: int, finetune: int) -> str:
    """What the sentence before a build adds for this many images (empty when nothing to add):
    the cap when one is set, and, where the images differ from the reference run's, the time
    scaled to them and a cap that would keep a sweep to the reference machine's time.
    ``train_images``: the training split's size; ``finetune``: the images fine-tuned on."""
    from utils.artifacts import duration  # the same wording as the reference's time

    grows = GROWS_WITH.get(name)
    if grows is None:
        return ""
    images = train_images if grows == "train" else finetune
    words = []
    if grows == "finetune" and finetune < train_images:
        words.append(
            f"it fine-tunes on {finetune:,} of the {train_images:,} training images "
            f"({config.FINETUNE_IMAGES_VARIABLE}={config.finetune_images()})"
        )
    if reference_seconds is not None and images != REFERENCE_IMAGES:
        guess = duration(estimate_seconds(reference_seconds, images))
        words.append(
            f"for {images:,} training images (the reference run had {REFERENCE_IMAGES:,}) "
            f"expect {guess} there"
        )
        cap = suggested_cap(images)
        if grows == "finetune" and cap is not None:
            words.append(
                f"to fine-tune on fewer, set {config.FINETUNE_IMAGES_VARIABLE}={cap} "
                f"({duration(estimate_seconds(reference_seconds, cap))} there)"
            )
    return "; ".join(words)


def finetune_caveat(finetune: int, train_images: int) -> str:
    """For a verdict on fine-tuned accuracy: a sentence saying the fine-tuning saw fewer training
    images than there are (empty when it saw them all)."""
    if finetune >= train_images:
        return ""
    return (
        f"The pruned models were fine-tuned on {finetune:,} of the {train_images:,} training "
        f"images ({config.FINETUNE_IMAGES_VARIABLE}), not all: with more, they may recover more."
    )


def for_this_build(name: str) -> str:
    """:func:`sentence` for artifact ``name`` on the active dataset and settings."""
    if name not in GROWS_WITH:
        return ""
    from utils import decoded, reference

    seconds = reference.build_seconds(name)
    if config.profile_name() != reference.REFERENCE_PROFILE:
        seconds = None  # the reference machine's times are the full profile's
    return sentence(name, seconds, decoded.train_count(), decoded.finetune_count())
