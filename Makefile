# make book | test | lab | notebooks | check-notebooks | lint | bench | browser-check | pdf | clean | distclean
# Each target first makes sure .venv holds a complete install for $(PYTHON) (python3 unless given,
# e.g. make test PYTHON=python3.12): see the stamp rule below.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTHON_VERSION := $(shell $(PYTHON) -c "import platform; print(platform.python_version())" 2>/dev/null)
# Written only after `pip install -r requirements.txt` succeeded, and named after the interpreter's
# version: a .venv made by another Python, or left half-installed by a failed install, has no such
# stamp, so the next target repairs it (same Python) or deletes and rebuilds it (another Python).
STAMP := $(VENV)/.installed-python$(PYTHON_VERSION)

.PHONY: book test lab notebooks check-notebooks lint bench browser-check pdf clean distclean

$(STAMP): requirements.txt pyproject.toml
	@test -n "$(PYTHON_VERSION)" || { echo "$(PYTHON) not found: give an interpreter, e.g. make PYTHON=python3.12"; exit 1; }
	@if [ "$$($(BIN)/python -c 'import platform; print(platform.python_version())' 2>/dev/null)" != "$(PYTHON_VERSION)" ]; then \
		echo "creating $(VENV) with Python $(PYTHON_VERSION)"; rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); fi
	rm -f $(VENV)/.installed-python*
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "The book is in _build/html; open _build/html/index.html in a browser."

test: $(STAMP)
	$(BIN)/python -m pytest

# JupyterLab in this environment, on the book's folder; its default kernel imports lmnotes.
# More options for jupyter lab in LAB_ARGS, e.g. make lab LAB_ARGS="--no-browser --port=8890".
LAB_ARGS ?=
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=book $(LAB_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check lmnotes tests benchmarks

# Speed and memory ratios measured in one run (a few minutes). JAX and torch.func are compared
# when the optional `bench` extra installs; without them those rows are left out.
BENCHMARKS := bench_derivatives bench_input_hessian bench_lm memory_gauss_newton
bench: $(STAMP)
	@$(BIN)/python -c "import jax, torch" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[bench]" || \
		echo "the bench extra (jax, torch) did not install: comparing against numpy, autograd and finite differences only"
	@for b in $(BENCHMARKS); do echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || exit 1; done

# Re-execute the notebooks in place (all, or NB=book/03_jacobian.ipynb), storing no timestamps or
# interpreter version, so that the diff shows only what really changed.
NB ?= book/*.ipynb
notebooks: $(STAMP)
	$(BIN)/python tests/notebooks.py execute $(NB)

# Re-execute every notebook into a temporary copy; fail if anything differs from the stored file
# outside the outputs of cells tagged nbval-ignore-output. Leaves the working tree untouched.
check-notebooks: $(STAMP)
	$(BIN)/python tests/notebooks.py check $(NB)

# Open every page of _build/html in headless Chromium (Debian's chromium at /usr/bin/chromium,
# or CHROMIUM=/path) at 390, 800 and 1280 px: drawers, cut equations and tables, clipped math,
# page width, code width, alt text, console errors, requests to other hosts; one line per page and
# width. Notebook content still to fix is listed in tests/browser_allowlist.yml. Screenshots in
# _build/screenshots/. Installs the `browser` extra (Playwright's client) into .venv first.
browser-check: $(STAMP)
	@test -f _build/html/index.html || $(MAKE) book
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install --quiet -e ".[browser]"
	$(BIN)/python tests/browser_check.py _build/html

# The PDF edition: the whole book through LaTeX with xelatex and Unicode fonts (Debian packages:
# texlive-xetex texlive-latex-extra texlive-fonts-recommended fonts-lmodern fonts-dejavu latexmk), written to
# _build/latex/lmnotes.pdf and copied to _build/html/lmnotes.pdf, where the web edition links to it.
pdf: $(STAMP)
	@command -v xelatex >/dev/null && command -v latexmk >/dev/null || \
		{ echo "make pdf needs xelatex and latexmk: apt-get install texlive-xetex texlive-latex-extra texlive-fonts-recommended fonts-lmodern fonts-dejavu latexmk"; exit 1; }
	$(BIN)/jupyter-book build . --builder pdflatex -W -n --keep-going
	@mkdir -p _build/html && cp _build/latex/lmnotes.pdf _build/html/lmnotes.pdf
	@echo "The PDF is _build/latex/lmnotes.pdf ($$(pdfinfo _build/latex/lmnotes.pdf 2>/dev/null | sed -n 's/^Pages: *//p') pages), copied to _build/html/lmnotes.pdf."

clean:
	rm -rf _build .pytest_cache .ruff_cache

# Also remove the environment (the next target rebuilds it from requirements.txt).
distclean: clean
	rm -rf $(VENV) build lmnotes.egg-info
