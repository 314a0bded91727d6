"""Findings: the frozen results the engine returns and every report format reads."""
