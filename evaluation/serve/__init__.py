"""Using a tuned model: `mathtune chat` in a terminal and `mathtune serve`, an OpenAI-compatible HTTP API
with its page, batcher and guard."""
