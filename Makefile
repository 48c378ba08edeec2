# make book | make test | make notebooks | make clean  (each creates .venv on first use)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test lint notebooks clean

$(BIN)/jupyter-book: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

book: $(BIN)/jupyter-book
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html; open _build/html/index.html in a browser."

test: $(BIN)/jupyter-book
	$(BIN)/python -m pytest

lint: $(BIN)/jupyter-book
	$(BIN)/ruff check lmnotes tests benchmarks

notebooks: $(BIN)/jupyter-book
	$(BIN)/jupyter-execute --inplace book/*.ipynb

clean:
	rm -rf _build .pytest_cache .ruff_cache
