# DeepSeek Local — developer commands. `make run` launches the app, `make test` runs the suite.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# The first Python >= 3.12 found (PySide6 6.12 corrupts CPython 3.11).
PYTHON  ?= $(shell packaging/find-python.sh)

.PHONY: run test bench venv clean lint

$(PY):
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found. Install one (e.g. 'pyenv install 3.12') and retry." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@packaging/linux/check-qt-deps.sh
	$(PY) -m app $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m tests.bench

lint: $(STAMP)
	$(PY) -m ruff check app ui backend tests
	$(PY) -m mypy app ui backend

clean:
	rm -rf $(VENV) build *.egg-info
