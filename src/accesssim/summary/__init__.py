"""The regulator's summary: one row per model (grid company), built from the reports of the
model and of its remediated variant."""
