"""Benchmarks (``make bench``): throughput of our paths beside a baseline measured in the same run."""
