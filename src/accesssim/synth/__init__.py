"""Synthetic models for benchmarks and tests (``accesssim generate``), and ``init``'s scaffold.

One grid company (NW), its contractors, its affiliated retailer, the retailer's contractors and
a new retailer, over three NW systems (wheeling, smart meter, outage/disaster), with a Casbin
policy in the shipped ``accesssim.conf`` format and realistic defects planted, a handful of each
kind, so that ``analyze`` finds several failure types:

- non-public fields shown in clear on screens retail roles may open (one since a 2016 change,
  one shown temporarily, one missed by encoding), and a retail role that may unmask some;
- unchecked transitions from retail-openable screens into NW-only screens;
- NW terminals placed at retail offices or in a shared building, or handed to retail groups,
  some of them left logged in as an NW account;
- NW terminals lent for disaster response, or set up during an outage, still at retail offices;
- a retail disaster role whose rules are not gated to disaster mode;
- NW credentials known by retail staff who used to work at NW.

Everything else is meant to be sound: NW-only screens are closed to retail roles, retail screens
mask non-public data, retail offices are open only to staff posted there.

Only a few distinct dates occur (the engine analyses one slice per mode and date epoch). The
output is byte-identical for a given preset, seed and scale: one ``random.Random(seed)`` drives
every choice, and elements are emitted in id order. The YAML is written by hand in flow style,
one element per line (screens and their field displays in block style, so every display has a
line).

Modules, in build order: ``spec`` (fixed data and preset sizes), ``state`` (the builder),
``systems``, ``policy``, ``people`` (places, people, accounts, terminals), ``plant`` (defects),
``writer`` (the text) and ``generate`` (the entry point); ``scaffold`` writes ``init``'s files.
"""
