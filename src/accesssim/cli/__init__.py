"""The command line: one click group, one thin module per command."""
