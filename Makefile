# make book | make test | make bench | make notebooks | make browser-check | make pdf | make clean  (each creates .venv on first use)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: book test bench lint notebooks browser-check pdf clean

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

notebooks: $(BIN)/jupyter-book
	$(BIN)/jupyter-execute --inplace book/*.ipynb

# Open every page of _build/html in headless Chromium (Debian's chromium at /usr/bin/chromium,
# or CHROMIUM=/path) at 390, 800 and 1280 px: drawers, cut equations and tables, clipped math,
# page width, code width, alt text, console errors, requests to other hosts; one line per page and
# width. Notebook content still to fix is listed in tests/browser_allowlist.yml. Screenshots in
# _build/screenshots/. Installs the `browser` extra (Playwright's client) into .venv first.
browser-check: $(BIN)/jupyter-book
	@test -f _build/html/index.html || $(MAKE) book
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[browser]"
	$(BIN)/python tests/browser_check.py _build/html

# The PDF edition: the whole book through LaTeX with xelatex and Unicode fonts (Debian packages:
# texlive-xetex texlive-latex-extra texlive-fonts-recommended fonts-lmodern fonts-dejavu latexmk), written to
# _build/latex/lmnotes.pdf and copied to _build/html/lmnotes.pdf, where the web edition links to it.
pdf: $(BIN)/jupyter-book
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || \
		{ echo "make pdf needs xelatex and latexmk: apt-get install texlive-xetex texlive-latex-extra texlive-fonts-recommended fonts-lmodern fonts-dejavu latexmk"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@mkdir -p _build/html && cp _build/latex/lmnotes.pdf _build/html/lmnotes.pdf
	@echo "The PDF is _build/latex/lmnotes.pdf ($$(pdfinfo _build/latex/lmnotes.pdf 2>/dev/null | sed -n 's/^Pages: *//p') pages), copied to _build/html/lmnotes.pdf."

clean:
	rm -rf _build .pytest_cache .ruff_cache
