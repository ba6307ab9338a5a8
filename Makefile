.PHONY: run test lint
run:  ## Run the portal with demo data (web + worker + beat) on http://127.0.0.1:8000
	./scripts/run
test: ## Install dev dependencies and run checks and the whole test suite on PostgreSQL and Redis
	./scripts/test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
