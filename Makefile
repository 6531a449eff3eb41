# The two commands of the README: `make demo` and `make test`. Each creates
# .venv when it is missing and installs the package with the `gpu` extra when
# nvidia-smi finds a GPU, else the `cpu` extra.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
EXTRA := $(shell nvidia-smi -L >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP := $(VENV)/.installed-$(EXTRA)

.PHONY: demo test bench install clean

LOG := $(VENV)/install.log
# Test processes: one per core of the two-core CI machine; each file stays in one process.
TEST_WORKERS ?= 2

$(PY):
	@echo "creating $(VENV) with $(PYTHON)"
	@$(PYTHON) -m venv $(VENV)

# The installer's screens of warnings go to $(LOG); a failed install prints the log's tail.
$(STAMP): setup.cfg pyproject.toml | $(PY)
	@echo "installing keras-automl and its '$(EXTRA)' and 'dev' extras into $(VENV) (a few minutes the first time; log: $(LOG))"
	@{ $(PY) -m pip install --upgrade pip && $(PY) -m pip install -e ".[$(EXTRA),dev]"; } >$(LOG) 2>&1 \
		|| { tail -n 40 $(LOG); echo "install failed; the whole log is $(LOG)"; exit 1; }
	@rm -f $(VENV)/.installed-*
	@touch $@
	@echo "installed"

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/automl search --dataset digits --space cnn

test: $(STAMP)
	$(VENV)/bin/ruff check --quiet .
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf exports mlruns/mlflow.db mlruns/searches mlruns/[0-9]*
