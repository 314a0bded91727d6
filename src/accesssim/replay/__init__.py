"""Log replay: which recorded accesses crossed the boundary (docs/replay.md)."""
