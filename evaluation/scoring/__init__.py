"""Pure scoring rules: the answer read from model text, exact and symbolic judging, the text-only
figure, SQuAD's metrics, and MindFormers' own predict output."""
