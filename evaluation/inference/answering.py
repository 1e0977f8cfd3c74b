"""Problems → answers: the prompt as training rendered it, generation, a program block run in the sandbox and
its output fed back, and the final answer read from the program's output or the model's text."""
from __future__ import annotations

from converters.rules.prompts import render_prompt
from converters.encode.render import segments
from evaluation.inference.model import Model, generate
from evaluation.inference.program_turn import STOP_REPEATS, closed_code_block, observation, runaway_program
from evaluation.sandbox.limits import Limits
from evaluation.sandbox.runner import run_code


def prompt_ids(model: Model, problem: str, written: list[str] = ()) -> list[int]:
    """[BOS] + the prompt as training rendered it + what the assistant already wrote, tokenised in
    the same pieces as training (program, then observation)."""
    from converters.encode.render import NO_BOS_FORMATS

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
        if closed_code_block(text) is not None:
            return execute
        # a loop ends generation in batch prediction; chat and serve show the text as the model writes it
        return execute and on_event is None and runaway_program(text, STOP_REPEATS) is not None

    first = generate(model, prompts, max_new_tokens, tok.eos_id, stop=code_closed, on_token=on_token,
                      sampling=sampling, rngs=rngs)
    results = []
    second_idx, second_prompts = [], []
    for i, toks in enumerate(first):
        text = tok.decode(toks)
        found = closed_code_block(text) if execute and not gone(i) else None
        cut = runaway_program(text) if execute and not gone(i) and found is None and on_event is None else None
        entry = {"generation": text, "code": None, "code_status": None, "code_output": None}
        if keep_text:
            entry["text_generation"] = text
        if found or cut:
            code, end = found or cut
            if on_event is not None:
                on_event(i, "program", code)
            run = run_code(code, limits)
            if on_event is not None:
                on_event(i, "output", run)
            # a runaway program is shown as it ran: cut where it began repeating, its print and the fence added
            program = text[:end] + "\n" if found else f"{text[:end]}{code.rsplit(chr(10), 1)[-1]}\n```\n"
            seen = observation(run)
            if cut:  # the text as written stays: a pair for DPO rejects the loop, not the cut
                entry.update(program_cut=True, raw_generation=text)
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

        rest = generate(model, second_prompts, max_new_tokens, tok.eos_id, min_new_tokens=0, on_token=on_token,
                         sampling=sampling, rngs=[rngs[i] for i in second_idx] if rngs else None,
                         stop=after if on_event is not None or cancelled is not None else None)
        for i, toks in zip(second_idx, rest):
            results[i]["generation"] += tok.decode(toks)
    return results


def final_answer(entry: dict) -> tuple[str | None, str]:
    """In program of thought the interpreter's output is the answer: use it when the program ran (its
    last line that is one value, `converters.answers.number.program_answer`, else the text rules on what it
    printed, or its last line when that is one sympy/LaTeX expression); otherwise the model's text (its answer line, or whatever it wrote)."""
    from converters.answers.number import program_answer
    from converters.answers.expression import expression_line
    from evaluation.scoring.extract import extract_answer

    if entry.get("code_status") == "ok":
        output = entry.get("code_output") or ""
        printed = program_answer(output)
        if printed is None:  # a sympy value (`sqrt(3)/2`, `\\frac{1}{16}`) is the answer as printed
            printed = expression_line(output)
        printed = printed if printed is not None else extract_answer(output)
        if printed is not None:
            return printed, "program"
    return extract_answer(entry["generation"]), "text"
