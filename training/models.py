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
    was = getattr(net, "predict_run_mode", None)
    out = net(ms.Tensor(ids.astype(np.int32)))
    out = out[0] if isinstance(out, tuple) else out
    arr = out.asnumpy()
    if arr.ndim == 2:
        arr = arr.reshape(ids.shape[0], ids.shape[1], -1)
    del was
    return arr


def lora_params(net) -> dict[str, np.ndarray]:
    return {p.name: p.asnumpy() for p in net.get_parameters() if "mindpet_delta_lora" in p.name}


def trainable_count(net) -> tuple[int, int]:
    """(trainable parameters, all parameters)."""
    train = sum(int(np.prod(p.shape)) for p in net.trainable_params())
    total = sum(int(np.prod(p.shape)) for p in net.get_parameters())
    return train, total
