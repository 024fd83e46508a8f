"""Kind ``network``: placeholder until written."""
