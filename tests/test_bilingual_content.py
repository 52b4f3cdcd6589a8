"""What organizers type, in English and Spanish: the visitor's language where it was
entered, English (marked lang="en" on a Spanish page) where it was not."""

import html
import re

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from events.documents.emails import SharedRenders, build_message
from events.documents.ics import session_calendar
from events.management.commands import load_demo_data as demo
from events.models import Sector, Training, TrainingSession
from events.models.bilingual import Localized, localized
from events.services import certificates
from tests.factories import (
    AttendedRegistrationFactory,
    NotificationFactory,
    RegistrationFactory,
    SessionFactory,
    TrainingFactory,
)

pytestmark = pytest.mark.django_db


def spanish_training(**fields) -> Training:
    return TrainingFactory(
        title="Spotting Trafficking",
        title_es="Cómo reconocer la trata",
        summary="Learn the signs.",
        summary_es="Aprenda las señales.",
        description="Three hours with the Blue Campaign.",
        description_es="Tres horas con la Campaña Azul.",
        hosts_es="La Campaña Azul del DHS",
        **fields,
    )


def spanish_session(**fields) -> TrainingSession:
    return SessionFactory(
        training=spanish_training(),
        what_to_bring="A photo ID",
        what_to_bring_es="Una identificación con foto",
        venue_notes="Park behind the building",
        venue_notes_es="Estacione detrás del edificio",
        **fields,
    )


def text_of(page_html: str) -> str:
    """What a person reads on the page: the body without tags, scripts or styles."""
    body = page_html[page_html.index("<body") :]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


# --- The one helper ----------------------------------------------------------------


def test_the_spanish_text_is_chosen_in_spanish_and_says_it_is_spanish():
    training = spanish_training()
    assert localized(training, "title", "es") == Localized("Cómo reconocer la trata", "es")
    assert localized(training, "title", "es-MX").language == "es"
    assert localized(training, "title", "en") == Localized("Spotting Trafficking", "en")


def test_the_active_language_is_used_when_none_is_given():
    training = spanish_training()
    with translation.override("es"):
        assert localized(training, "summary").text == "Aprenda las señales."
    with translation.override("en"):
        assert localized(training, "summary").text == "Learn the signs."


@pytest.mark.parametrize("spanish", ["", "   \n"])
def test_blank_spanish_falls_back_to_the_english_and_says_it_is_english(spanish):
    training = TrainingFactory(title="Spotting Trafficking", title_es=spanish)
    assert localized(training, "title", "es") == Localized("Spotting Trafficking", "en")


def test_an_unknown_language_gets_the_english_text():
    assert localized(spanish_training(), "title", "klingon").language == "en"


def test_a_field_without_translations_is_refused():
    with pytest.raises(ValueError, match="signatory_name"):
        localized(TrainingFactory(), "signatory_name", "es")


# --- The template filters ----------------------------------------------------------


def render(source: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load bilingual %}" + source).render(Context(context))


def test_an_english_fallback_on_a_spanish_page_is_wrapped_in_lang_en_and_escaped():
    training = TrainingFactory(title="Spot <it> & report", title_es="")
    out = render('{{ t|localized_html:"title" }}', "es", t=training)
    assert out == '<span lang="en">Spot &lt;it&gt; &amp; report</span>'


def test_spanish_text_on_a_spanish_page_and_english_on_an_english_page_carry_no_lang():
    training = spanish_training()
    assert render('{{ t|localized_html:"title" }}', "es", t=training) == "Cómo reconocer la trata"
    assert render('{{ t|localized_html:"title" }}', "en", t=training) == "Spotting Trafficking"
    assert render('<p{{ t|lang_attr:"title" }}>', "es", t=training) == "<p>"


def test_lang_attr_marks_a_block_whose_text_is_the_english_fallback():
    training = TrainingFactory(description="First.\n\nSecond.", description_es="")
    out = render(
        '<div{{ t|lang_attr:"description" }}>{{ t|localized:"description"|linebreaks }}</div>',
        "es",
        t=training,
    )
    assert out == '<div lang="en"><p>First.</p>\n\n<p>Second.</p></div>'


def test_the_plain_filter_gives_the_text_alone_for_subjects_and_plain_text():
    training = TrainingFactory(title="Spot & report", title_es="")
    with translation.override("es"):
        rendered = Template(
            '{% load bilingual %}{% autoescape off %}{{ t|localized:"title" }}{% endautoescape %}'
        ).render(Context({"t": training}))
    assert rendered == "Spot & report"


# --- Public pages ------------------------------------------------------------------


def test_the_spanish_session_page_shows_the_spanish_content(client):
    session = spanish_session()
    page = client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Cómo reconocer la trata</h1>" in page
    assert "<title>Cómo reconocer la trata – Fargo" in page
    for spanish in (
        "Aprenda las señales.",
        "Tres horas con la Campaña Azul.",
        "Una identificación con foto",
        "Estacione detrás del edificio",
        "Cómo llegar",
    ):
        assert spanish in page
    for english in ("Spotting Trafficking", "Learn the signs.", "A photo ID", "Park behind"):
        assert english not in page
    details = page[page.index("<h1") : page.index('class="training-description"') + 200]
    assert 'lang="en"' not in details


def test_the_english_session_page_shows_the_english_content(client):
    session = spanish_session()
    page = client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<h1>Spotting Trafficking</h1>" in page
    assert "Park behind the building" in page and "Getting there" in page
    assert "A photo ID" in page
    assert "Cómo reconocer" not in page and "Estacione" not in page


def test_a_spanish_page_marks_each_english_fallback_as_english(client):
    session = SessionFactory(
        training=TrainingFactory(title="Spotting Trafficking", title_es="", summary_es="Resumen"),
        venue_notes="Park behind the building",
    )
    page = client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert '<h1 lang="en">Spotting Trafficking</h1>' in page
    assert '<p class="lead">Resumen</p>' in page  # Spanish entered: no mark
    assert 'id="venue-notes" lang="en">Park behind the building</dd>' in page
    assert "<title>Spotting Trafficking – Fargo" in page  # no markup inside <title>


def test_stored_pages_keep_each_language_after_both_were_stored(client):
    session = spanish_session()
    urls = [session.get_absolute_url(), reverse("events:catalog"), reverse("home")]
    for _round in range(2):  # the second round is served from the stored copies
        for url in urls:
            spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
            english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
            assert "Cómo reconocer la trata" in spanish, url
            assert "Spotting Trafficking" not in spanish, url
            assert "Spotting Trafficking" in english, url
            assert "Cómo reconocer la trata" not in english, url


def test_the_catalogue_card_marks_an_english_title_on_a_spanish_page(client):
    SessionFactory(training=TrainingFactory(title="Spotting Trafficking", title_es=""))
    page = client.get(reverse("events:catalog"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'text-body-secondary" lang="en">Spotting Trafficking</p>' in page


def test_the_manage_page_shows_the_training_in_the_visitors_language(client):
    registration = RegistrationFactory(session=spanish_session())
    url = registration.get_manage_url()
    assert "Cómo reconocer la trata" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Spotting Trafficking" in english and "Cómo reconocer" not in english


# --- Emails and calendar files ------------------------------------------------------


def cell_attributes(html_part: str, text: str) -> str:
    """The attributes of the table cell that holds exactly text (the layout's inlined
    style among them)."""
    return re.search(rf"<td([^>]*)>{re.escape(text)}</td>", html_part)[1]


def test_a_spanish_registrants_email_has_the_spanish_title_in_subject_and_body():
    registration = RegistrationFactory(language="es", session=spanish_session())
    message = build_message(NotificationFactory(registration=registration, kind="confirmation"))
    assert message.subject == "Está inscrito: Cómo reconocer la trata, Fargo"
    assert "Capacitación: Cómo reconocer la trata" in message.body
    assert "Cómo llegar: Estacione detrás del edificio" in message.body
    assert "Qué traer: Una identificación con foto" in message.body
    html_part = message.alternatives[0][0]
    assert '<html lang="es">' in html_part
    assert 'lang="' not in cell_attributes(html_part, "Cómo reconocer la trata")
    assert "Spotting Trafficking" not in message.body + html_part


def test_an_english_registrant_of_the_same_session_gets_the_english_texts():
    registration = RegistrationFactory(language="en", session=spanish_session())
    message = build_message(NotificationFactory(registration=registration, kind="reminder"))
    assert message.subject.startswith("Reminder: Spotting Trafficking,")
    assert "Getting there: Park behind the building" in message.body
    assert "Cómo reconocer" not in message.body


def test_a_spanish_email_marks_the_english_title_it_falls_back_to():
    session = SessionFactory(training=TrainingFactory(title="Spotting Trafficking", title_es=""))
    registration = RegistrationFactory(language="es", session=session)
    message = build_message(NotificationFactory(registration=registration, kind="confirmation"))
    assert message.subject == "Está inscrito: Spotting Trafficking, Fargo"
    assert 'lang="en"' in cell_attributes(message.alternatives[0][0], "Spotting Trafficking")


def test_a_batch_of_both_languages_matches_each_email_built_alone():
    session = spanish_session()
    rows = [
        NotificationFactory(
            registration=RegistrationFactory(session=session, language=language),
            kind="session_changed",
        )
        for language in ("es", "en", "es", "en")
    ]
    renders = SharedRenders()
    for row in rows:
        batched, alone = build_message(row, renders=renders), build_message(row)
        assert (batched.subject, batched.body) == (alone.subject, alone.body)
        title = "Cómo reconocer la trata" if row.registration.language == "es" else "Spotting"
        assert title in batched.subject


def test_the_calendar_file_carries_the_texts_in_the_registrants_language():
    registration = RegistrationFactory(language="es", session=spanish_session())
    message = build_message(NotificationFactory(registration=registration, kind="confirmation"))
    calendar = message.attachments[0][1]
    text = (calendar.decode() if isinstance(calendar, bytes) else calendar).replace("\r\n ", "")
    assert "SUMMARY:Cómo reconocer la trata" in text
    assert "Aprenda las señales." in text and "Qué traer: Una identificación con foto" in text
    assert "Cómo llegar: Estacione detrás del edificio" in text
    assert "Spotting Trafficking" not in text


def test_the_shared_calendar_file_is_kept_per_language():
    session = spanish_session()
    with translation.override("es"):
        spanish = session_calendar(session).decode()
    with translation.override("en"):
        english = session_calendar(session).decode()
    with translation.override("es"):
        assert session_calendar(session).decode() == spanish
    assert "SUMMARY:Cómo reconocer la trata" in spanish
    assert "SUMMARY:Spotting Trafficking" in english


def test_an_edited_spanish_title_gives_a_new_calendar_file():
    session = spanish_session()
    with translation.override("es"):
        session_calendar(session)
        session.training.title_es = "Título nuevo"
        assert "SUMMARY:Título nuevo" in session_calendar(session).decode()


def test_the_session_calendar_download_follows_the_page_language(client):
    session = spanish_session()
    url = reverse("events:session_ics", args=[session.public_id])
    assert "SUMMARY:Cómo reconocer" in client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "SUMMARY:Spotting" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


# --- Certificates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "title_es", "printed"),
    [
        ("es", "Cómo reconocer la trata", "Cómo reconocer la trata"),
        ("en", "Cómo reconocer la trata", "Spotting Trafficking"),
        ("es", "", "Spotting Trafficking"),
    ],
)
def test_the_certificate_snapshot_takes_the_title_in_the_registrants_language(
    language, title_es, printed
):
    training = TrainingFactory(title="Spotting Trafficking", title_es=title_es)
    registration = AttendedRegistrationFactory(language=language, session__training=training)
    certificate = certificates.issue_certificate(registration_id=registration.pk)
    assert certificate.training_title == printed
    # A snapshot: a later edit of the training leaves the issued certificate as it was.
    Training.objects.filter(pk=training.pk).update(title_es="Otro título", title="Other")
    certificate.refresh_from_db()
    assert certificate.training_title == printed


def test_the_certificate_snapshot_takes_the_hosts_in_the_registrants_language():
    training = TrainingFactory(hosts="The Blue Campaign", hosts_es="La Campaña Azul")
    registration = AttendedRegistrationFactory(language="es", session__training=training)
    assert (
        certificates.issue_certificate(registration_id=registration.pk).hosts == "La Campaña Azul"
    )


def test_every_seeded_sector_has_its_spanish_name():
    assert not Sector.objects.filter(name_es="").exists()
    schools = Sector.objects.get(slug="schools-education")
    with translation.override("es"):
        assert localized(schools, "name") == Localized("Escuelas y educación", "es")
    assert localized(schools, "name", "en") == Localized("Schools & education", "en")


def test_a_sector_without_spanish_name_is_marked_english_in_the_spanish_filter(client):
    Sector.objects.create(name="Fishing fleets", slug="fishing", order=999)
    SessionFactory()
    page = client.get(reverse("events:catalog"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert ">Escuelas y educación</option>" in page
    assert ">Fishing fleets</option>" in page


# --- The demo ----------------------------------------------------------------------


def test_a_spanish_page_of_the_demo_training_has_none_of_its_english_content(client):
    call_command("load_demo_data", verbosity=0)
    session = TrainingSession.objects.filter(city="Fargo", venue__gt="").latest("starts_at")
    sectors = list(Sector.objects.filter(active=True))
    english = [
        demo.TITLE,
        demo.SUMMARY,
        *demo.DESCRIPTION.split("\n\n"),
        demo.IN_PERSON["what_to_bring"],
        demo.IN_PERSON["venue_notes"],
        session.training.hosts,
        # The seeded sectors, in the form's choice and the training's audience.
        *(sector.name for sector in sectors),
    ]
    spanish = [
        demo.TITLE_ES,
        demo.SUMMARY_ES,
        *demo.DESCRIPTION_ES.split("\n\n"),
        demo.IN_PERSON["what_to_bring_es"],
        demo.IN_PERSON["venue_notes_es"],
        session.training.hosts_es,
        *(sector.name_es for sector in sectors),
    ]
    for url in (session.get_absolute_url(), reverse("events:catalog"), reverse("home")):
        text = text_of(client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode())
        assert [part for part in english if part in text] == [], url
        assert demo.TITLE_ES in text, url
    page_text = text_of(
        client.get(session.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    )
    assert [part for part in spanish if part not in page_text] == []


def test_demo_sessions_loaded_before_the_spanish_texts_get_them_when_loaded_again():
    call_command("load_demo_data", verbosity=0)
    TrainingSession.objects.update(what_to_bring_es="", venue_notes_es="")
    call_command("load_demo_data", verbosity=0)
    online = TrainingSession.objects.exclude(online_url="").get()
    assert online.what_to_bring_es == demo.ONLINE["what_to_bring_es"]
    in_person = TrainingSession.objects.filter(city="Bismarck").get()
    assert in_person.venue_notes_es == demo.IN_PERSON["venue_notes_es"]
