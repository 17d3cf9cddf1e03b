# Asistente de la Escuela de Secretarías — one command per task (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

CACHE_DIR ?= $(HOME)/.cache/asistente-escuela
VENV ?= $(CACHE_DIR)/venv310
BIN := $(VENV)/bin
export MODEL_CACHE ?= $(CACHE_DIR)/models
export BIN
REQ_HASH := $(shell sha256sum requirements.txt | cut -c1-12)
STAMP := $(VENV)/.installed-$(REQ_HASH)

.PHONY: help install run run-prod nginx test lint unit validate train conversations integration browser e2e chromium eval bench clean

help:
	@echo "make run    instala lo que falte, entrena si cambió algo y arranca todo (Ctrl-C detiene)"
	@echo "make run-prod  configuración de producción: nginx, 2 réplicas de Rasa, PostgreSQL, Redis, RabbitMQ"
	@echo "make test   instala lo que falte y ejecuta todas las pruebas"
	@echo "make eval   evalúa el NLU, el enrutamiento y la búsqueda del catálogo con los conjuntos reservados"
	@echo "make bench  mide tiempos de respuesta y de carga"

$(STAMP): requirements.txt
	@if [ ! -x "$(BIN)/python" ]; then \
	  py=$$(scripts/find_python310.sh) || exit 1; \
	  echo "Creando el entorno virtual en $(VENV) con $$py"; \
	  "$$py" -m venv "$(VENV)"; \
	fi
	"$(BIN)/python" -m pip install --quiet --disable-pip-version-check --upgrade 'pip<25' wheel
	"$(BIN)/python" -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

var/.migrated: install
	@mkdir -p var
	@if [ -f alembic.ini ]; then "$(BIN)/alembic" upgrade heads >/dev/null; fi
	@touch var/.migrated

train: install
	@scripts/ensure_model.sh >/dev/null

run: install
	@"$(BIN)/python" scripts/run.py --model "$$(scripts/ensure_model.sh)"

# nginx (Debian) in front of the production configuration; installed when missing and root
nginx:
	@if [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Instalando nginx (Debian) para la configuración de producción..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
	  else \
	    echo "Falta nginx: sudo apt-get install nginx"; exit 1; \
	  fi; \
	fi

run-prod: install nginx
	@"$(BIN)/python" scripts/run_prod.py --model "$$(scripts/ensure_model.sh)"

lint: install
	"$(BIN)/ruff" check .

unit: install
	"$(BIN)/pytest" tests/unit

validate: install
	"$(BIN)/rasa" data validate --fail-on-warnings

conversations: install
	@"$(BIN)/python" scripts/conversation_tests.py --model "$$(scripts/ensure_model.sh)"

# Debian's Chromium for the real-browser tests (Playwright drives it; nothing is downloaded by Playwright)
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Instalando Chromium (Debian) para las pruebas en navegador..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Aviso: falta /usr/bin/chromium (sudo apt-get install chromium); las pruebas de navegador se omitirán."; \
	  fi; \
	fi

browser: install chromium
	@RASA_MODEL="$$(scripts/ensure_model.sh)" "$(BIN)/pytest" tests/browser

integration: install nginx
	@RASA_MODEL="$$(scripts/ensure_model.sh)" "$(BIN)/pytest" tests/integration

# integration + browser tests in ONE pytest session: one prepared database, one action server and
# one embedded Rasa shared by both (tests/stack.py)
e2e: install chromium nginx
	@RASA_MODEL="$$(scripts/ensure_model.sh)" "$(BIN)/pytest" tests/integration tests/browser

test: install lint unit validate conversations e2e
	@echo "Todas las pruebas pasaron."

# Frozen evaluation sets (tests/eval/README.md): aggregate figures only. ~30-40 min on 2 cores.
eval: install
	@export PYTHONWARNINGS=ignore; model="$$(scripts/ensure_model.sh)" && \
	  "$(BIN)/python" scripts/eval_nlu.py --model "$$model" --set frozen && echo && \
	  "$(BIN)/python" scripts/eval_routing.py --set frozen && echo && \
	  "$(BIN)/python" scripts/eval_conversations.py --model "$$model" --set frozen
	@"$(BIN)/python" scripts/eval_catalog.py --motor todos

bench: install
	@for s in scripts/bench_*.py; do "$(BIN)/python" "$$s" || exit 1; done

clean:
	rm -rf models/*.tar.gz var results .pytest_cache .ruff_cache
