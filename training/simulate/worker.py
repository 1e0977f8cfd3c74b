"""One simulated rank: MindFormers' Trainer from the YAML, run for one step under MindSpore's dryrun.

Started by `training.simulate.run` in a subprocess whose environment already holds MS_SIMULATION_LEVEL,
RANK_SIZE, RANK_ID (and, on a CPU machine, the stub CANN's library path). MindSpore prints the
peak memory when the process ends; the parent parses it. Usage:
    python -m training.simulate.worker SPEC.json
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

SYNTHETIC = "synthetic.mindrecord"


def write_synthetic(path: Path, rows: int, seq_length: int, vocab: int, pad: int) -> None:
    """Rows of seq_length + 1 random token ids: the simulation needs shapes, not text."""
    from converters.encode.mindrecord import write_mindrecord

    rng = np.random.default_rng(0)
    samples = ((ids, ids) for ids in (rng.integers(0, vocab, seq_length + 1).tolist() for _ in range(rows)))
    write_mindrecord(samples, path, seq_length, pad, {"synthetic": True, "tokenizer": {"vocab_size": vocab}})


def register_wrapper() -> None:
    """MindSpore's TrainOneStepCell under a name MindFormers' Trainer can build (it passes extra kwargs)."""
    from mindspore import nn
    from mindformers.tools.register import MindFormerModuleType, MindFormerRegister

    @MindFormerRegister.register(MindFormerModuleType.WRAPPER)
    class SimulationTrainOneStepCell(nn.TrainOneStepCell):
        def __init__(self, network, optimizer, **_):
            super().__init__(network, optimizer)


def simulation_config(spec: dict):
    """The YAML with the simulation's changes: depth, one epoch of two steps, no checkpoints."""
    from training.config.loader import global_batch, load_config

    from training.config.yamledit import apply_overrides

    cfg = load_config(spec["config"])
    apply_overrides(cfg, spec.get("overrides") or [])
    mc = cfg.model.model_config
    mc.num_layers = spec["layers"]
    out = Path(spec["out_dir"])
    cfg.output_dir = str(out / "mindformers")
    cfg.load_checkpoint = ""
    cfg.resume_training = False
    cfg.only_save_strategy = False
    cfg.use_parallel = spec["rank_size"] > 1
    cfg.context.device_target = "Ascend"
    cfg.context.device_id = 0
    # every parameter's layout, not only the trainable (LoRA) ones; MindFormers itself picks the file
    # name (OUTPUT/strategy/ckpt_strategy_rank_R.ckpt), which training.simulate.run copies out
    if cfg.use_parallel:
        cfg.parallel.pop("strategy_ckpt_save_file", None)
        cfg.parallel.strategy_ckpt_config = {
            "save_file": str(out / "strategy" / f"strategy_rank_{spec['rank']}.ckpt"), "only_trainable_params": False}
    cfg.runner_config.epochs = 1
    # two steps show the steady state; no sink mode, as the device data channel is a stub on CPU
    cfg.runner_config.sink_mode = False
    cfg.callbacks = [{"type": "MFLossMonitor"}]
    # Under the stub, a graph with a data-dependent branch fails to build ("Can not build a sub graph
    # which contains ConditionSwitch … by kbk"): the lr schedule's warm-up `if` and the loss-scale
    # wrapper's `if not overflow` are such branches. A constant lr and a plain train step keep the
    # same model, optimizer state and sharding (memory differs by scalars and the LoRA grad norm).
    if cfg.get("lr_schedule"):
        cfg.optimizer.learning_rate = float(cfg.lr_schedule.learning_rate)
        cfg.lr_schedule = None
    register_wrapper()
    cfg.runner_wrapper = {"type": "SimulationTrainOneStepCell"}
    data = spec.get("data")
    if data:
        from training.config.loader import fill_from_data

        fill_from_data(cfg, data)
    else:
        data = str(out / SYNTHETIC)
        if spec.get("seq_length"):
            mc.seq_length = spec["seq_length"]
        write_synthetic(Path(data), 2 * global_batch(cfg), mc.seq_length, mc.vocab_size, mc.pad_token_id)
    cfg.train_dataset.data_loader.dataset_dir = data
    cfg.train_dataset_task.dataset_config.data_loader.dataset_dir = data
    cfg.train_dataset.num_parallel_workers = 1
    cfg.train_dataset_task.dataset_config.num_parallel_workers = 1
    return cfg


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    cfg = simulation_config(spec)
    from mindformers import Trainer
    from mindformers.core.context import build_context

    print(f"simulate-worker: rank {spec['rank']} of {spec['rank_size']}, {spec['layers']} layers, "
          f"MS_SIMULATION_LEVEL={os.environ.get('MS_SIMULATION_LEVEL')}", flush=True)
    build_context(cfg)
    start = time.perf_counter()
    Trainer(cfg).train()
    print(f"simulate-worker: DONE in {time.perf_counter() - start:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
