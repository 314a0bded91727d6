"""Defence in depth: the smallest sets of control failures that open a path to each field
(``accesssim faults``), each failure a change of the change-set vocabulary."""
