# make book | make test | make bench | make notebooks | make browser-check | make clean  (each creates .venv on first use)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test bench lint notebooks browser-check clean

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

# Speed and memory ratios measured in one run (a few minutes). JAX and torch.func are compared
# when the optional `bench` extra installs; without them those rows are left out.
BENCHMARKS := bench_derivatives bench_input_hessian bench_lm memory_gauss_newton
bench: $(BIN)/jupyter-book
	@$(BIN)/python -c "import jax, torch" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[bench]" || \
		echo "the bench extra (jax, torch) did not install: comparing against numpy, autograd and finite differences only"
	@for b in $(BENCHMARKS); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; done

# Re-execute the notebooks in place (all, or NB=book/03_jacobian.ipynb), storing no timestamps or
# interpreter version, so that the diff shows only what really changed.
NB ?= book/*.ipynb
notebooks: $(BIN)/jupyter-book
	$(BIN)/python tools/notebooks.py execute $(NB)

# Open every page of _build/html in headless Chromium (Debian's chromium at /usr/bin/chromium,
# or CHROMIUM=/path): math typeset offline, images loaded, no console errors; screenshots in
# _build/screenshots/. Installs the `browser` extra (Playwright's client) into .venv first.
browser-check: $(BIN)/jupyter-book
	@test -f _build/html/index.html || $(MAKE) book
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[browser]"
	$(BIN)/python tests/browser_check.py _build/html

clean:
	rm -rf _build .pytest_cache .ruff_cache
