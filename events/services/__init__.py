"""Writes. Each service is keyword-only, typed, and returns the object it changed."""
