"""Benchmarks: each ``bench_*.py`` module measures corridor beside its peers in one run."""
