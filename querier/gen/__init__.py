"""Code generation: annotated SQL -> sqlc (database analyzer) -> typed Python querier."""
