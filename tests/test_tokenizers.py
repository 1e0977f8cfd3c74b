"""The three tokenizer kinds, built from real files (the packaged Llama 3 file, ones made here)."""
import json

import pytest

from converters.files import InputError
from converters.tokenizers import HFTokenizer, Llama3Tokenizer, SentencePieceTokenizer, load_tokenizer

TEXTS = ["计算 7469.98 * -2455.65 等于多少？", "print(Decimal('1.5') ** 3)", "Hello world 12345"] * 20


def test_llama3_digit_modes():
    single, meta = Llama3Tokenizer(digits="single"), Llama3Tokenizer(digits="meta")
    text = "计算 7469.98 * -2455.65 等于多少？"
    ids_single, ids_meta = single.encode_batch([text])[0], meta.encode_batch([text])[0]
    assert (len(ids_single), len(ids_meta)) == (22, 16)
    assert single.decode(ids_single) == meta.decode(ids_meta) == text
    assert all(len(single.decode([i]).strip()) <= 1 for i in ids_single if single.decode([i]).strip().isdigit())
    assert (single.bos_id, single.eos_id, single.pad_id, single.vocab_size) == (128000, 128001, 128002, 128256)
    # special-token text in data stays plain text
    assert 128001 not in single.encode_batch(["<|end_of_text|>"])[0]
    with pytest.raises(ValueError):
        Llama3Tokenizer(digits="pairs")


@pytest.fixture(scope="module")
def hf_file(tmp_path_factory):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<s>", "</s>", "<pad>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(TEXTS, trainer)
    d = tmp_path_factory.mktemp("hf")
    tok.save(str(d / "tokenizer.json"))
    (d / "tokenizer_config.json").write_text(json.dumps({"bos_token": "<s>", "eos_token": "</s>",
                                                         "pad_token": {"content": "<pad>"}}))
    return d / "tokenizer.json"


def test_hf_tokenizer_json(hf_file):
    tok = load_tokenizer(str(hf_file))
    assert isinstance(tok, HFTokenizer)
    assert (tok.bos_id, tok.eos_id, tok.pad_id) == (0, 1, 2)
    ids = tok.encode_batch(TEXTS[:3])
    assert [tok.decode(i) for i in ids] == TEXTS[:3]
    with pytest.raises(InputError, match="no bos token"):
        HFTokenizer(hf_file, bos="<missing>")


@pytest.fixture(scope="module")
def spm_file(tmp_path_factory):
    import sentencepiece as spm

    d = tmp_path_factory.mktemp("spm")
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(TEXTS * 5), model_prefix=str(d / "m"), vocab_size=120,
        character_coverage=1.0, hard_vocab_limit=False, unk_id=0, bos_id=1, eos_id=2, pad_id=3,
        normalization_rule_name="identity", add_dummy_prefix=False, remove_extra_whitespaces=False,
        minloglevel=2)
    return d / "m.model"


def test_sentencepiece(spm_file):
    tok = load_tokenizer(str(spm_file))
    assert isinstance(tok, SentencePieceTokenizer)
    assert (tok.bos_id, tok.eos_id, tok.pad_id) == (1, 2, 3)
    assert tok.decode(tok.encode_batch([TEXTS[1]])[0]) == TEXTS[1]


def test_bad_tokenizer_files_give_one_clear_message(tmp_path):
    with pytest.raises(InputError, match="tokenizer file not found"):
        load_tokenizer(str(tmp_path / "nope.model"))
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(InputError, match="not a Hugging Face tokenizer.json"):
        load_tokenizer(str(bad))
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"\x00\x01\x02 binary junk")
    with pytest.raises(InputError, match="not a sentencepiece model"):
        load_tokenizer(str(junk))
    fake = tmp_path / "fake.tiktoken"
    fake.write_text("QUJD 0\nnot-base64! x\n")
    with pytest.raises(InputError, match=":2: not a tiktoken BPE file"):
        load_tokenizer(str(fake))
