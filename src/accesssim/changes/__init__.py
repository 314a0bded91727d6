"""Change sets: a documented list of design changes (docs/whatif.md), read with file:line,
applied as text edits of the model and Casbin files, and analysed (``accesssim whatif``)."""
