"""REPORT.md of `make demo` and RESULTS.md of the SmolLM2 quality run, from the files the stages wrote."""
