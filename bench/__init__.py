"""Benchmarks: seeding at scale, load drivers and the report behind ``make bench``."""
