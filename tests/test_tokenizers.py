"""The three tokenizer kinds, built from real files (the packaged Llama 3 file, ones made here)."""
import json

import pytest

from fileio.errors import InputError
from converters.encode.tokenizers import HFTokenizer, Llama3Tokenizer, SentencePieceTokenizer, load_tokenizer
from llama3_oracle import META_LLAMA3_PAT_STR, MINDFORMERS_LLAMA3_PAT_STR, mindformers_llama3_oracle

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


ORACLE_TEXTS = ["计算 7469.98 * -2455.65 等于多少？", "x = 1234567890\n\n  print(x ** 2)\r\n", "３４５ and ٣٤٥ and ½",
                "It's 2024's 1st: 10,000.5% off!", "面积为 4788 平方厘米。\t12ab34", "   \n\n12\n", "e.g. 1e-5, 3.14159"]


@pytest.mark.parametrize("digits,pat_str", [("single", MINDFORMERS_LLAMA3_PAT_STR), ("meta", META_LLAMA3_PAT_STR)])
def test_llama3_matches_the_independent_oracle(digits, pat_str):
    import unicodedata

    ours, oracle = Llama3Tokenizer(digits=digits), mindformers_llama3_oracle(pat_str)
    for text in ORACLE_TEXTS:  # NFC first, as MindFormers' tokenize() does
        assert ours.encode_batch([text])[0] == oracle.enc.encode_ordinary(unicodedata.normalize("NFC", text)), text
    assert (ours.bos_id, ours.eos_id, ours.pad_id, ours.vocab_size) == \
        (oracle.bos_id, oracle.eos_id, oracle.pad_id, oracle.enc.n_vocab)
    if digits == "single":  # every digit a token of its own, the rule the contest's files were made with
        ids = oracle.enc.encode_ordinary("7469.98")
        assert [oracle.enc.decode([i]) for i in ids] == ["7", "4", "6", "9", ".", "9", "8"]
        assert ours.encode_batch(["7469.98"])[0] == ids


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
