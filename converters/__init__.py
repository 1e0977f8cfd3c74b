"""Raw arithmetic rows → verified CoT/PoT conversations → MindRecord.

The rules (categorise, compute, complete) are pure functions; only `encode/mindrecord.py` touches MindSpore (a test holds every layer to that: tests/test_layers.py).
"""
