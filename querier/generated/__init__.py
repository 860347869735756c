"""Generated code — do not edit; regenerate with `uv run python -m querier.gen`."""
