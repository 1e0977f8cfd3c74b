"""`mathtune predict`, `score`, `squad`, `gsm8k`, `report`, `chat`, `serve` and `data rft`: parsers over
the evaluation packages."""
