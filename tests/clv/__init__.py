"""Tests of custvalue.clv (a package, so its conftest does not clash with tests/conftest.py)."""
