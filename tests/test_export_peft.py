"""`mathtune ckpt export-peft`: a MindFormers LoRA run's adapter in PEFT's own names, shapes and config,
loaded by PEFT itself onto the export-hf base when torch + peft are installed (`pip install -e .[peft]`)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training.checkpoints.hf_export import export_hf
from training.checkpoints.params import CheckpointError, model_weights, save_params
from training.model.build import build_model, logits
from training.checkpoints.peft_export import peft_tensors

ROOT = Path(__file__).resolve().parents[1]
TINY = dict(hidden_size=64, num_layers=2, num_heads=4, n_kv_heads=2, intermediate_size=128, vocab_size=256,
            seq_length=16)
IDS = (np.arange(32).reshape(2, 16) * 7) % 255 + 1  # no pad id (0): MindFormers masks pad inputs
KEYS = {  # PEFT's LoraModel.save_pretrained names for Llama with target_modules ["q_proj", "v_proj"]
    f"base_model.model.model.layers.{i}.self_attn.{m}_proj.lora_{ab}.weight": shape
    for i in range(2) for m, out in (("q", 64), ("v", 32)) for ab, shape in (("A", (8, 64)), ("B", (out, 8)))}


@pytest.fixture(scope="module")
def lora_run(tmp_path_factory):
    """A LoRA model as a run leaves it: checkpoint with LoRA tensors + config.yaml with pet_config."""
    import mindspore as ms

    from training.model.cpu import CPU_MODEL_SETTINGS
    from training.config.yamledit import read_yaml, write_yaml

    d = tmp_path_factory.mktemp("lora_run")
    ms.set_context(mode=1, device_target="CPU")
    data = read_yaml(ROOT / "yaml" / "cpu_smollm2_135m_lora.yaml")
    for k, v in TINY.items():
        data["model"]["model_config"][k] = v
    write_yaml(d / "config.yaml", data)
    mc = {**dict(data["model"]["model_config"]), **CPU_MODEL_SETTINGS}
    mc["pet_config"] = dict(mc["pet_config"])
    ms.set_seed(5)
    net = build_model(mc)
    rng = np.random.default_rng(5)
    for p in net.get_parameters():  # B starts at zero; make the adapter matter
        if p.name.endswith("lora_b"):
            p.set_data(ms.Tensor(rng.standard_normal(p.shape).astype(np.float32) * 0.1))
    params = {p.name: p.asnumpy() for p in net.get_parameters()}
    save_params(params, d / "run.ckpt")
    return d, mc, params, logits(net, IDS)


def test_export_peft_keys_shapes_and_config(lora_run, tmp_path):
    from safetensors.numpy import load_file

    d, _, params, _ = lora_run
    proc = subprocess.run([sys.executable, "-m", "mathtune", "ckpt", "export-peft", "--ckpt", str(d / "run.ckpt"),
                           "--config", str(d / "config.yaml"), "--base-model", "my/base", "--out", str(tmp_path / "a")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    tensors = load_file(str(tmp_path / "a" / "adapter_model.safetensors"))
    assert {k: v.shape for k, v in tensors.items()} == KEYS
    assert np.array_equal(tensors["base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"],
                          params["model.layers.1.attention.wv.mindpet_delta_lora_b"])
    cfg = json.loads((tmp_path / "a" / "adapter_config.json").read_text())
    assert {k: cfg[k] for k in ("peft_type", "task_type", "r", "lora_alpha", "lora_dropout", "target_modules",
                                "base_model_name_or_path", "layers_to_transform", "use_rslora")} == {
        "peft_type": "LORA", "task_type": "CAUSAL_LM", "r": 8, "lora_alpha": 16, "lora_dropout": 0.0,
        "target_modules": ["q_proj", "v_proj"], "base_model_name_or_path": "my/base", "layers_to_transform": None,
        "use_rslora": False}


def test_export_peft_refusals(lora_run):
    _, _, params, _ = lora_run
    with pytest.raises(CheckpointError, match="has rank 8, the config says lora_rank 4"):
        peft_tensors(params, 4)
    with pytest.raises(CheckpointError, match="no LoRA tensors"):
        peft_tensors(model_weights({k: v for k, v in params.items() if "lora" not in k}), 8)
    uneven = {k: v for k, v in params.items() if "layers.1.attention.wv.mindpet" not in k}
    with pytest.raises(CheckpointError, match="different projections in different layers"):
        peft_tensors(uneven, 8)
    only_first = {k: v for k, v in params.items() if "layers.1.attention.w" not in k or "mindpet" not in k}
    assert peft_tensors(only_first, 8)[2] == [0]


PEFT_SKIP = "PEFT check needs `make test-peft` (pip install -e .[peft]: torch, transformers, peft)"
PEFT_SCRIPT = """
import json, sys
import numpy as np, torch
from peft import PeftModel
from safetensors.numpy import load_file
from transformers import LlamaForCausalLM

base, adapter, ids, out = sys.argv[1:5]
model = LlamaForCausalLM.from_pretrained(base, torch_dtype=torch.float32)
model = PeftModel.from_pretrained(model, adapter).eval()
with torch.no_grad():
    logits = model(torch.tensor(np.load(ids), dtype=torch.long)).logits.numpy()
    with model.disable_adapter():
        base = model(torch.tensor(np.load(ids), dtype=torch.long)).logits.numpy()
np.save(out + "/logits.npy", logits)
model.save_pretrained(out + "/resaved")  # PEFT's own names for what it loaded
ours = load_file(adapter + "/adapter_model.safetensors")
state = {k.replace(".default", ""): v for k, v in model.state_dict().items()}
print(json.dumps({"loaded_equal": all(np.array_equal(state[k].numpy(), v) for k, v in ours.items()),
                  "scaling": model.base_model.model.model.layers[0].self_attn.q_proj.scaling["default"],
                  "adapter_effect": float(np.abs(logits - base).max())}))
"""


def test_peft_loads_the_adapter_onto_the_exported_base(lora_run, tmp_path):
    """PeftModel.from_pretrained on the export-hf base gives MindFormers' LoRA logits (≤ 1e-4)."""
    pytest.importorskip("peft", reason=PEFT_SKIP)
    pytest.importorskip("torch", reason=PEFT_SKIP)
    from safetensors.numpy import load_file

    from training.checkpoints.peft_export import export_peft

    d, mc, params, want = lora_run
    export_hf(model_weights({k: v for k, v in params.items() if "lora" not in k}), mc, tmp_path / "base")
    export_peft(params, mc["pet_config"], mc, tmp_path / "adapter", str(tmp_path / "base"))
    np.save(tmp_path / "ids.npy", IDS)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}
    proc = subprocess.run([sys.executable, "-c", PEFT_SCRIPT, str(tmp_path / "base"), str(tmp_path / "adapter"),
                           str(tmp_path / "ids.npy"), str(tmp_path)], capture_output=True, text=True, timeout=300,
                          env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["adapter_effect"] > 0.05  # the adapter changes the logits: loading it is what is tested
    assert {k: report[k] for k in ("loaded_equal", "scaling")} == {"loaded_equal": True, "scaling": 2.0}
    got = np.load(tmp_path / "logits.npy")
    diff = float(np.abs(got - want).max())
    print(f"PEFT vs MindFormers LoRA logits: max |diff| {diff:.2e}; adapter effect {report['adapter_effect']:.3f}")
    assert diff <= 1e-4
    resaved = load_file(str(tmp_path / "resaved" / "adapter_model.safetensors"))
    assert {k: v.shape for k, v in resaved.items()} == KEYS
