"""SQuAD v1.1 retention: the contest's eval set, two metrics, log re-scoring and the 90% gate.

Two metrics, kept apart because they give different numbers for the same predictions:
- official: the SQuAD v1.1 script's rules. Lower-case, strip punctuation and articles, then token
  overlap F1 and exact match, each the best over all gold answers.
- mindformers: what MindFormers' `EmF1Metric` computes (the contest's numbers). It keeps the first
  line of the output, splits Chinese characters and a fixed set of symbols one by one and other
  text with jieba (spaces become segments), takes F1 from the longest common *substring* of
  segments against one label, and for EM removes only that symbol set (English `.` and `,` stay).
Both take the first line of the model's output as the prediction.
"""
from __future__ import annotations

import ast
import os
import re
import string
from collections import Counter

from fileio.errors import InputError, RowError
from fileio.reading import load_json, open_log

PROMPT = "Read the passage and answer the question below.\n\n### Instruction:\n{context}\n\n### Input:\n{question}\n\n### Response:"
MF_SYMBOLS = frozenset(['-', ':', '_', '*', '^', '/', '\\', '~', '`', '+', '=', '，', '。', '：', '？', '！', '“', '”',
                        '；', '’', '《', '》', '……', '·', '、', '「', '」', '（', '）', '－', '～', '『', '』'])
_CJK = re.compile(r"[\u4e00-\u9fa5]")


def build_items(dev_path: str | os.PathLike, errors: list[str] | None = None) -> list[dict]:
    """The contest's set: the first question of every paragraph, with all its gold answers.

    A paragraph of the wrong shape is `file: data[i].paragraphs[j]: reason` in `errors` (InputError
    without it) and the rest is read; a file with no usable paragraph is an InputError."""
    data = load_json(dev_path)  # unreadable, not UTF-8, invalid or too deeply nested: one line
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise InputError(f"{dev_path}: expected SQuAD v1.1 JSON, {{\"data\": [articles]}}")
    items = []
    for i, article in enumerate(data["data"]):
        paragraphs = article.get("paragraphs") if isinstance(article, dict) else None
        if not isinstance(paragraphs, list):
            _bad(errors, f"{dev_path}: data[{i}]: no 'paragraphs' list")
            continue
        for j, para in enumerate(paragraphs):
            try:
                item = _first_item(para)
            except (KeyError, TypeError, ValueError) as exc:
                _bad(errors, f"{dev_path}: data[{i}].paragraphs[{j}]: {exc}")
                continue
            if item:
                items.append(item)
    if not items:
        first = f" (first problem: {errors[0]})" if errors else ""
        raise InputError(f"{dev_path}: no paragraphs with answered questions{first}")
    return items


def _bad(errors: list[str] | None, message: str) -> None:
    if errors is None:
        raise InputError(message)
    errors.append(message)


def _first_item(para) -> dict | None:
    """The item of a paragraph's first question; None when it has no question or no answer."""
    if not isinstance(para, dict):
        raise ValueError(f"a paragraph is an object, not {type(para).__name__}")
    if not para.get("qas"):
        return None
    qa = para["qas"][0] if isinstance(para["qas"], list) else None
    if not isinstance(qa, dict):
        raise ValueError("'qas' is not a list of questions")
    answers = [a.get("text") if isinstance(a, dict) else None for a in qa.get("answers") or []]
    if not answers:
        return None
    fields = {"id": qa.get("id"), "context": para.get("context"), "question": qa.get("question")}
    for name, value in [*fields.items(), *(("answer", a) for a in answers)]:
        if not isinstance(value, str):
            raise ValueError(f"'{name}' is {type(value).__name__}, not a string")
    return {"id": fields["id"], "category": "squad", "answers": answers, "gold": answers[0],
            "problem": PROMPT.format(context=fields["context"], question=fields["question"])}


def _same_count(predictions: list, golds: list) -> None:
    if len(predictions) != len(golds):
        raise InputError(f"{len(predictions)} predictions but {len(golds)} labels: refusing to pair them")


def first_line(prediction: str) -> str:
    return prediction.strip().split("\n")[0]


# --- official SQuAD v1.1 ------------------------------------------------------------------
def normalize(text: str) -> str:
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def official_f1(prediction: str, truth: str) -> float:
    pred, gold = normalize(prediction).split(), normalize(truth).split()
    common = sum((Counter(pred) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def official_em(prediction: str, truth: str) -> float:
    return float(normalize(prediction) == normalize(truth))


def official_scores(predictions: list[str], answers: list[list[str]]) -> dict:
    """{'F1', 'EM'} in percent, each the best over the gold answers of an item."""
    _same_count(predictions, answers)
    n = len(predictions)
    f1 = sum(max(official_f1(first_line(p), a) for a in golds) for p, golds in zip(predictions, answers))
    em = sum(max(official_em(first_line(p), a) for a in golds) for p, golds in zip(predictions, answers))
    return {"F1": 100 * f1 / n, "EM": 100 * em / n, "n": n} if n else {"F1": 0.0, "EM": 0.0, "n": 0}


# --- MindFormers' EmF1Metric --------------------------------------------------------------
def mf_segments(text: str, drop_symbols: bool) -> list[str]:
    import jieba

    text = str(text).lower().strip()
    out, run = [], ""
    for ch in text:
        if drop_symbols and ch in MF_SYMBOLS:
            continue
        if _CJK.match(ch) or ch in MF_SYMBOLS:
            if run:
                out.extend(jieba.cut(run))
                run = ""
            out.append(ch)
        else:
            run += ch
    if run:
        out.extend(jieba.cut(run))
    return out


def longest_common_run(a: list[str], b: list[str]) -> int:
    """Length of the longest common contiguous run of segments."""
    best, prev = 0, [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                cur[j + 1] = prev[j] + 1
                best = max(best, cur[j + 1])
        prev = cur
    return best


def mf_f1(prediction: str, label: str) -> float:
    gold, pred = mf_segments(label, True), mf_segments(prediction, True)
    common = longest_common_run(gold, pred)
    if common == 0:
        return 0.0
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def mf_em(prediction: str, label: str) -> float:
    def strip(text: str) -> str:
        return "".join(ch for ch in str(text).lower().strip() if ch not in MF_SYMBOLS)

    return float(strip(prediction) == strip(label))


def mf_scores(predictions: list[str], labels: list[str]) -> dict:
    """{'F1', 'EM'} in percent, as EmF1Metric.eval() reports them (one label per item)."""
    _same_count(predictions, labels)
    preds = [first_line(p) for p in predictions]
    n = len(preds)
    if not n:
        return {"F1": 0.0, "EM": 0.0, "n": 0}
    return {"F1": 100 * sum(mf_f1(p, l) for p, l in zip(preds, labels)) / n,
            "EM": 100 * sum(mf_em(p, l) for p, l in zip(preds, labels)) / n, "n": n}


# --- MindFormers eval logs ----------------------------------------------------------------
_TOTAL = re.compile(r"F1 score: (\d+(?:\.\d+)?), Em score: (\d+(?:\.\d+)?), (?:total|current)_count: (\d{1,12})")
_TAGS = ("pred is:", "label is:")


def _log_value(raw: str) -> list[str]:
    """A printed pred/label: a list literal (EmF1Metric), or a bare string (other metrics)."""
    raw = raw.strip()
    if not raw.startswith("["):
        return [raw]
    try:
        value = ast.literal_eval(raw)  # literals only; a repr'd list of strings
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        raise ValueError("cannot read the list") from None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("expected a list of strings")
    return value


def read_eval_log(path: str | os.PathLike) -> tuple[list[str], list[str], dict | None, list[RowError]]:
    """(predictions, labels, the last totals the log printed, located problems) from the
    per-example blocks of EmF1Metric, in either layout MindFormers has printed:
    `pred is: ['x']` / `label is: ['y']` one per line (older), or each tag alone with the value
    on the next line (1.x: `print(f"pred is:\\n {gen}\\n", f"label is:\\n {label}")`)."""
    path = str(path)
    with open_log(path) as handle:
        lines = handle.read().split("\n")
    preds: list[str] = []
    labels: list[str] = []
    errors: list[RowError] = []
    pending = None  # (line, predictions) waiting for their label
    i = 0
    while i < len(lines):
        line, lineno = lines[i], i + 1
        tag = next((t for t in _TAGS if t in line), None)
        i += 1
        if tag is None:
            continue
        raw = line[line.index(tag) + len(tag):]
        if not raw.strip() and i < len(lines):
            raw, i = lines[i], i + 1  # the newer layout: the value on the next line
        try:
            value = _log_value(raw)
        except ValueError as exc:
            errors.append(RowError(path, lineno, f"'{tag}' {exc}"))
            pending = None
            continue
        if tag == "pred is:":
            if pending:
                errors.append(RowError(path, pending[0], "'pred is:' without a 'label is:'"))
            pending = (lineno, value)
        elif pending is None:
            errors.append(RowError(path, lineno, "'label is:' without a 'pred is:' before it"))
        elif len(pending[1]) != len(value):
            errors.append(RowError(path, pending[0], f"{len(pending[1])} predictions but {len(value)} labels"))
            pending = None
        else:
            preds.extend(pending[1])
            labels.extend(value)
            pending = None
    if pending:
        errors.append(RowError(path, pending[0], "'pred is:' without a 'label is:'"))
    if not preds:
        raise InputError(f"{path}: no 'pred is:' / 'label is:' blocks (a MindFormers EmF1Metric eval log?)"
                         + (f"; first problem: {errors[0]}" if errors else ""))
    totals = _TOTAL.findall("\n".join(lines))
    printed = {"F1": float(totals[-1][0]), "EM": float(totals[-1][1]), "n": int(totals[-1][2])} if totals else None
    return preds, labels, printed, errors


def gate(scores: dict, baseline_f1: float, baseline_em: float, ratio: float = 0.9) -> tuple[bool, str]:
    need_f1, need_em = ratio * baseline_f1, ratio * baseline_em
    ok = scores["F1"] >= need_f1 and scores["EM"] >= need_em
    return ok, (f"retention {'PASS' if ok else 'FAIL'}: F1 {scores['F1']:.3f} (needs ≥ {need_f1:.3f} = {ratio:g} × "
                f"{baseline_f1}), EM {scores['EM']:.3f} (needs ≥ {need_em:.3f} = {ratio:g} × {baseline_em})")
