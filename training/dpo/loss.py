"""The DPO loss over MindFormers' LlamaForCausalLM, as MindSpore cells that graph mode compiles.

    loss = −log σ(β · ((log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))))

with log π(y|x) the sum of the answer's token log-probabilities (Rafailov et al. 2023, eq. 7); the
reference terms are numbers computed once before training (`reference_logps`)."""
from __future__ import annotations

import numpy as np


def _cells():
    import mindspore as ms
    from mindspore import nn, ops

    class SequenceLogProbs(nn.Cell):
        """Σ over scored positions of log p(token t+1 | tokens ≤ t): ids [N, S+1] int32, scored [N, S] → [N]."""

        def __init__(self, llama):
            super().__init__(auto_prefix=False)  # keep the model's parameter names (the checkpoint's)
            self.llama = llama

        def construct(self, ids, scored):
            tokens = ids[:, :-1]
            out = self.llama(tokens)
            logits = out[0] if isinstance(out, tuple) else out
            logits = ops.reshape(logits, (tokens.shape[0], tokens.shape[1], -1))
            logp = ops.log_softmax(logits, -1)
            picked = ops.gather_elements(logp, 2, ops.expand_dims(ids[:, 1:], -1))
            return ops.reduce_sum(ops.squeeze(picked, -1) * scored, 1)

    class DPOLoss(nn.Cell):
        """Mean DPO loss of a batch: ids [2B, S+1] (B chosen rows, then their B rejected), scored [2B, S],
        ref [2B] reference log-probabilities in the same order."""

        def __init__(self, llama, beta: float):
            super().__init__(auto_prefix=False)
            self.logps = SequenceLogProbs(llama)
            self.beta = beta

        def construct(self, ids, scored, ref):
            lp = self.logps(ids, scored) - ref
            half = lp.shape[0] // 2
            margin = self.beta * (lp[:half] - lp[half:])
            return ops.reduce_mean(ops.softplus(-margin))  # −log σ(m), stable for large |m|

    return SequenceLogProbs, DPOLoss, ms


def sequence_logps_cell(llama):
    return _cells()[0](llama)


def dpo_loss_cell(llama, beta: float):
    return _cells()[1](llama, beta)


def batch_order(ids: np.ndarray, scored: np.ndarray, ref: np.ndarray | None = None):
    """[B, 2, …] pairs → [2B, …] rows: the B chosen first, then the B rejected (the loss cell's order)."""
    flat = lambda a: np.concatenate([a[:, 0], a[:, 1]])  # noqa: E731
    return (flat(ids), flat(scored)) + ((flat(ref),) if ref is not None else ())
