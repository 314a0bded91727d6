"""The CI gate (issue 8): what a change to a model or its Casbin policy opened.

- ``exposures.py``: each exposure of one analysis (person group, field, mode, date window,
  minimal root cause) with its own windows and witnesses, its finding id and its fingerprint.
- ``diff.py``: the semantic diff of two analyses: facts gained (widened) and lost, whatever
  the finding id, and what each finding and each exposure identity gained and lost.
- ``base.py``: the base version, a second path or every file the model names read from git at
  a ref (no checkout; absent model: empty base), and HEAD's lines that differ from it.
- ``opened.py``: for each new or widened exposure, the witness path in HEAD and the changed
  lines on it.
- ``waivers.py``: the waiver file read and checked (file:line, JSON Schema), and ``judge``:
  which opened exposures a waiver covers and every reason the check fails.
- ``check.py``: ``accesssim diff`` and ``check`` as library calls (nothing written).
- ``result.py``: the frozen results every output reads (``GateReport``, verdict, counts).
"""
