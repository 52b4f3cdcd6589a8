"""The markup behind the pages a phone user finishes: the session page's jump to its
form, the catalogue's folded filters with their count and clear link, the error summary
on every public form, and the evaluation's options. The browser side is
tests/e2e/test_phone_pages.py."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from events.management import demo_evaluation
from events.selectors.evaluations import evaluation_token
from tests.factories import (
    EndedSessionFactory,
    RegistrationFactory,
    SessionFactory,
    TrainingFactory,
    build_questionnaire,
)

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("events:catalog")


def text(response) -> str:
    return response.content.decode()


# --- The session page's "Register" link ------------------------------------------


def test_an_open_session_page_links_to_its_form_from_the_top(client):
    page = text(client.get(SessionFactory().get_absolute_url()))
    link = re.search(r'<a [^>]*id="jump-to-form"[^>]*>([^<]*)</a>', page)
    assert link and link.group(1) == "Register"
    assert 'href="#register-heading"' in link.group(0)
    assert '<h2 id="register-heading" class="h4" tabindex="-1">' in page
    # Before the details, and shown on small screens only.
    assert page.index('id="jump-to-form"') < page.index(">When<")
    assert '<p class="d-lg-none"><a class="btn btn-primary jump-to-form"' in page


def test_a_full_session_page_links_to_the_waiting_list(client):
    session = SessionFactory(capacity=1)
    RegistrationFactory(session=session)
    page = text(client.get(session.get_absolute_url()))
    assert re.search(r'id="jump-to-form"[^>]*>Join the waiting list</a>', page)


@pytest.mark.parametrize(
    "make",
    [lambda: SessionFactory(status="cancelled"), EndedSessionFactory],
    ids=["cancelled", "ended"],
)
def test_a_closed_session_page_has_no_register_link(client, make):
    assert 'id="jump-to-form"' not in text(client.get(make().get_absolute_url()))


def test_a_refused_post_does_not_change_the_stored_details_link(client, sector):
    """The link sits in the cached details: a refusal to one visitor does not remove it
    for the next (the session is still open)."""
    session = SessionFactory()
    client.post(session.get_absolute_url(), {"full_name": ""})
    assert 'id="jump-to-form"' in text(client.get(session.get_absolute_url()))


# --- The catalogue's filters -------------------------------------------------------


def test_the_catalogue_folds_its_filters_and_counts_the_sessions(client):
    SessionFactory(city="Fargo")
    SessionFactory(city="Minot")
    page = text(client.get(CATALOGUE))
    assert '<details class="catalog-filters mb-3">' in page  # closed
    assert ">Filter sessions</summary>" in page
    assert re.search(r'id="catalog-count"><strong>2 sessions</strong></p>', page)
    assert 'id="clear-filters"' not in page


def test_active_filters_open_the_form_and_offer_to_clear_them(
    client, django_assert_max_num_queries
):
    SessionFactory(city="Fargo")
    SessionFactory(city="Minot", online_url="https://meet.example.org/x")
    with django_assert_max_num_queries(12):
        page = text(client.get(CATALOGUE, {"city": "Minot", "mode": "", "month": ""}))
    assert '<details class="catalog-filters mb-3" open>' in page
    assert "Filter sessions (1 active)" in page
    assert "<strong>1 session</strong>" in page
    assert f'<a href="{CATALOGUE}" id="clear-filters">Clear filters</a>' in page

    page = text(client.get(CATALOGUE, {"city": "Minot", "mode": "online"}))
    assert "Filter sessions (2 active)" in page


def test_a_page_number_alone_is_no_filter(client):
    SessionFactory()
    page = text(client.get(CATALOGUE, {"page": "1"}))
    assert 'id="clear-filters"' not in page
    assert ">Filter sessions</summary>" in page


def test_a_state_from_a_link_can_be_cleared(client):
    SessionFactory()
    assert 'id="clear-filters"' in text(client.get(CATALOGUE, {"state": "MN"}))


def test_the_count_and_clear_link_in_spanish(client):
    SessionFactory()
    SessionFactory()
    with translation.override("es"):
        page = text(client.get(CATALOGUE, {"city": "Fargo"}, HTTP_ACCEPT_LANGUAGE="es"))
    assert "<strong>2 sesiones</strong>" in page
    assert "Quitar los filtros" in page
    assert "Filtrar sesiones (1 filtro activo)" in page


# --- The error summary -------------------------------------------------------------


def _summary(page: str) -> str:
    match = re.search(r"<div [^>]*data-error-summary>.*?</div>", page, re.S)
    assert match, page
    return match.group(0)


def test_a_registration_with_errors_starts_with_a_summary_linking_to_each_field(client, sector):
    session = SessionFactory()
    response = client.post(session.get_absolute_url(), {"email": "not-an-email"})
    assert response.status_code == 400
    page = text(response)
    summary = _summary(page)
    assert 'role="alert" tabindex="-1"' in summary
    assert "There is a problem" in summary
    assert '<a href="#id_full_name">Full name – This field is required.</a>' in summary
    assert '<a href="#id_email">Email – Enter a valid email address.</a>' in summary
    assert '<a href="#id_sector">' in summary
    # A lone box's label is a sentence: its own message says what to do.
    assert '<a href="#id_consent">Please give your consent' in summary
    # First in the form, before the fields; the fields keep their own messages.
    assert page.index("data-error-summary") < page.index('name="full_name"')
    assert re.search(r'<input [^>]*aria-invalid="true"[^>]*id="id_full_name"', page)
    assert 'aria-describedby="id_full_name_error"' in page
    assert 'id="id_full_name_error"' in page
    assert "js/error-summary.js" in page


def test_a_form_without_errors_has_no_summary(client):
    page = text(client.get(SessionFactory().get_absolute_url()))
    assert "data-error-summary" not in page
    assert "There is a problem" not in page
    # Nor its script: a page loads only the scripts it uses (the production smoke test).
    assert "js/error-summary.js" not in page


@pytest.mark.parametrize(
    ("name", "data", "field"),
    [
        ("events:resend_manage_link", {"email": "nope"}, "id_email"),
        ("accounts:login", {"username": "", "password": ""}, "id_username"),
        ("accounts:signup", {"email": ""}, "id_email"),
        ("accounts:password_reset", {"email": "nope"}, "id_email"),
    ],
)
def test_public_forms_show_the_summary(client, name, data, field):
    page = text(client.post(reverse(name), data))
    assert f'<a href="#{field}">' in _summary(page)


def test_a_certificate_code_not_found_is_the_summary_that_takes_the_focus(client):
    page = text(client.get(reverse("events:certificate_verify_lookup"), {"code": "NOPE"}))
    assert re.search(r'id="verify-result" tabindex="-1" data-error-summary>', page)


def test_the_summary_in_spanish(client):
    client.cookies["django_language"] = "es"
    with translation.override("es"):
        page = text(client.post(reverse("events:resend_manage_link"), {"email": "x"}))
    assert "Hay un problema" in _summary(page)


# --- The evaluation form -----------------------------------------------------------


@pytest.fixture
def pre():
    registration = RegistrationFactory()
    questionnaire, questions = build_questionnaire(registration.session.training)
    url = reverse("events:evaluate", args=[evaluation_token(registration, "pre"), "pre"])
    return url, questionnaire, questions


def test_the_evaluation_options_are_styled_and_the_scale_is_one_row(client, pre):
    url, _questionnaire, questions = pre
    page = text(client.get(url))
    scale = questions["scale"].pk
    assert page.count('class="form-check-input"') == 5 + 2 + 3
    assert page.count('class="scale-option"') == 5
    assert '<div class="scale-options">' in page
    # Heard as "1 – Not at all", seen as 1 over the words.
    assert '<span class="visually-hidden">1 – Not at all</span>' in page
    assert f'for="id_q{scale}_0"' in page
    # The multiple choice's hint, once, and described to the group.
    multiple = questions["multiple"].pk
    assert page.count("Choose all that apply.") == 1
    assert f'aria-describedby="id_q{multiple}-hint"' in page


def test_an_evaluation_with_errors_starts_with_a_summary(client, pre):
    url, questionnaire, questions = pre
    response = client.post(url, {"questionnaire": questionnaire.pk, "revision": ""})
    assert response.status_code == 400
    page = text(response)
    summary = _summary(page)
    scale, multiple = questions["scale"].pk, questions["multiple"].pk
    assert f'<a href="#id_q{scale}_0">How confident' in summary
    assert f'<a href="#id_q{multiple}_0">Which are indicators? – ' in summary
    assert f'aria-describedby="id_q{multiple}-hint id_q{multiple}-error"' in page
    assert re.search(rf'<input [^>]*name="q{scale}"[^>]*aria-invalid="true"', page)


def test_a_questionnaire_mismatch_is_in_the_summary_without_a_link(client, pre):
    url, questionnaire, questions = pre
    page = text(client.post(url, {"questionnaire": "abc"}))
    assert "<li>Enter a whole number.</li>" in _summary(page)


def test_the_demo_questionnaire_says_nothing_the_page_contradicts():
    """The page prints "Choose all that apply." and, after the training, a score."""
    questionnaire = demo_evaluation.demo_questionnaire(TrainingFactory())
    assert "no grades" not in questionnaire.introduction
    assert not questionnaire.questions.filter(text__icontains="apply").exists()
