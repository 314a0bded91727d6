"""Time: epochs, and the slices (mode x epoch) the analysis evaluates."""
