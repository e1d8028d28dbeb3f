# dlsuite: `make demo` and `make test` create .venv with the pinned stack when it is missing.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
FASHION_MNIST := /usr/share/datasets/fashion-mnist
PYTEST_ARGS ?=

.PHONY: demo test test-slow lint format venv fashion-mnist browser clean

demo: venv fashion-mnist
	$(PY) -m tools.demo

test: venv fashion-mnist browser
	$(PY) -m pytest $(PYTEST_ARGS)

test-slow: venv fashion-mnist
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

venv: $(STAMP)

# Re-runs only when setup.py or constraints.txt change; pip is quick when all is installed.
$(STAMP): setup.py constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) not found; TFX 1.16 needs Python 3.11 (set PYTHON=...)"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --ignore-requires-python -c constraints.txt -e '.[test]'
	touch $(STAMP)

fashion-mnist:
	@if [ -f $(FASHION_MNIST)/train-images-idx3-ubyte.gz ]; then exit 0; fi; \
	if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else \
	  echo "make: Fashion-MNIST is missing from $(FASHION_MNIST) and apt-get cannot be used here."; \
	  echo "  Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist"; \
	  echo "  Online (TFDS): $(VENV)/bin/dlsuite data fetch fashion_mnist DIR   (needs network; pip install -e '.[data]')"; \
	  echo "                 then: $(VENV)/bin/dlsuite run image_classification --data DIR"; \
	  exit 2; \
	fi; \
	echo "make: installing Debian package dataset-fashion-mnist"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq dataset-fashion-mnist

# Headless Chromium for the report.html test (skipped, saying why, where it cannot be installed).
browser:
	@if command -v chromedriver >/dev/null; then exit 0; fi; \
	if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then SUDO=; \
	elif command -v apt-get >/dev/null && sudo -n true 2>/dev/null; then SUDO=sudo; \
	else echo "make: no chromium-driver and no apt-get as root: the report.html browser test will be skipped"; exit 0; fi; \
	echo "make: installing Debian packages chromium chromium-driver"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache *.egg-info
