"""Aggregate reports for partners and commissioners: never a person's data."""
