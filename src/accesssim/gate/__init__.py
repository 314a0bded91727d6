"""The CI gate: exposures of one analysis, and the semantic diff of two."""
