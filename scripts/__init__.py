"""Command-line scripts: data preparation and benchmarks."""
