"""`mathtune ckpt from-hf`: a real Hugging Face Llama folder → MindFormers; export-hf gives it back."""
import json
import subprocess
import sys

import numpy as np
import pytest

from fileio.errors import InputError
from hf_fixtures import write_hf_llama
from training.checkpoints.hf_export import hf_name
from training.checkpoints.hf_import import mf_name, read_hf_model

NAMES = [("model.embed_tokens.weight", "model.tok_embeddings.embedding_weight"),
         ("model.norm.weight", "model.norm_out.weight"), ("lm_head.weight", "lm_head.weight"),
         ("model.layers.1.self_attn.q_proj.weight", "model.layers.1.attention.wq.weight"),
         ("model.layers.1.self_attn.k_proj.weight", "model.layers.1.attention.wk.weight"),
         ("model.layers.1.self_attn.v_proj.weight", "model.layers.1.attention.wv.weight"),
         ("model.layers.1.self_attn.o_proj.weight", "model.layers.1.attention.wo.weight"),
         ("model.layers.0.mlp.gate_proj.weight", "model.layers.0.feed_forward.w1.weight"),
         ("model.layers.0.mlp.down_proj.weight", "model.layers.0.feed_forward.w2.weight"),
         ("model.layers.0.mlp.up_proj.weight", "model.layers.0.feed_forward.w3.weight"),
         ("model.layers.0.input_layernorm.weight", "model.layers.0.attention_norm.weight"),
         ("model.layers.0.post_attention_layernorm.weight", "model.layers.0.ffn_norm.weight")]


@pytest.mark.parametrize("hf, mf", NAMES)
def test_names_map_both_ways(hf, mf):
    assert mf_name(hf) == mf and hf_name(mf) == hf


def _mathtune(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "mathtune", *args], capture_output=True, text=True, timeout=timeout)


def test_from_hf_then_export_hf_gives_the_same_tensors(tmp_path):
    """Sharded, untied: converted with the logits check (≤ 1e-4 vs numpy over the original files),
    exported back bit for bit, and the export-hf folder itself works as --model-dir."""
    from safetensors.numpy import load_file

    src = tmp_path / "hf"
    original = write_hf_llama(src, tied=False, sharded=True)
    out = tmp_path / "model"
    proc = _mathtune("ckpt", "from-hf", str(src), "--out", str(out))
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "conversion.json").read_text())
    assert report["check"]["max_abs_diff"] <= 1e-4 and report["check"]["positions"] == 24
    assert report["check"]["next_token_id"] == report["check"]["reference_next_token_id"]
    mc = json.loads((out / "model_config.json").read_text())
    assert mc == {"hidden_size": 64, "num_layers": 2, "num_heads": 4, "n_kv_heads": 2, "intermediate_size": 96,
                  "vocab_size": 103, "rms_norm_eps": 1e-5, "theta": 500000.0, "tie_word_embeddings": False,
                  "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 3}
    assert {p.name for p in out.iterdir()} >= {"model.ckpt", "tokenizer.json", "tokenizer_config.json",
                                               "train_config.yaml"}
    from training.config.yamledit import read_yaml

    train_mc = read_yaml(out / "train_config.yaml")["model"]["model_config"]
    assert (train_mc["theta"], train_mc["n_kv_heads"], train_mc["intermediate_size"]) == (500000.0, 2, 96)

    back = tmp_path / "back"
    proc = _mathtune("ckpt", "export-hf", "--ckpt", str(out / "model.ckpt"), "--config", str(out / "model_config.json"),
                     "--out", str(back))  # the tokenizer beside model_config.json comes along by default
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (back / "tokenizer.json").read_bytes() == (src / "tokenizer.json").read_bytes()
    exported = load_file(str(back / "model.safetensors"))
    assert set(exported) == set(original) and len(exported) == 21
    assert all(np.array_equal(exported[k], original[k]) for k in original)
    config = json.loads((back / "config.json").read_text())
    assert (config["rope_theta"], config["num_key_value_heads"], config["rms_norm_eps"]) == (500000.0, 2, 1e-5)

    # the export-hf folder (config.json, no model_config.json) is read by --model-dir, converted in memory
    from evaluation.inference.model import load_model_dir

    model = load_model_dir(back)
    assert model.mc == mc and np.array_equal(model.params["model.layers.1.attention.wk.weight"],
                                             original["model.layers.1.self_attn.k_proj.weight"])


def test_train_loads_the_converted_model(tmp_path):
    """train --config MODEL/train_config.yaml --load_checkpoint MODEL/model.ckpt on data tokenised by the
    model's own tokenizer.json: LoRA trains, and the frozen base in its checkpoint is the HF original."""
    from training.checkpoints.params import load_params

    original = write_hf_llama(tmp_path / "hf", tied=True, sharded=False, seed=2)
    model = tmp_path / "model"
    assert _mathtune("ckpt", "from-hf", str(tmp_path / "hf"), "--out", str(model), "--no-check").returncode == 0
    conv = [{"id": str(i + 1), "conversations": [
        {"from": "human", "value": f"What is {i} + {i + 3}?"},
        {"from": "gpt", "value": f"```python\nprint({i} + {i + 3})\n```\n```output\n{2 * i + 3}\n```\n{2 * i + 3}"}]}
        for i in range(16)]
    (tmp_path / "conv.json").write_text(json.dumps(conv))
    proc = _mathtune("data", "mindrecord", str(tmp_path / "conv.json"), "--tokenizer", str(model / "tokenizer.json"),
                     "--chat", "plain", "--seq-length", "auto", "--out", str(tmp_path / "train.mindrecord"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = _mathtune("train", "--config", str(model / "train_config.yaml"), "--load_checkpoint",
                     str(model / "model.ckpt"), "--train_data", str(tmp_path / "train.mindrecord"), "--epochs", "1",
                     "--run-name", "r", "--logs-dir", str(tmp_path / "logs"), timeout=900)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    ckpt = tmp_path / "logs" / "r" / "checkpoint" / "rank_0" / "llama_lora_rank_0-1_2.ckpt"
    trained = load_params(ckpt)
    assert any(k.endswith("wq.mindpet_delta_lora_b") and np.abs(v).max() > 0 for k, v in trained.items())
    assert np.array_equal(trained["model.layers.1.attention.wk.weight"],
                          original["model.layers.1.self_attn.k_proj.weight"])
    assert np.array_equal(trained["model.tok_embeddings.embedding_weight"], original["model.embed_tokens.weight"])


def test_tied_single_file(tmp_path):
    original = write_hf_llama(tmp_path / "hf", tied=True, sharded=False, seed=1)
    params, mc, _ = read_hf_model(tmp_path / "hf")
    assert mc["tie_word_embeddings"] is True and "lm_head.weight" not in params and len(params) == 20
    assert np.array_equal(params["model.tok_embeddings.embedding_weight"], original["model.embed_tokens.weight"])
    from training.checkpoints.hf_import import verify

    check = verify(params, original, mc, tmp_path / "hf")
    assert check["max_abs_diff"] <= 1e-4


def test_bfloat16_weights_are_widened(tmp_path):
    """bf16 (how most Llamas ship) has no numpy dtype: the reader widens the raw 16 bits. The file is
    written by the format's documented layout (8-byte header length, JSON header, raw data), and by
    safetensors.torch when torch is installed."""
    from training.checkpoints.hf_import import _read_safetensors

    values = np.array([1.0, -2.5, 0.15625, 2.0 ** 100], dtype=np.float32)  # exact in bf16
    bits = (values.view(np.uint32) >> 16).astype("<u2")
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "x": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (-len(header) % 8)
    (tmp_path / "b.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + bits.tobytes())
    assert np.array_equal(_read_safetensors(tmp_path / "b.safetensors")["x"], values.reshape(2, 2))
    (tmp_path / "cut.safetensors").write_bytes((tmp_path / "b.safetensors").read_bytes()[:-2])
    with pytest.raises(InputError, match="tensor x does not fit the file"):
        _read_safetensors(tmp_path / "cut.safetensors")
    try:
        import torch
        from safetensors.torch import save_file
    except ImportError:
        return
    save_file({"x": torch.tensor(values).to(torch.bfloat16)}, str(tmp_path / "t.safetensors"))
    assert np.array_equal(_read_safetensors(tmp_path / "t.safetensors")["x"], values)


def test_non_llama_and_missing_pieces_are_refused_in_one_line(tmp_path):
    write_hf_llama(tmp_path / "hf", sharded=False)
    cfg = json.loads((tmp_path / "hf" / "config.json").read_text())
    (tmp_path / "hf" / "config.json").write_text(json.dumps({**cfg, "model_type": "qwen2",
                                                             "architectures": ["Qwen2ForCausalLM"]}))
    proc = _mathtune("ckpt", "from-hf", str(tmp_path / "hf"), "--out", str(tmp_path / "o"), timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [f"mathtune: error: {tmp_path / 'hf' / 'config.json'}: architecture "
                                                "['Qwen2ForCausalLM']; only Llama (model_type llama, "
                                                "LlamaForCausalLM) converts to MindFormers' Llama"]
    (tmp_path / "hf" / "config.json").write_text(json.dumps(cfg))
    (tmp_path / "hf" / "model.safetensors").unlink()
    with pytest.raises(InputError, match="no \\*.safetensors weights"):
        read_hf_model(tmp_path / "hf")
    with pytest.raises(InputError, match="no config.json"):
        read_hf_model(tmp_path)
    assert not (tmp_path / "o").exists()
