"""Certificate tasks (pdf queue)."""
