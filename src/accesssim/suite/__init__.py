"""Scenario expectations, their checks, and the `accesssim test` runner."""
