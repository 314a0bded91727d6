"""The least we must change: a minimum-cost change set that removes every finding and keeps
the access that must stay (``accesssim remediate``), solved as a hitting set and re-verified."""
