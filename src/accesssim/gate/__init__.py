"""The CI gate (issue 8): each exposure of one analysis with its own windows, root cause and
witnesses (``exposures.py``); the semantic diff of two analyses (``diff.py``); the base
version read from git or a second path, and HEAD's changed lines (``base.py``); the witness
and changed lines of each new or widened exposure (``opened.py``); waivers and the verdict
(``waivers.py``); ``accesssim diff`` and ``check`` as library calls (``check.py``); the
result objects every output reads (``result.py``).
"""
