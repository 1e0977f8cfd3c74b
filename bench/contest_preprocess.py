"""A stand-in for the contest's `llama_preprocess.py --dataset_type qa`, written the way it works.

Same algorithm and the same costs: the whole set rendered and tokenised before anything is
written; each text tokenised through MindFormers' own `PreTrainedTokenizer.__call__` with a
per-token detour (ids → token surface forms → ids, as its Llama3Tokenizer does); the whole round
and its instruction part tokenised separately; one row per `write_raw_data` call. Used by bench/
as the speed anchor and by the tests as an oracle for `--label-mode contest`.
"""
from __future__ import annotations

import unicodedata

import numpy as np

from converters.encode.render import IGNORE, VICUNA_SYSTEM


def detour_tokenizer(tok):
    """A Llama 3 tiktoken (`tok.enc` and its bos/eos/pad ids: ours, or the tests' oracle built from
    MindFormers' regex) wrapped in MindFormers' PreTrainedTokenizer, the path the script takes."""
    from mindformers.models.tokenization_utils import PreTrainedTokenizer

    class Detour(PreTrainedTokenizer):
        def __init__(self):
            self.enc = tok.enc
            self.decoder = {i: self.enc.decode_single_token_bytes(i) for i in range(tok.bos_id)}
            self.decoder.update({tok.bos_id: "<|begin_of_text|>", tok.eos_id: "<|end_of_text|>",
                                 tok.pad_id: "<|reserved_special_token_0|>"})
            self.encoder = {v: k for k, v in self.decoder.items()}
            super().__init__(bos_token="<|begin_of_text|>", eos_token="<|end_of_text|>",
                             pad_token="<|reserved_special_token_0|>")

        @property
        def vocab_size(self):
            return self.enc.n_vocab

        def get_vocab(self):
            return dict(self.encoder)

        def tokenize(self, text, **kwargs):
            text = unicodedata.normalize("NFC", text)
            ids = self.enc.encode(text, allowed_special="all")
            return [self.decoder[tok.bos_id], *(self.decoder[i] for i in ids), self.decoder[tok.eos_id]]

        def _convert_token_to_id(self, token):
            return self.encoder[token]

        def _convert_id_to_token(self, index):
            return self.decoder[index]

    return Detour()


def preprocess(conversations: list[list[dict]], tok, row_length: int):
    """(input_ids, labels) arrays for every conversation, built all at once as the script does."""
    sep = " ASSISTANT: "
    texts = []
    for turns in conversations:
        text = VICUNA_SYSTEM + " "
        for turn in turns:
            role = "USER" if turn["from"] == "human" else "ASSISTANT"
            text += f"{role}: {turn['value']}" + (" " if role == "USER" else "</s>")
        texts.append(text)
    inputs, targets = [], []
    for conversation in texts:
        rounds = conversation.split("</s>")
        ids = [tok.bos_token_id]
        for rou in rounds:
            if rou == "":
                break
            ids.extend(tok(rou)["input_ids"][1:])
        d = tok._pad({"input_ids": ids, "attention_mask": [1] * len(ids)}, max_length=row_length,
                     padding_strategy="max_length")
        inputs.append(d["input_ids"][:row_length])
        target = np.array(d["input_ids"])
        total = int(np.not_equal(target, tok.pad_token_id).sum())
        cur = 1
        target[:cur] = IGNORE
        for rou in rounds:
            if rou == "":
                break
            parts = rou.split(sep)
            if len(parts) != 2:
                break
            parts[0] += sep
            round_len = len(tok(rou)["input_ids"]) - 1
            instruction_len = len(tok(parts[0])["input_ids"]) - 3
            target[cur: cur + instruction_len] = IGNORE
            cur += round_len
        target[cur:] = IGNORE
        if cur < row_length:
            if cur != total:
                target[:] = IGNORE
        else:
            target = target[:row_length]
        targets.append(target.tolist())
    return np.array(inputs, dtype=np.int32), np.array(targets, dtype=np.int32)


def write_one_row_at_a_time(inputs: np.ndarray, targets: np.ndarray, out: str) -> None:
    from mindspore.mindrecord import FileWriter

    writer = FileWriter(out, shard_num=1, overwrite=True)
    writer.add_schema({"input_ids": {"type": "int32", "shape": [-1]},
                       "labels": {"type": "int32", "shape": [-1]}}, "qa")
    for ids, labels in zip(inputs, targets):
        writer.write_raw_data([{"input_ids": ids, "labels": labels}])
    writer.commit()
