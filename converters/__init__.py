"""Raw arithmetic rows → verified CoT/PoT conversations → MindRecord.

The rules (categorise, compute, complete) are pure functions; only `mindrecord` touches MindSpore.
"""
