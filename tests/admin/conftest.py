"""Two sessions, each with its own organizer: the fixture every scoping test starts from."""

import pytest

from tests.factories import RegistrationFactory, ScopedOrganizerFactory, SessionFactory


@pytest.fixture
def session_a(db):
    return SessionFactory(city="Fargo", capacity=10)


@pytest.fixture
def session_b(db):
    return SessionFactory(city="Bismarck", capacity=10)


@pytest.fixture
def organizer_a(session_a):
    return ScopedOrganizerFactory(organizes=[session_a])


@pytest.fixture
def organizer_b(session_b):
    return ScopedOrganizerFactory(organizes=[session_b])


@pytest.fixture
def attendee_a(session_a):
    return RegistrationFactory(session=session_a, full_name="Ana Alvarez")


@pytest.fixture
def attendee_b(session_b):
    return RegistrationFactory(session=session_b, full_name="Ben Bergstrom")


@pytest.fixture
def client_a(client, organizer_a):
    client.force_login(organizer_a)
    return client
