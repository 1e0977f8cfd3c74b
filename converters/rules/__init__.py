"""The contest's rules: categorising a problem, computing its exact answer, the rounding a label may
carry, verifying a row's label, and the prompt templates."""
