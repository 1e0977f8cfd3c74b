"""The `mathtune` command: one entry point over converters, training and evaluation."""
