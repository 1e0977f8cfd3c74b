"""`mathtune predict`: a run's model answers problems, with its programs executed in the sandbox."""
from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from fileio.files import InputError, atomic_open
from converters.prompts import render_prompt
from converters.render import segments
from evaluation.generate import KVDecoder, batches, decode
from evaluation.pot_loop import closed_code_block, observation
from evaluation.sandbox import Limits, run_code


@dataclass
class Model:
    decoder: KVDecoder
    tokenizer: object
    chat: str
    template: str
    mc: dict
    params: dict | None = None  # kept for the MindFormers backend
    backend: object | None = None  # a MindFormersDecoder, or None for the KV-cache decoder


def use_backend(model: Model, backend: str, seq_length: int = 512) -> Model:
    """'kvcache' (CPU, ours), 'mindformers' (MindFormers' generate), or 'auto' (MindFormers on Ascend)."""
    if backend == "auto":
        import mindspore as ms

        backend = "mindformers" if ms.hal.is_available("Ascend") else "kvcache"
    if backend == "mindformers":
        from evaluation.generate import MindFormersDecoder
        from training.train import pick_device

        model.backend = MindFormersDecoder(model.params, model.mc, pick_device("auto"), seq_length)
    return model


def _generate(model: Model, prompts, max_new_tokens, eos_id, min_new_tokens=1, stop=None, on_token=None,
              sampling=None, rngs=None):
    if model.backend is None:
        return decode(model.decoder, prompts, max_new_tokens, eos_id, min_new_tokens, stop, on_token, sampling, rngs)
    if sampling is not None and not sampling.greedy:
        raise InputError("sampling (--temperature > 0) needs the kvcache backend")
    outs = model.backend.generate(prompts, max_new_tokens, eos_id, min_new_tokens)
    if stop is not None:  # MindFormers cannot stop mid-way: cut where the KV-cache decoder would have stopped
        for i, toks in enumerate(outs):
            for n in range(1, len(toks) + 1):
                if stop(i, toks[:n]):
                    outs[i] = toks[:n]
                    break
    if on_token:
        on_token(sum(len(o) for o in outs))
    return outs


def load_run(run_dir: str | os.PathLike, ckpt: str | None = None, tokenizer: str | None = None,
             template: str | None = None, chat: str | None = None) -> Model:
    """Weights (LoRA folded in with the run's α and r), tokenizer and prompt format of a run."""
    from converters.tokenizers import load_tokenizer
    from training.ckpt import load_params, merge_lora, model_weights
    from training.runfiles import run_tokenizer_path
    from training.train import last_checkpoint
    from training.yamledit import read_yaml

    run = Path(run_dir)
    for needed in ("config.yaml", "data.meta.json"):
        if not (run / needed).is_file():
            raise InputError(f"{run}: no {needed} (is it a `mathtune train` run folder?)")
    mc = dict(read_yaml(run / "config.yaml")["model"]["model_config"])
    meta = json.loads((run / "data.meta.json").read_text(encoding="utf-8"))
    path = Path(ckpt) if ckpt else last_checkpoint(run)
    if path is None:
        raise InputError(f"{run}: no checkpoint under checkpoint/rank_0 (or pass --ckpt)")
    params = load_params(path)
    pet = mc.get("pet_config")
    if any("mindpet_delta_lora" in k for k in params):
        params = merge_lora(params, pet["lora_alpha"], pet["lora_rank"])
    params = model_weights(params)
    tok_meta = meta["tokenizer"]
    spec = tokenizer or run_tokenizer_path(run, tok_meta)  # the run's own copy, whatever the cwd
    tok = load_tokenizer(spec, digits=tok_meta.get("digits", "single"))
    if template is None and meta.get("template") is None:
        print(f"mathtune: warning: {run}/data.meta.json records no prompt template (data made before templates "
              "were recorded, or mixing them): prompting with the bare problem; pass --template to choose",
              file=sys.stderr)
    return Model(KVDecoder(params, mc), tok, chat or meta.get("chat", "vicuna"),
                 template or meta.get("template") or "none", mc, params)


def load_model_dir(model_dir: str | os.PathLike, template: str | None = None, chat: str | None = None) -> Model:
    """A converted model folder (`mathtune ckpt from-gguf` / `from-hf`: model.ckpt, model_config.json,
    tokenizer.json), or a Hugging Face Llama folder (`export-hf`: config.json, safetensors), converted in memory."""
    from converters.tokenizers import load_tokenizer
    from training.ckpt import load_params, model_weights

    folder = Path(model_dir)
    if (folder / "model_config.json").is_file():
        mc = json.loads((folder / "model_config.json").read_text(encoding="utf-8"))
        params = model_weights(load_params(folder / "model.ckpt"))
    elif (folder / "config.json").is_file():
        from training.hf_import import read_hf_model

        params, mc, _ = read_hf_model(folder)
    else:
        raise InputError(f"{folder}: no model_config.json (a `mathtune ckpt from-gguf`/`from-hf` folder?) "
                         "and no config.json (a Hugging Face folder?)")
    tok = load_tokenizer(str(folder / "tokenizer.json"))
    return Model(KVDecoder(params, mc), tok, chat or "chatml", template or "none", mc, params)


def gold_of(row: dict) -> tuple[str | None, str | None]:
    """(category, gold answer) of a problem row: recomputed when the row has a solution."""
    from converters.verify import check
    from evaluation.extract import extract_answer

    if row.get("gold") is not None:
        return row.get("category"), str(row["gold"])
    solution = row.get("solution") or row.get("reference")
    c = check(row["problem"], solution or "")
    if c.category == "competition":
        return c.category, c.expected
    if c.expected is not None:
        return c.category, c.expected
    return c.category, extract_answer(solution) if solution else None


def prompt_ids(model: Model, problem: str, written: list[str] = ()) -> list[int]:
    """[BOS] + the prompt as training rendered it + what the assistant already wrote, tokenised in
    the same pieces as training (program, then observation)."""
    from converters.render import NO_BOS_FORMATS

    head = segments(render_prompt(problem, model.template), "", model.chat, mask_observation=False)[0].text
    lead = " " if model.chat == "vicuna" else ""
    pieces = [head]
    if written:
        pieces += [lead + written[0].lstrip(" "), *written[1:]]
    bos = [] if model.chat in NO_BOS_FORMATS else [model.tokenizer.bos_id]
    return bos + [t for part in model.tokenizer.encode_batch(pieces) for t in part]


def _tell_text(on_event, i: int, text: str, sent: list[int]) -> None:
    """Send problem i's new characters; a trailing U+FFFD is half a UTF-8 character: wait for the rest."""
    text = text.rstrip("\ufffd")
    if len(text) > sent[i]:
        on_event(i, "text", text[sent[i]:])
        sent[i] = len(text)


def answer_batch(model: Model, problems: list[str], max_new_tokens: int, limits: Limits, execute: bool = True,
                 on_token=None, sampling=None, rngs=None, on_event=None, keep_text: bool = False,
                 cancelled=None) -> list[dict]:
    """Generate; where a program block closes, run it, append its output, and let the model finish.
    With `sampling`, problem i draws from `rngs[i]` in both parts. `on_event(i, kind, value)` hears
    problem i as it goes: ("text", new characters the model wrote), ("program", code) before it runs,
    ("output", the sandbox Result) after (what chat and serve stream).
    With `keep_text`, the first part runs on to the end, so `text_generation` is what the model writes
    when nothing runs (what a text-only judge reads); the program in it is the same, greedy, as the one
    the first part would have stopped at. `cancelled(i)` true ends problem i where it is (its client left)."""
    tok = model.tokenizer
    prompts = [prompt_ids(model, p) for p in problems]
    sent, sent_after = [0] * len(problems), [0] * len(problems)
    gone = cancelled or (lambda i: False)

    def code_closed(i: int, toks: list[int]) -> bool:
        if gone(i):
            return True
        if not execute and on_event is None or keep_text:
            return False
        text = tok.decode(toks)
        if on_event is not None:
            _tell_text(on_event, i, text, sent)
        return execute and closed_code_block(text) is not None

    first = _generate(model, prompts, max_new_tokens, tok.eos_id, stop=code_closed, on_token=on_token,
                      sampling=sampling, rngs=rngs)
    results = []
    second_idx, second_prompts = [], []
    for i, toks in enumerate(first):
        text = tok.decode(toks)
        found = closed_code_block(text) if execute and not gone(i) else None
        entry = {"generation": text, "code": None, "code_status": None, "code_output": None}
        if keep_text:
            entry["text_generation"] = text
        if found:
            code, end = found
            if on_event is not None:
                on_event(i, "program", code)
            run = run_code(code, limits)
            if on_event is not None:
                on_event(i, "output", run)
            program, seen = text[:end] + "\n", observation(run)
            entry.update(code=code, code_status=run.status, code_output=run.stdout if run.ok else run.stderr[-500:],
                         generation=program + seen)
            second_idx.append(i)
            second_prompts.append(prompt_ids(model, problems[i], [program, seen]))
        results.append(entry)
    if second_prompts:
        def after(j: int, toks: list[int]) -> bool:
            if gone(second_idx[j]):
                return True
            if on_event is not None:
                _tell_text(on_event, second_idx[j], tok.decode(toks), sent_after)
            return False

        rest = _generate(model, second_prompts, max_new_tokens, tok.eos_id, min_new_tokens=0, on_token=on_token,
                         sampling=sampling, rngs=[rngs[i] for i in second_idx] if rngs else None,
                         stop=after if on_event is not None or cancelled is not None else None)
        for i, toks in zip(second_idx, rest):
            results[i]["generation"] += tok.decode(toks)
    return results


def final_answer(entry: dict) -> tuple[str | None, str]:
    """In program of thought the interpreter's output is the answer: use it when the program ran (its
    last line that is one value, `converters.answers.program_answer`, else the text rules on what it
    printed, or its last line when that is one sympy/LaTeX expression); otherwise the model's text (its answer line, or whatever it wrote)."""
    from converters.answers import program_answer
    from converters.mathanswers import expression_line
    from evaluation.extract import extract_answer

    if entry.get("code_status") == "ok":
        output = entry.get("code_output") or ""
        printed = program_answer(output)
        if printed is None:  # a sympy value (`sqrt(3)/2`, `\\frac{1}{16}`) is the answer as printed
            printed = expression_line(output)
        printed = printed if printed is not None else extract_answer(output)
        if printed is not None:
            return printed, "program"
    return extract_answer(entry["generation"]), "text"


def predict(model: Model, rows: list[dict], out: str, batch_size: int = 8, max_new_tokens: int = 128,
            limits: Limits = Limits(), execute: bool = True, show_progress: bool = True,
            samples: int = 1, sampling=None) -> dict:
    """Answer every row; with `samples` k > 1 (or a sampling temperature) each row gets k sampled
    answers and their majority vote (see evaluation.samples). When programs run, each greedy row also
    keeps `text_generation` and `text_answer`: the model's own text and what a judge that runs no code
    reads from it."""
    from tqdm import tqdm

    from evaluation.extract import extract_answer

    from evaluation.samples import sample_rows

    sampled = samples > 1 or (sampling is not None and not sampling.greedy)
    per_chunk = max(1, batch_size // samples) if sampled else batch_size

    start = time.perf_counter()
    tokens = 0
    bar = tqdm(total=len(rows), desc="predict", unit="problem", disable=not show_progress, mininterval=1)

    def count(n: int) -> None:
        nonlocal tokens
        tokens += n

    with atomic_open(out) as handle:
        for n, chunk in enumerate(batches(rows, per_chunk)):
            if sampled:
                answers = sample_rows(model, chunk, n * per_chunk, samples, sampling, max_new_tokens, limits,
                                      execute, count)
            else:
                answers = answer_batch(model, [r["problem"] for r in chunk], max_new_tokens, limits, execute, count,
                                       keep_text=execute)
            for row, ans in zip(chunk, answers):
                category, gold = gold_of(row)
                answer, source = final_answer(ans) if not sampled else (ans.pop("vote"), "vote")
                if "text_generation" in ans:  # the answer a judge that runs no code reads
                    ans["text_answer"] = extract_answer(ans["text_generation"])
                record = {"source": row.get("source"), "problem": row["problem"], "category": category,
                          "gold": gold, **{k: row[k] for k in ("id", "answers", "seen") if k in row},
                          **ans, "answer": answer, "answer_from": source}
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            bar.update(len(chunk))
            bar.set_postfix(tok_s=f"{tokens / max(time.perf_counter() - start, 1e-9):.1f}")
    bar.close()
    took = time.perf_counter() - start
    return {"problems": len(rows), "generated_tokens": tokens, "seconds": took, "tokens_per_s": tokens / max(took, 1e-9)}
