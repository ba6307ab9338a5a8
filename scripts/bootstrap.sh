# Sourced by scripts/run and scripts/test: makes .venv from the lock file with uv (installing uv into
# .cache/uv first if the machine has none). Usage: bootstrap [extra uv sync arguments]
bootstrap() {
  export UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_PROJECT_ENVIRONMENT=.venv UV_LINK_MODE=copy
  local py uv
  py=$(command -v python3.11 || command -v python3)
  if command -v uv >/dev/null 2>&1; then
    uv=uv
  else
    if [ ! -x .cache/uv/bin/uv ]; then
      echo "Installing uv into .cache/uv…"
      "$py" -m venv .cache/uv
      .cache/uv/bin/pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
    fi
    uv=.cache/uv/bin/uv
  fi
  "$uv" sync --frozen --python "$py" --quiet "$@"
}
