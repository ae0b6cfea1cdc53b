"""Private implementation of :mod:`custvalue.plotting` (import the public facade)."""
