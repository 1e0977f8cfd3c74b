"""Made-up problems: the contest's own formats, varied and reworded phrasings, middle-school
computations, and held-out problem sets."""
