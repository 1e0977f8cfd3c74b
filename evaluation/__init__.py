"""Evaluation: prediction with sandboxed program execution, math scoring, SQuAD retention, GSM8K."""
