# One entry point. `make run` and `make test` are the two commands in the README.
.PHONY: run test lint typecheck bench bench-sms bench-nlu bench-directory bench-scenarios bench-crisis bench-followups setup lock-app lock-rasa clean
.PHONY: run-scaled bench-scaled bench-soak bench-overhead

run: setup
	.venv/app/bin/python -m bot.cli run

# The scale-out shape on this machine: PostgreSQL, Redis, two Rasa servers, two app processes.
run-scaled: setup
	bash scripts/system_deps.sh
	PYTHONPATH=. .venv/app/bin/python -m bot.devtools.scaled

test:
	bash scripts/test.sh

# Both also run at the start of `make test` (settings in pyproject.toml).
lint: setup
	.venv/app/bin/ruff check bot actions community_directory tests bench scripts

typecheck: setup
	.venv/app/bin/mypy bot actions community_directory

bench: setup
	PYTHONPATH=. .venv/app/bin/python -m bench.run

bench-sms: setup
	PYTHONPATH=. .venv/app/bin/python -m bench.sms $(ARGS)

# The app's own CPU per web chat and SMS turn, Rasa replaced by an instant fake (load-independent).
bench-overhead: setup
	PYTHONPATH=. .venv/app/bin/python -m bench.overhead $(ARGS)

bench-scaled: setup
	bash scripts/system_deps.sh
	PYTHONPATH=. .venv/app/bin/python -m bench.scaled $(ARGS)

# Texts at a steady rate for 10 minutes on the scaled stack: errors, latency, memory per process.
# ARGS="--minutes 1 --rate 2 --stack single" to change it.
bench-soak: setup
	bash scripts/system_deps.sh
	PYTHONPATH=. .venv/app/bin/python -m bench.soak $(ARGS)

bench-nlu: setup
	PYTHONPATH=. .venv/app/bin/python -m bench.nlu_cv

bench-followups: setup
	PYTHONPATH=. .venv/app/bin/python -m bench.followups

bench-directory: setup
	PYTHONPATH=. .venv/app/bin/python bench/directory_bench.py

# Residents' conversations end to end (tests/scenarios/); ARGS="--split dev --only ID --min-rate 0.9"
bench-scenarios: setup
	PYTHONPATH=. .venv/app/bin/python -m bench.scenarios $(ARGS)

# Crisis detector recall and false alarms on tests/safety/crisis_eval.yml, in-process only (Rasa down).
# Needs nothing but the app venv. FILE=... MIN_RECALL=... to override.
# With no FILE it also reports the fresh held-out set (crisis_eval_fresh.yml): figures only, never gated.
bench-crisis:
	PYTHONPATH=. .venv/app/bin/python -m bench.crisis $(if $(FILE),--file $(FILE),--file tests/safety/crisis_eval.yml --report-only tests/safety/crisis_eval_fresh.yml) --min-recall $(or $(MIN_RECALL),0.99)

setup:
	bash scripts/bootstrap.sh

# Regenerate the lock files from requirements/*.in (then commit them).
lock-app:
	rm -rf /tmp/cc-lock-app && $$(bash scripts/find_python310.sh) -m venv /tmp/cc-lock-app && \
	/tmp/cc-lock-app/bin/pip install -q -r requirements/app.in && /tmp/cc-lock-app/bin/pip freeze > requirements/app.lock

lock-rasa:
	rm -rf /tmp/cc-lock-rasa && $$(bash scripts/find_python310.sh) -m venv /tmp/cc-lock-rasa && \
	/tmp/cc-lock-rasa/bin/pip install -q -r requirements/rasa.in && /tmp/cc-lock-rasa/bin/pip freeze > requirements/rasa.lock

clean:
	rm -rf .venv models results var/logs
