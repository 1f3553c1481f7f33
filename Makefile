# Two commands set everything up: `make run` (site with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SECRET_KEY_FILE := var/secret_key

# Loops that run beside the web server (`make run`, `make dev`), started with it and stopped with
# it however it ends. Add one with: WORKERS += $(call worker,<manage.py command and arguments>)
define worker
$(PY) manage.py $(1) & pids="$$pids $$!";
endef
# Emails go out from one background sender; search-index updates put off by a busy index are
# retried by one queue worker.
WORKERS = $(call worker,send_notifications --loop)
WORKERS += $(call worker,process_index_queue --loop)
mail_note = @$(if $(findstring filebased,$(DJANGO_EMAIL_BACKEND)),echo "Emails the site sends are written to $(DJANGO_EMAIL_FILE_PATH)/ (one file per batch).",true)
serve = pids=; trap 'kill $$pids 2>/dev/null' EXIT; trap 'exit 0' INT TERM; $(WORKERS) $(1)

.PHONY: run dev demo-data test lint check-deploy clean install messages

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# The demo's emails (hundreds at first: every demo user's notifications) are written to files in
# var/mail/ rather than over the terminal, where they scrolled the address to open away; the links in
# them name the port actually served. Set DJANGO_EMAIL_BACKEND (and its settings) to send real mail.
run dev: export DJANGO_EMAIL_BACKEND ?= django.core.mail.backends.filebased.EmailBackend
run dev: export DJANGO_EMAIL_FILE_PATH ?= var/mail
run dev: export KCS_SITE_URL ?= http://127.0.0.1:$(PORT)

# The demo as production runs it: gunicorn (gunicorn.conf.py), DEBUG off, static files collected and
# served by WhiteNoise, the site's own error pages, logs on stdout. It is plain HTTP on localhost,
# so the HTTPS-only protections are turned off here, explicitly; production keeps them on.
run: export DJANGO_DEBUG := 0
run: export DJANGO_SECRET_KEY ?= $(file < $(SECRET_KEY_FILE))
run: export DJANGO_SECURE_SSL_REDIRECT := 0
run: export DJANGO_SESSION_COOKIE_SECURE := 0
run: export DJANGO_CSRF_COOKIE_SECURE := 0
run: export DJANGO_SECURE_HSTS_SECONDS := 0
run: install $(SECRET_KEY_FILE) demo-data
	$(PY) manage.py collectstatic --noinput -v0
	@echo "Open http://127.0.0.1:$(PORT)/ and log in as owner / kcs-demo (see README for all demo users)."
	$(mail_note)
	$(call serve,$(VENV)/bin/gunicorn kcs_site.wsgi --bind 127.0.0.1:$(PORT))

# Development: Django's debug pages and auto-reload (runserver), the public development key.
dev: export DJANGO_DEBUG := 1
dev: install demo-data
	$(mail_note)
	$(call serve,$(PY) manage.py runserver 127.0.0.1:$(PORT))

demo-data: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py check_index --repair
	$(PY) manage.py find_duplicates

# A random key for the local demo, made once and kept (var/ is not committed); manage.py uses the same.
$(SECRET_KEY_FILE): | install
	$(PY) -m kcs_site.local_key

test: install
	$(PY) -m pytest -n 2 --dist loadfile

# Interface text: refresh each app's catalogue (<app>/locale/<language>/LC_MESSAGES/django.po) from
# the code and templates, then compile them. Needs GNU gettext (Debian: apt-get install gettext).
# The compiled .mo files are committed, so running the site needs neither step. `python -P` keeps the
# app's folder off the import path: its modules named like standard ones (articles/http.py) hide them.
MESSAGE_APPS := $(patsubst %/locale,%,$(wildcard */locale))
messages: export DJANGO_DEBUG := 1
messages: install
	for app in $(MESSAGE_APPS); do \
	  (cd $$app && PYTHONPATH=.. DJANGO_SETTINGS_MODULE=kcs_site.settings ../$(PY) -P -m django makemessages \
	    -l de --no-obsolete --add-location file --ignore 'tests/*' && \
	   PYTHONPATH=.. DJANGO_SETTINGS_MODULE=kcs_site.settings ../$(PY) -P -m django makemessages \
	    -d djangojs -l de --no-obsolete --add-location file --ignore 'tests/*' && \
	   PYTHONPATH=.. DJANGO_SETTINGS_MODULE=kcs_site.settings ../$(PY) -P -m django compilemessages) || exit 1; \
	done

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

check-deploy: install
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-production-secret-value \
	DJANGO_ALLOWED_HOSTS=kb.example.com DJANGO_SECURE_HSTS_PRELOAD=1 $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/*.sqlite3* var/static
