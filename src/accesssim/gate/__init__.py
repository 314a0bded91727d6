"""The CI gate (issue 8): each exposure of one analysis with its own windows and root cause
(``exposures.py``), and the semantic diff of two analyses (``diff.py``).

Not here yet: reading the base from git (``--base-ref``), the witness and changed lines of a
new or widened exposure, waivers, the ``diff``/``check`` commands and their outputs.
"""
