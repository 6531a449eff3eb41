# The two commands of the README: `make demo` and `make test`. Each creates
# .venv when it is missing and installs the package with the `gpu` extra when
# nvidia-smi finds a GPU, else the `cpu` extra.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EXTRA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP := $(VENV)/.installed-$(EXTRA)

.PHONY: demo test bench install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRA),dev]"
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/automl search --dataset digits --space cnn

test: $(STAMP)
	$(VENV)/bin/ruff check --quiet .
	$(PY) -m pytest

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf exports mlruns/mlflow.db mlruns/searches mlruns/[0-9]*
