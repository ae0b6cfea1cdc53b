"""Pandas-free formulas, one module per model; each function cites paper and equation."""
