"""A training run: `mathtune train` on Ascend or CPU, `msrun` launch, the progress bar, the run folder
(tokenizer copied in, checkpoints found), packed data and the training log."""
