"""Design versus deployed: what differs between two models, and the exposures only one of
them has."""
