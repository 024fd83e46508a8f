"""Independent oracles: explicit-loop reference layers and (optionally) torch."""
