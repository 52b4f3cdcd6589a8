"""The demo data: idempotent, and its organizations sit in the sectors they belong to."""

import pytest
from django.core.management import call_command

from events.models import Registration

pytestmark = pytest.mark.django_db


def test_demo_organizations_belong_to_matching_sectors():
    call_command("load_demo_data", verbosity=0)
    sector_of = dict(Registration.objects.values_list("organization", "sector__slug").distinct())
    assert sector_of["Fargo Police Department"] == "law-enforcement"
    assert sector_of["Sanford Health"] == "healthcare"
    assert sector_of["BNSF Railway"] == "transportation"
    assert sector_of["Fargo Public Schools"] == "schools-education"
    # One sector per organization, in every session.
    pairs = Registration.objects.order_by().values_list("organization", "sector_id").distinct()
    assert len(pairs) == len(sector_of)


def test_loading_the_demo_twice_adds_nothing():
    call_command("load_demo_data", verbosity=0)
    count = Registration.objects.count()
    call_command("load_demo_data", verbosity=0)
    assert Registration.objects.count() == count
