"""Building MindFormers' Llama (with the CPU patches, all in `cpu.py`), the device it runs on, parameter
counts, and a plain numpy forward pass to check conversions against."""
