# Every target sets up its own virtual environment, so a fresh clone needs only Python 3.10+ and make.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Extras installed into the venv; CI adds "torch" for the differential tests.
EXTRAS ?= dev
comma := ,
STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

# The course data lives beside the repo on the development and CI machines; elsewhere the
# loaders download into a per-user cache. With neither, the demo and the notebooks' short
# runs use the small sample shipped in the package (nn/sample_data).
SHARED_DATA := $(abspath ../shared/data)
ifneq ($(wildcard $(SHARED_DATA)/mnist),)
export AUTOGRAD_CORE_DATA := $(SHARED_DATA)
endif

.PHONY: demo test notebooks lab bench bench-mnist venv clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(PY) demo.py

# Two test workers already fill the two cores: a second BLAS thread per worker would only
# contend for them (it made small fits 5x slower here).
test: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q -n 2 tests

# Every lesson notebook, executed headless in its short setting (make test runs them too).
notebooks: $(STAMP)
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -q -n 2 tests/test_notebooks.py

# The notebooks in JupyterLab; options for it go in LAB_ARGS, as in
# make lab LAB_ARGS="--no-browser --ip=127.0.0.1 --port=8890".
# Jupyter refuses to run as root without --allow-root, and containers often run as root.
LAB_ARGS ?=
ALLOW_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)
lab:
	$(MAKE) venv EXTRAS=dev,lab
	$(VENV)/bin/jupyter lab $(ALLOW_ROOT) $(LAB_ARGS) notebooks

bench: $(STAMP)
	$(PY) benchmarks/run.py

# The course's MNIST run against PyTorch (needs EXTRAS=dev,torch); several minutes.
bench-mnist: $(STAMP)
	$(PY) benchmarks/mnist_fit.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
