# Two commands do all set-up on a fresh machine:
#   make keys   - install symconv into .venv and render every bundled answer key (PDF when
#                 pdflatex is installed, .tex otherwise) into out/
#   make test   - install symconv with its test extras into .venv and run the whole suite
# .ci/run installs torch==2.14.1, torchvision==0.29.1 and TeX Live first, then calls `make test`.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
EXTRAS ?= test
OUT ?= out

.PHONY: install keys test lint typecheck bench fuzz clean

$(VENV)/.installed-$(EXTRAS): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[$(EXTRAS)]'
	touch $@

install: $(VENV)/.installed-$(EXTRAS)

keys: install
	@if command -v pdflatex >/dev/null; then \
	  $(VENV)/bin/symconv key derivations/*.toml -o $(OUT) --pdf; \
	else \
	  echo "pdflatex not found: writing .tex only (apt-get install texlive-latex-recommended for PDFs)"; \
	  $(VENV)/bin/symconv key derivations/*.toml -o $(OUT); \
	fi

test: install
	$(PY) -m ruff check symconv tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest

bench: install
	@for b in benchmarks/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# 100,000 random (reference, answer) pairs through the grader, 0 crashes expected; the seed is
# printed (FUZZ_SEED=S reproduces a run, FUZZ_PAIRS=N changes its length).
FUZZ_PAIRS ?= 100000
fuzz: install
	$(PY) benchmarks/fuzz_grading.py --pairs $(FUZZ_PAIRS) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))

clean:
	rm -rf $(OUT) .pytest_cache .mypy_cache .ruff_cache
