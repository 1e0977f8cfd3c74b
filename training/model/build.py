"""Building MindFormers' Llama from a config, as its Trainer does, and running it on a batch."""
from __future__ import annotations

import numpy as np


def model_kwargs(model_cfg) -> tuple[dict, dict | None]:
    """model_config → (LlamaConfig keyword arguments, LoRA block or None)."""
    kwargs = {k: (dict(v) if hasattr(v, "keys") else v) for k, v in dict(model_cfg).items()}
    kwargs.pop("type", None)
    pet = kwargs.pop("pet_config", None)
    return kwargs, pet


def build_model(model_cfg, lora: bool = True, **overrides):
    """LlamaForCausalLM from a model_config (+ LoRA when the config has a pet_config and `lora`)."""
    from mindformers.models.llama import LlamaConfig, LlamaForCausalLM

    kwargs, pet = model_kwargs(model_cfg)
    kwargs.update(overrides)
    kwargs.setdefault("disable_lazy_inline", True)  # needed under msrun; harmless alone
    net = LlamaForCausalLM(config=LlamaConfig(**kwargs))
    if pet and lora:
        from mindformers.pet import get_pet_model

        net = get_pet_model(net, dict(pet))
    return net


def load_weights(net, params: dict[str, np.ndarray]) -> list[str]:
    """Put numpy weights into a network by name; returns the network's parameters left unset."""
    import mindspore as ms

    missing, _ = ms.load_param_into_net(net, {k: ms.Parameter(ms.Tensor(v), name=k) for k, v in params.items()})
    return list(missing)


def logits(net, ids: np.ndarray) -> np.ndarray:
    """Full-sequence logits [batch, seq, vocab] in eval mode (no loss, no shift)."""
    import mindspore as ms

    net.set_train(False)
    out = net(ms.Tensor(ids.astype(np.int32)))
    out = out[0] if isinstance(out, tuple) else out
    arr = out.asnumpy()
    if arr.ndim == 2:
        arr = arr.reshape(ids.shape[0], ids.shape[1], -1)
    return arr


MAX_CONVERSION_DIFF = 1e-3  # |logit| difference a converted model may have from the numpy reference


def converted_logits(params: dict[str, np.ndarray], mc: dict, ids: list[int]) -> np.ndarray:
    """Logits [seq, vocab] of converted weights in MindFormers' Llama on CPU (no LoRA), one sequence.

    Weights that leave a parameter of the model unset are refused: the check would mean nothing."""
    from fileio.errors import InputError
    from training.model.cpu import CPU_MODEL_SETTINGS

    net = build_model({**mc, **CPU_MODEL_SETTINGS, "seq_length": len(ids)}, lora=False)
    missing = load_weights(net, params)
    if missing:
        raise InputError(f"converted weights do not cover the model: {missing[:3]}")
    return logits(net, np.asarray([ids]))[0]


def require_close(check: dict) -> None:
    """Refuse a conversion whose logits are off the reference (`check` from a converter's verify)."""
    from fileio.errors import InputError

    if check["max_abs_diff"] > MAX_CONVERSION_DIFF:
        raise InputError(f"conversion check failed: logits differ from the reference by "
                         f"{check['max_abs_diff']:.2e} (> {MAX_CONVERSION_DIFF:g})")


def lora_params(net) -> dict[str, np.ndarray]:
    return {p.name: p.asnumpy() for p in net.get_parameters() if "mindpet_delta_lora" in p.name}


def trainable_count(net) -> tuple[int, int]:
    """(trainable parameters, all parameters)."""
    train = sum(int(np.prod(p.shape)) for p in net.trainable_params())
    total = sum(int(np.prod(p.shape)) for p in net.get_parameters())
    return train, total
