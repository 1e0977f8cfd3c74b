"""yaml show / diff / set / derive on real preset files."""
import re
import shutil
from pathlib import Path

import pytest

from training.config.errors import ConfigError
from training.config.derive import derive
from training.config.yamledit import diff, parse_value, read_yaml, set_in_file, show

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def preset(tmp_path):
    dst = tmp_path / "p.yaml"
    shutil.copyfile(ROOT / "yaml" / "llama3_8b_lora_4p.yaml", dst)
    return dst


@pytest.mark.parametrize("text,value", [("8", 8), ("1e-4", 1e-4), ("1.e-5", 1e-5), ("true", True),
                                        ("[1, 2]", [1, 2]), (".*wq|.*wv", ".*wq|.*wv"), ("-3", -3)])
def test_parse_value(text, value):
    assert parse_value(text) == value


def test_set_keeps_comments_and_order(preset):
    before = preset.read_text()
    notes = set_in_file(str(preset), ["model.model_config.pet_config.lora_rank=16", "lr_schedule.learning_rate=2e-4"])
    assert notes == ["model.model_config.pet_config.lora_rank: 8 → 16", "lr_schedule.learning_rate: 0.0001 → 0.0002"]
    after = preset.read_text()
    assert after.count("\n") == before.count("\n")
    assert "# not `type: LoraConfig`" in after and "lora_rank: 16" in after
    assert [l for l in before.splitlines() if "lora_rank" not in l and "learning_rate:" not in l] == \
           [l for l in after.splitlines() if "lora_rank" not in l and "learning_rate:" not in l]


@pytest.mark.parametrize("assignment,message", [
    ("model.model_config.pet_config.lora_rank=eight", "expected int like 8, got 'eight'"),
    ("model.model_config.seq_lenght=5", "unknown key model.model_config.seq_lenght (did you mean seq_length?)"),
    ("nosuch.key=1", "unknown key nosuch"),
    ("runner_config=3", "runner_config is a section, not a value"),
    ("use_parallel=3", "expected bool"),
    ("seed", "expected key.path=value"),
])
def test_set_refuses(preset, assignment, message):
    before = preset.read_bytes()
    with pytest.raises(ConfigError, match=re.escape(message)):
        set_in_file(str(preset), [assignment])
    assert preset.read_bytes() == before  # nothing written


def test_show_and_diff(preset, tmp_path):
    assert "model.model_config.pet_config.lora_alpha: 16" in show(str(preset), "model.model_config.pet")
    other = tmp_path / "o.yaml"
    set_in_file(str(preset), ["runner_config.epochs=3"], out=str(other))
    assert diff(str(preset), str(other)) == "~ runner_config.epochs: 5 → 3"
    assert diff(str(preset), str(preset)) == "no differences"


def test_derive_for_8_cards_and_data(preset, tmp_path, tiny_data):
    out = tmp_path / "d.yaml"
    notes = derive(str(preset), 8, str(tiny_data / "train.mindrecord"), str(out))
    y = read_yaml(out)
    assert (y["parallel_config"]["data_parallel"], y["parallel_config"]["model_parallel"]) == (2, 4)
    assert y["runner_config"]["batch_size"] == 32 and y["train_dataset"]["batch_size"] == 32
    assert y["callbacks"][1]["save_checkpoint_steps"] == 4  # 256 rows / 64
    assert any("global batch 64 kept: 32 × dp 2 × micro 1" in n for n in notes)
    assert "# derived: 8 cards / model_parallel 4" in out.read_text()
    one = tmp_path / "one.yaml"
    derive(str(preset), 1, None, str(one))
    y1 = read_yaml(one)
    assert (y1["use_parallel"], y1["parallel"]["parallel_mode"], y1["parallel_config"]["model_parallel"]) == (False, 0, 1)
    assert y1["runner_config"]["batch_size"] == 64


@pytest.mark.parametrize("value", ["[1,", "{a: 1", "*x", "!!python/object/apply:os.system ['true']", "1\n2",
                                   "&a [*a]", "[" * 5000])
def test_values_yaml_cannot_read_are_one_line_errors(tmp_path, value):
    from training.config.errors import ConfigError
    from training.config.yamledit import set_in_file

    path = tmp_path / "c.yaml"
    path.write_text("a: [1, 2]\n")
    with pytest.raises(ConfigError) as err:
        set_in_file(str(path), [f"a={value}"])
    assert "\n" not in str(err.value) and path.read_text() == "a: [1, 2]\n"


def test_alias_bombs_and_deep_nesting_are_refused_before_expanding(tmp_path):
    from training.config.errors import ConfigError
    from training.config.yamledit import show

    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [f"{c}: &{c} [{', '.join(['*' + p] * 9)}]"
                                                    for p, c in zip("abcdefgh", "bcdefghi")]
    (tmp_path / "bomb.yaml").write_text("\n".join(bomb) + "\n")  # ~400 bytes, 9^9 values expanded
    with pytest.raises(ConfigError, match="aliases expand to more than"):
        show(str(tmp_path / "bomb.yaml"))
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 200_000 + "\n")
    with pytest.raises(ConfigError, match="nested deeper than"):
        show(str(tmp_path / "deep.yaml"))
    (tmp_path / "shared.yaml").write_text("base: &b {x: 1}\nuse: *b\n")  # MindFormers' presets share sections
    assert show(str(tmp_path / "shared.yaml")) == "base.x: 1\nuse.x: 1"
