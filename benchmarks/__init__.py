"""Benchmarks of ingest and answering: scripts that print tables (results in RESULTS.md)."""
