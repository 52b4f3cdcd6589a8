"""Reads: annotated querysets for pages, the admin and tasks (one module per area)."""
