"""Notebooks 06-08 on a student's own edge device: the device bundle (:mod:`.bundle`), its
standalone benchmark script (``course_device_benchmark.py``) and the measured device brought back
(:mod:`.imported`)."""
