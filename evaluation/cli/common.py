"""What the evaluation commands share: the help style, the `--sandbox` option, the model and the
sampling settings their options name."""
from __future__ import annotations

import argparse

FMT = argparse.ArgumentDefaultsHelpFormatter
SANDBOX_OPTION = dict(choices=["bwrap", "weak"], default="bwrap",
                      help="bwrap: each program in its own namespaces under bubblewrap (the kernel is the "
                           "boundary); weak: an in-process audit hook only, where bubblewrap is missing")


def model_from_args(a, template):
    """The model `--run-dir` or `--model-dir` names, on the backend `--backend` picks."""
    from fileio.errors import InputError
    from evaluation.inference.model import load_model_dir, load_run, use_backend

    if bool(a.run_dir) == bool(a.model_dir):
        raise InputError("give one of --run-dir (a trained run) or --model-dir (a converted model)")
    if a.model_dir:
        model = load_model_dir(a.model_dir, template, a.chat)
    else:
        model = load_run(a.run_dir, a.ckpt, a.tokenizer, template, a.chat)
    return use_backend(model, getattr(a, "backend", "kvcache"), getattr(a, "seq_length", 512))


def sampling_from_args(a):
    """--samples/--temperature/--top-p/--top-k/--seed, refused in one line before any work."""
    from fileio.errors import InputError
    from evaluation.inference.sampling import Sampling

    if a.samples < 1:
        raise InputError("--samples must be at least 1")
    try:
        sampling = Sampling(a.temperature, a.top_p, a.top_k, a.seed)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    if a.samples > 1 and sampling.greedy:
        print("mathtune: note: greedy decoding (--temperature 0 or --top-k 1) gives the same answer in every sample")
    return sampling
