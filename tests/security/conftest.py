"""Fixtures shared by the security tests."""

import pytest


@pytest.fixture
def _fast_passwords(settings):
    # Hostile and limit posts create accounts by the dozen; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
