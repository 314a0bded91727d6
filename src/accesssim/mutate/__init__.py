"""Mutation score of a scenario's own expectations (``accesssim mutate``): every single
careless change, and which of those that open a path no expectation catches."""
