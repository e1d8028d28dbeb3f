"""Command-line tools: the `dlsuite` CLI, data helpers and benchmarks."""
