"""Placeholder."""
OPTIONS: dict = {}

def check(q, options):
    pass

def draw(q, options):
    raise NotImplementedError
