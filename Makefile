# Two commands from a fresh clone: `make chat` and `make test`. Each makes .venv on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: chat test lint eval index clean-index

$(BIN)/citeqa: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# torch first, pinned: this machine has its CPU wheel; anything else pulls CUDA packages.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(BIN)/citeqa

chat: $(BIN)/citeqa
	$(BIN)/citeqa chat

index: $(BIN)/citeqa
	$(BIN)/citeqa index docs_corpus

test: $(BIN)/citeqa
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -q

lint: $(BIN)/citeqa
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy

eval: $(BIN)/citeqa
	$(BIN)/citeqa eval ../shared/eval/questions.jsonl --answerer heuristic --answerer reader
	$(BIN)/citeqa eval ../shared/benchmarks/covid-qa-dev.json --answerer heuristic --answerer reader
	$(BIN)/citeqa eval ../shared/benchmarks/squad2-normans.json --answerer heuristic --answerer reader

clean-index:  # every index; embeddings/README.md stays
	find embeddings -mindepth 1 -maxdepth 1 ! -name README.md -exec rm -rf {} +
