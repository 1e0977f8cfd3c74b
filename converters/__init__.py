"""Raw arithmetic rows → verified CoT/PoT conversations → MindRecord.

The rules (categorise, compute, complete) are pure functions. MindSpore appears only in `encode/` where
MindRecord files are written or read (`mindrecord.py`, `stats.py`, and `char_tokenizer.py` through
`mindrecord`) and in `cli/`; the import-linter contract in setup.cfg holds the rest to that
(tests/test_layers.py).
"""
