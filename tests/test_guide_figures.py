"""Tooling: every reference-run figure the instructor guide quotes is the reference file's."""

from tools import guide_figures

VALUES = {("01", "jpeg_cache_gain"): 85.12568, ("04", "gzip_times_smaller"): 3.13632}


def test_every_marked_figure_in_the_guide_is_the_reference_files():
    text = guide_figures.GUIDE.read_text(encoding="utf-8")
    assert guide_figures.disagreements(text, guide_figures.reference_values()) == []
    marked = {(f["notebook"], f["key"]) for f in guide_figures.quoted_figures(text)}
    # the figures the guide once quoted stale (15× for 85×, 1.99× for 2.04×, 4.0× for 3.82×)
    # are marked, and so are the others it quotes (each is listed by python -m tools.guide_figures)
    assert {
        ("00", "train_to_inference_ratio"),
        ("A2", "jpeg_cache_gain"),
        ("03", "train_to_inference_ratio"),
    } <= marked
    assert len(guide_figures.quoted_figures(text)) >= 30


def test_a_stale_or_misrounded_figure_is_reported():
    stale = "about 15×<!-- ref 01/jpeg_cache_gain --> faster"
    assert guide_figures.disagreements(stale, VALUES) == [
        "line 1: 15 (01/jpeg_cache_gain): the reference file says 85; write that in the guide."
    ]
    # 3.13632 shows as 3.14 to two decimals and as 3.1 to one; 3.13 is off by more than 0.005
    assert guide_figures.disagreements("3.14×<!-- ref 04/gzip_times_smaller -->", VALUES) == []
    assert guide_figures.disagreements("3.1×<!-- ref 04/gzip_times_smaller -->", VALUES) == []
    assert len(guide_figures.disagreements("3.13×<!-- ref 04/gzip_times_smaller -->", VALUES)) == 1


def test_a_marker_naming_no_figure_is_reported():
    [problem] = guide_figures.disagreements("\n2.0×<!-- ref 00/no_such_key -->", VALUES)
    assert problem.startswith("line 2: 2.0 (00/no_such_key): the reference file has no such")


def test_percentages_thousands_and_inverses_are_read_as_shown():
    values = {("08", "accuracy"): 0.93, ("05", "bytes"): 104_112.0, ("05", "ratio"): 0.348124}
    text = (
        "93.0 %<!-- ref 08/accuracy, in % --> and 104 kB<!-- ref 05/bytes, in kB --> and "
        "2.87×<!-- ref 05/ratio, inverted --> and 104,112 bytes<!-- ref 05/bytes -->"
    )
    assert [f["shown"] for f in guide_figures.quoted_figures(text)] == [
        "93.0",
        "104",
        "2.87",
        "104,112",
    ]
    assert guide_figures.disagreements(text, values) == []
    # 1 / 0.348124 = 2.8726: 2.88 is wrong
    assert len(guide_figures.disagreements("2.88×<!-- ref 05/ratio, inverted -->", values)) == 1
