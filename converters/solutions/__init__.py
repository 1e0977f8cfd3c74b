"""Solutions a model learns from: the working shown (CoT), programs (PoT), the text-only `steps` and
`compact` styles with their checkers, competition and GSM8K rows, and the style chooser `complete`."""
