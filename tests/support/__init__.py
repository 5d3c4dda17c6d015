"""What tests and benchmarks share: the fake Bot API server, the test token and database URLs, sample registry rows."""
