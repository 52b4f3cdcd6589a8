"""Housekeeping tasks: retention and anonymization."""
