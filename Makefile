# Two commands set everything up: `make run` (site with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint check-deploy clean install

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py check_index --repair
	@echo "Open http://127.0.0.1:$(PORT)/ and log in as owner / kcs-demo (see README for all demo users)."
	@# Emails go out from one background sender, and search-index updates put off by a busy index
	@# are retried by one queue worker; both are stopped with the server however it ends.
	$(PY) manage.py send_notifications --loop & sender=$$!; \
	$(PY) manage.py process_index_queue --loop & indexer=$$!; \
	trap 'kill $$sender $$indexer 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:$(PORT); status=$$?; exit $$status

test: install
	$(PY) -m pytest -n 2 --dist loadfile

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-production-secret-value \
	DJANGO_ALLOWED_HOSTS=kb.example.com DJANGO_SECURE_HSTS_PRELOAD=1 $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static
