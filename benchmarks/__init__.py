"""On-demand benchmarks (not part of `make test`): `make bench`, or run a module with --help."""
