"""Kind placeholder until written."""
