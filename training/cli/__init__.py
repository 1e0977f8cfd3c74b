"""`mathtune yaml …`, `train`, `launch`, `logs`, `ckpt …` and `simulate`: parsers over the training packages."""
