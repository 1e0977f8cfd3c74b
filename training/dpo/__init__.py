"""Direct preference optimisation (Rafailov et al. 2023) on MindFormers' own Llama with LoRA, in graph mode: the part
MindFormers 1.9 lacks (pairs as token rows, sequence log-probabilities, the loss, the loop), and no more."""
