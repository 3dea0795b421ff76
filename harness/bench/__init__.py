"""Benchmarks: workloads, their builds, runs and statistics."""
