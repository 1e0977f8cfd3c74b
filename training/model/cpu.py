"""Everything CPU-specific in one place. Nothing here is applied on Ascend.

Measured on MindSpore 2.9 / MindFormers 1.9 (see shared/notes/mindformers-on-cpu.md):
- the fused RmsNorm kernel, flash attention and bf16 Gather/Reshape are missing on CPU;
- the default rotary path uses a BatchMatMul broadcast the CPU backend rejects (`use_rope_slice`);
- the loss-scale train step asks for an Ascend-only overflow-status op unless the device is GPU;
- greedy decoding uses `ArgMaxExt`, which has no CPU kernel;
- sink mode on CPU runs the wrong number of steps.
"""
from __future__ import annotations

# model_config keys that make MindFormers' Llama run on CPU
CPU_MODEL_SETTINGS = {
    "fused_rms_norm": False,
    "use_rope_slice": True,
    "use_flash_attention": False,
    "compute_dtype": "float32",
    "layernorm_compute_type": "float32",
    "softmax_compute_type": "float32",
    "rotary_dtype": "float32",
    "param_init_type": "float32",
    "embedding_init_type": "float32",
    "use_past": False,  # the KV-cache kernels are Ascend-only; evaluation has its own CPU cache
}
CPU_TOP_SETTINGS = {("runner_config", "sink_mode"): False}

_patched = False
_GRAD_OVERFLOW = None  # set by apply_cpu_patches; a module global so graph mode can resolve it


def _overflow_status_on_cpu(self, status, compute_output):
    """CPU stand-in for TrainOneStepWithLossScaleCell.get_overflow_status: checks grads for inf/nan.

    Compiled by graph mode, so it may only use globals, not imports.
    """
    return self._get_distributed_overflow_status_on_infnan_mode(_GRAD_OVERFLOW, compute_output)


def apply_cpu_patches() -> None:
    """Patch MindSpore's train step for CPU. Idempotent; call only when the device is CPU."""
    global _patched, _GRAD_OVERFLOW
    if _patched:
        return
    from mindspore.nn.wrap import loss_scale

    _GRAD_OVERFLOW = loss_scale._ascend_grad_overflow
    loss_scale.TrainOneStepWithLossScaleCell.get_overflow_status = _overflow_status_on_cpu
    _patched = True


_ORIGINAL_ATTN = None  # LLamaAttention._attn before apply_cpu_mask_patch; a global for graph mode
_MASKED_SCORE = -10000.0  # what MindFormers' own causal mask adds to a masked score


def _attn_with_uint8_mask(self, query, key, value, mask):
    """LLamaAttention._attn that also takes the uint8 mask (1 = masked) Llama's construct makes of an
    `attention_mask` input. That mask is meant for flash attention; the plain path adds the mask to
    the scores, so it needs MindFormers' additive form. Compiled by graph mode: globals only."""
    if mask.dtype == _UINT8:
        mask = _CAST(mask, query.dtype) * _MASKED_SCORE
    return _ORIGINAL_ATTN(self, query, key, value, mask)


_UINT8 = None
_CAST = None


def apply_cpu_mask_patch() -> None:
    """Let Llama's plain (non-flash) attention on CPU take an explicit `attention_mask` (packed rows).
    Idempotent; call only when the device is CPU."""
    global _ORIGINAL_ATTN, _UINT8, _CAST
    if _ORIGINAL_ATTN is not None:
        return
    from mindspore import dtype as mstype
    from mindspore import ops
    from mindformers.models.llama.llama_transformer import LLamaAttention

    _UINT8, _CAST = mstype.uint8, ops.Cast()
    _ORIGINAL_ATTN = LLamaAttention._attn
    LLamaAttention._attn = _attn_with_uint8_mask


def cpu_argmax_patch(model) -> None:
    """Give a MindFormers model a greedy argmax that has a CPU kernel."""
    from mindspore import dtype as mstype
    from mindspore import ops

    kernels = {}

    def argmax(logits, axis=-1):  # MindFormers calls argmax(logits, -1) in its Python post-processing
        if axis not in kernels:
            kernels[axis] = ops.Argmax(axis=axis, output_type=mstype.int32)
        return kernels[axis](logits)

    model.argmax = argmax


def apply_cpu_config(config) -> list[str]:
    """Force the CPU settings onto a MindFormerConfig; returns what was changed, for the log."""
    changed = []
    model_cfg = config.model.model_config
    for key, value in CPU_MODEL_SETTINGS.items():
        if model_cfg.get(key) != value:
            changed.append(f"model.model_config.{key}: {model_cfg.get(key)!r} → {value!r}")
            model_cfg[key] = value
    for (section, key), value in CPU_TOP_SETTINGS.items():
        block = config.get(section)
        if block is not None and block.get(key) != value:
            changed.append(f"{section}.{key}: {block.get(key)!r} → {value!r}")
            block[key] = value
    if config.context.get("device_target") != "CPU":
        changed.append(f"context.device_target: {config.context.get('device_target')!r} → 'CPU'")
        config.context.device_target = "CPU"
    changed += clamp_workers(config, cpu_cores())
    for key in ("max_device_memory", "jit_config", "memory_optimize_level"):
        if key in config.context:  # Ascend-only context options
            changed.append(f"context.{key}: removed (Ascend only)")
            del config.context[key]
    return changed


def cpu_cores() -> int:
    """Cores this process may use (a container or taskset may allow fewer than the machine has)."""
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def clamp_workers(config, cores: int) -> list[str]:
    """num_parallel_workers above the core count fails on CPU (the 8B presets' 8 on 2 cores): clamp it."""
    changed = []
    for section in ("train_dataset", "eval_dataset", "train_dataset_task", "eval_dataset_task"):
        block = config.get(section)
        if not block:
            continue
        block = block.get("dataset_config", block) if section.endswith("_task") else block
        workers = block.get("num_parallel_workers") if block else None
        if isinstance(workers, int) and workers > cores:
            where = f"{section}.dataset_config" if section.endswith("_task") else section
            changed.append(f"{where}.num_parallel_workers: {workers} → {cores} (this machine has {cores} cores)")
            block["num_parallel_workers"] = cores
    return changed
