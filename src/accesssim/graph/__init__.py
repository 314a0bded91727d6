"""The compiled, typed graph of people, places, accounts, terminals, screens and fields."""
