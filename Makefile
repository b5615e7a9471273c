# judgekit: `make demo` sets everything up and runs the main job; `make test` runs the tests.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: env demo test lint clean

env: $(BIN)/judgekit

$(BIN)/judgekit: pyproject.toml scripts/setup-env.sh
	bash scripts/setup-env.sh $(VENV)
	touch $(BIN)/judgekit

demo: env
	bash scripts/demo.sh $(VENV)

test: env
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) runs dist build
