"""Benchmarks: real data from ../shared/data, figures written to bench/results/."""
