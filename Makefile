# make run   - install, build the shipped datasets, serve the dashboard at http://localhost:8501
# make test  - install with test dependencies and run the whole suite
# make cluster REPLICAS=2 PORT=8700 [DATA_DIR=dir] - N replicas on ports PORT+1.. behind nginx on PORT
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
REPLICAS ?= 2

.PHONY: run cluster test install data demo lint bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[test]"
	touch $@

# Browser-test tools from npm (axe-core for the accessibility checks); the app itself needs no Node.
node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	touch $@

install: $(VENV)/.installed

# Publish the shipped datasets (demonstration + ICE FY2019) into data/datasets if they are missing
# or their source changed. The published versions are derived files: never committed.
data: install
	$(PY) -m dashboard.shipped

run: data
	$(VENV)/bin/streamlit run dashboard/app.py --server.port $(PORT) --server.headless true

# Several replicas behind nginx on one data directory (deploy/README.md); foreground, Ctrl-C stops all.
# Without DATA_DIR it serves what `make data` publishes (into $ENCOUNTERS_DATA_DIR or data/datasets);
# DATA_DIR=dir serves that directory as it is (a shared volume, say), publishing nothing into it.
cluster: install
	$(if $(DATA_DIR),,$(PY) -m dashboard.shipped)
	$(PY) scripts/cluster.py --replicas $(REPLICAS) --port $(PORT) $(if $(DATA_DIR),--data-dir $(abspath $(DATA_DIR)))

test: install node_modules/.installed
	$(VENV)/bin/lint-imports --no-cache  # the import contracts in pyproject.toml (layers; Streamlit only in pages)
	$(PY) -m pytest -q -n 2 --dist loadgroup

lint: install
	$(VENV)/bin/ruff check dashboard tests benchmarks scripts
	$(VENV)/bin/ruff format --check dashboard tests benchmarks scripts

demo: install
	$(PY) -m dashboard.demo --out data/sources/demo/encounters.csv

bench: data
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) data/datasets test-artifacts
