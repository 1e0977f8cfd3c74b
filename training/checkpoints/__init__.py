"""Checkpoints in and out: shards merged, LoRA folded or extracted, PEFT and Hugging Face export, GGUF
and Hugging Face import."""
