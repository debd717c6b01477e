# DeepSeek Local — developer commands. `make run` launches the app, `make test` runs the suite.

VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
# The first Python >= 3.12 found (PySide6 6.12 corrupts CPython 3.11).
PYTHON  ?= $(shell packaging/find-python.sh)

.PHONY: run test bench venv clean lint translations screenshots

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

# Re-extract the translatable strings into resources/translations/*.ts and compile the .qm files
# (see packaging/translations.py for the translator's workflow).
translations: $(STAMP)
	$(PY) packaging/translations.py

# Re-take the README's screenshots (English and Chinese) into tests/screenshots/.
screenshots: $(STAMP)
	SCREENSHOT_DIR=tests/screenshots QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider \
	  tests/gui/test_screenshots.py tests/gui/test_chinese_ui.py tests/gui/test_versions.py \
	  tests/gui/test_attach_files.py tests/gui/test_presets.py tests/gui/test_maths_app.py

# ruff (with the error-policy rules BLE and TRY, see pyproject.toml) and mypy, strict for the backend.
lint: $(STAMP)
	$(PY) -m ruff check app ui backend tests
	$(PY) -m mypy --strict backend
	$(PY) -m mypy app ui

clean:
	rm -rf $(VENV) build *.egg-info

# --- Desktop integration and bundles (see packaging/README.md) --------------------------------

.PHONY: icons install-desktop uninstall-desktop bundle bundle-test clean-bundle

# Re-render the PNG/.ico/.icns icons after editing resources/icons/*.svg.
icons: $(STAMP)
	$(PY) packaging/make_icons.py

# The launcher entry runs the venv's gui-script by absolute path (rewritten into Exec/TryExec).
install-desktop: $(STAMP)
	@packaging/linux/desktop-integration.sh install "$(abspath $(VENV))/bin/deepseek-local"

uninstall-desktop:
	@packaging/linux/desktop-integration.sh uninstall

# Bundles are built from their own venv, whose llama.cpp is compiled with GGML_NATIVE=OFF (an
# AVX2/FMA/F16C baseline instead of this machine's -march=native), so they run on other CPUs.
# Extra CMake flags for GPU bundles: make bundle BUNDLE_CMAKE_ARGS="-DGGML_CUDA=on".
BUNDLE_VENV       := .venv-bundle
BUNDLE_PY         := $(BUNDLE_VENV)/bin/python
BUNDLE_STAMP      := $(BUNDLE_VENV)/.installed
BUNDLE_CMAKE_ARGS ?=
BUNDLE_BIN        := dist/deepseek-local/deepseek-local
LLAMA_CMAKE_ARGS  := $(strip -DGGML_NATIVE=OFF $(BUNDLE_CMAKE_ARGS))
LLAMA_REQ         := $(shell sed -n 's/^ *"\(llama-cpp-python[^"]*\)".*/\1/p' pyproject.toml)

# Compile llama-cpp-python for the bundle unless it already was with these flags. --no-cache-dir:
# pip's wheel cache is keyed by the sdist, not by CMAKE_ARGS, so it would otherwise reinstall the
# dev venv's -march=native wheel (and cache this build for the dev venv).
define bundle_llama
	@if [ "$$(cat $(BUNDLE_VENV)/.llama-build 2>/dev/null)" != "$(LLAMA_REQ) $(LLAMA_CMAKE_ARGS)" ]; then \
	  echo "Compiling $(LLAMA_REQ) with CMAKE_ARGS='$(LLAMA_CMAKE_ARGS)' (several minutes)"; \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BUNDLE_PY) -m pip install --quiet --no-cache-dir \
	    --force-reinstall --no-deps '$(LLAMA_REQ)' \
	  && echo "$(LLAMA_REQ) $(LLAMA_CMAKE_ARGS)" > $(BUNDLE_VENV)/.llama-build; \
	fi
endef

$(BUNDLE_STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found. Install one (e.g. 'pyenv install 3.12') and retry." >&2; exit 1; }
	test -x $(BUNDLE_PY) || $(PYTHON) -m venv $(BUNDLE_VENV)
	$(BUNDLE_PY) -m pip install --quiet --upgrade pip
	$(bundle_llama)
	$(BUNDLE_PY) -m pip install --quiet -e . pyinstaller
	@touch $@

bundle: $(BUNDLE_STAMP)
	$(bundle_llama)
	$(BUNDLE_PY) -m PyInstaller --noconfirm --log-level WARN --distpath dist \
	  --workpath build/pyinstaller packaging/deepseek-local.spec
	@du -sh dist/deepseek-local | sed 's/\t.*/ dist\/deepseek-local/; s/^/bundle size: /'

$(BUNDLE_BIN):
	$(MAKE) bundle

# --version, then an offscreen --self-test on a generated tiny model (see packaging/bundle_test.py).
bundle-test: $(STAMP) $(BUNDLE_BIN)
	$(PY) packaging/bundle_test.py --bundle $(BUNDLE_BIN)

# --- The offload plan on a real GPU ----------------------------------------------------------

.PHONY: gpu-check

# On a machine with an NVIDIA GPU (nvcc on PATH): llama-cpp-python built with CUDA in its own venv,
# then packaging/gpu_check.py writes a synthetic ~60 GB DeepSeek-shaped model (build/gpu-check/)
# and measures the automatic plan, a --cpu-moe-layers sweep and llama.cpp's --fit (if present).
# Options: make gpu-check GPU_CHECK_ARGS="--size-gb 90 --ctx 16384"
GPU_VENV       := .venv-gpu
GPU_CHECK_ARGS ?=

gpu-check:
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found." >&2; exit 1; }
	test -x $(GPU_VENV)/bin/python || $(PYTHON) -m venv $(GPU_VENV)
	@if [ "$$(cat $(GPU_VENV)/.llama-build 2>/dev/null)" != "$(LLAMA_REQ) cuda" ]; then \
	  echo "Compiling $(LLAMA_REQ) with CUDA (10-20 minutes)"; \
	  CMAKE_ARGS="-DGGML_CUDA=on" $(GPU_VENV)/bin/python -m pip install --quiet --no-cache-dir \
	    --force-reinstall --no-deps '$(LLAMA_REQ)' && echo "$(LLAMA_REQ) cuda" > $(GPU_VENV)/.llama-build; \
	fi
	$(GPU_VENV)/bin/python -m pip install --quiet -e .
	$(GPU_VENV)/bin/python packaging/gpu_check.py $(GPU_CHECK_ARGS)

# Keeps .venv-bundle (its llama.cpp build takes minutes); `rm -rf .venv-bundle` to start over.
clean-bundle:
	rm -rf dist build/pyinstaller
