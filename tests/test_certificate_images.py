"""The host's logo and the signatory's signature on certificates: uploaded per training in
the admin, kept by each certificate's snapshot, drawn on the page; and the PDF's dates and
title."""

import io
from datetime import UTC, datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from events.models import Training
from events.services import certificates as services
from tests.admin.test_bilingual_admin import training_form
from tests.factories import AttendedRegistrationFactory

pytestmark = pytest.mark.django_db


def image_bytes(colour, *, size=(300, 100), kind="PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


def upload(name, colour, **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(colour, **kwargs))


def images_on_page(pdf: bytes) -> list[tuple[int, int]]:
    """The pixel size of each image the page draws."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    return sorted((image.image.width, image.image.height) for image in page.images)


def post_training(admin_client, **files):
    response = admin_client.post(reverse("admin:events_training_add"), training_form(**files))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Training.objects.get(slug="spotting-trafficking")


def test_an_organizer_uploads_a_logo_and_a_signature_stored_under_their_content_hash(
    admin_client,
):
    training = post_training(
        admin_client,
        certificate_logo=upload("our logo.png", "navy"),
        signature_image=upload("signature.jpeg", "black", kind="JPEG"),
    )
    assert training.certificate_logo.name.startswith("certificates/logos/")
    assert training.certificate_logo.name.endswith(".png")
    assert "our logo" not in training.certificate_logo.name
    assert training.signature_image.name.startswith("certificates/signatures/")
    assert training.signature_image.name.endswith(".jpg")
    assert default_storage.exists(training.signature_image.name)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.gif", image_bytes("navy", kind="GIF"), "not a PNG or JPEG"),
        ("logo.png", b"not an image at all", "Upload a valid image"),
        ("logo.png", image_bytes("navy", size=(3200, 100)), "at most 3000 a side"),
    ],
)
def test_an_upload_that_is_not_a_small_png_or_jpeg_is_refused(admin_client, name, content, message):
    response = admin_client.post(
        reverse("admin:events_training_add"),
        training_form(certificate_logo=SimpleUploadedFile(name, content)),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["certificate_logo"]
    assert message in " ".join(errors)
    assert not Training.objects.filter(slug="spotting-trafficking").exists()


def test_an_upload_over_one_megabyte_is_refused(admin_client):
    # Noise does not compress: a 700×700 PNG of it weighs about 1.4 MB.
    noisy = Image.frombytes("RGB", (700, 700), bytes(range(256)) * (700 * 700 * 3 // 256 + 1))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG", compress_level=0)
    response = admin_client.post(
        reverse("admin:events_training_add"),
        training_form(signature_image=SimpleUploadedFile("sig.png", buffer.getvalue())),
    )
    errors = response.context["adminform"].form.errors["signature_image"]
    assert "at most 1.0" in " ".join(errors)


def training_images(training, *, logo, signature) -> None:
    for field, name, content in (
        (training.certificate_logo, "logo.png", logo),
        (training.signature_image, "signature.png", signature),
    ):
        if content is not None:
            field.save(name, ContentFile(content), save=False)
    training.save()


def test_the_certificate_draws_the_trainings_logo_and_signature():
    registration = AttendedRegistrationFactory()
    training_images(
        registration.session.training,
        logo=image_bytes("navy", size=(400, 100)),
        signature=image_bytes("black", size=(300, 60)),
    )
    certificate = services.issue_certificate(registration_id=registration.pk)
    assert certificate.logo == registration.session.training.certificate_logo.name
    assert images_on_page(services.render_pdf(certificate)) == [(300, 60), (400, 100)]


def test_a_certificate_without_images_draws_none():
    certificate = services.issue_certificate(registration_id=AttendedRegistrationFactory().pk)
    assert images_on_page(services.render_pdf(certificate)) == []


def test_an_issued_certificate_keeps_its_logo_when_the_training_gets_a_new_one():
    registration = AttendedRegistrationFactory()
    training = registration.session.training
    training_images(training, logo=image_bytes("navy", size=(400, 100)), signature=None)
    certificate = services.issue_certificate(registration_id=registration.pk)
    stored = certificate.pdf.read()

    training_images(training, logo=image_bytes("red", size=(200, 100)), signature=None)
    later = services.issue_certificate(
        registration_id=AttendedRegistrationFactory(session=registration.session).pk
    )

    assert later.logo != certificate.logo
    assert services.render_pdf(certificate) == stored
    assert images_on_page(stored) == [(400, 100)]
    assert images_on_page(services.render_pdf(later)) == [(200, 100)]


def test_a_logo_missing_from_storage_leaves_the_certificate_printable_without_it(caplog):
    registration = AttendedRegistrationFactory()
    training = registration.session.training
    training_images(training, logo=image_bytes("teal", size=(123, 45)), signature=None)
    default_storage.delete(training.certificate_logo.name)

    certificate = services.issue_certificate(registration_id=registration.pk)

    assert images_on_page(services.render_pdf(certificate)) == []
    assert "missing from storage" in caplog.text


def test_a_long_name_title_and_hosts_stay_clear_of_the_logo_and_the_signature():
    certificate = services.issue_certificate(
        registration_id=AttendedRegistrationFactory(
            full_name=("Maria-Guadalupe Nguyễn Thị Minh " * 7)[:200]
        ).pk
    )
    training = certificate.registration.session.training
    training_images(
        training,
        logo=image_bytes("navy", size=(600, 150)),
        signature=image_bytes("black", size=(500, 100)),
    )
    certificate.training_title = ("Identifying & Reporting Human Trafficking, Part " * 5)[:200]
    certificate.place = ("Fargo Civic Center, 207 4th St N, Fargo, ND; " * 10)[:400]
    certificate.hosts = ("DHS Blue Campaign and the Office of Senator Example; " * 6)[:300]
    certificate.logo = training.certificate_logo.name
    certificate.signature_image = training.signature_image.name
    page = PdfReader(io.BytesIO(services.render_pdf(certificate))).pages[0]

    image_boxes = []

    def visit(operator, operands, cm, tm):
        if operator == b"Do":  # an image, drawn in the unit square under cm
            image_boxes.append((cm[5], cm[5] + cm[3]))

    page.extract_text(visitor_operand_before=visit)
    baselines = []
    page.extract_text(
        visitor_text=lambda text, cm, tm, font, size: (
            baselines.append((tm[5] * cm[3] + cm[5], text)) if text.strip() else None
        )
    )
    (signature_bottom, signature_top), (logo_bottom, logo_top) = sorted(image_boxes)
    signatory = next(i for i, (_y, text) in enumerate(baselines) if "Pat Example" in text)
    main_block = [y for y, _text in baselines[:signatory]]
    # The title starts below the logo; the hosts end above the signature and the QR code.
    assert max(main_block) + 26 < logo_bottom
    assert min(main_block) - 4 > max(signature_top, 156)


def test_the_pdf_is_dated_at_issuance_and_titled_with_the_name_and_training():
    registration = AttendedRegistrationFactory(full_name="José Núñez")
    certificate = services.issue_certificate(registration_id=registration.pk)
    certificate.issued_at = datetime(2026, 5, 9, 18, 30, 5, tzinfo=UTC)
    metadata = PdfReader(io.BytesIO(services.render_pdf(certificate))).metadata

    assert metadata["/CreationDate"] == metadata["/ModDate"] == "D:20260509183005+00'00'"
    assert metadata.title == (
        f"Certificate of Attendance: José Núñez, {registration.session.training.title}"
    )
    assert metadata.author == registration.session.training.hosts


def test_the_training_page_previews_its_current_images_to_staff_only(admin_client, client):
    training = post_training(
        admin_client,
        certificate_logo=upload("logo.png", "navy"),
        signature_image=upload("signature.jpeg", "black", kind="JPEG"),
    )
    page = admin_client.get(reverse("admin:events_training_change", args=[training.pk]))
    for field, content_type in (
        (training.certificate_logo, "image/png"),
        (training.signature_image, "image/jpeg"),
    ):
        url = reverse("admin:events_training_certificate_image", args=[field.name])
        assert f'<img src="{url}"' in page.content.decode()
        served = admin_client.get(url)
        assert served.status_code == 200
        assert served["Content-Type"] == content_type
        with field.open("rb") as stored:
            assert b"".join(served.streaming_content) == stored.read()
        # Not to anyone else, and not by a link that went nowhere (MEDIA_URL is not served).
        assert client.get(url).status_code == 302
        assert "/media-not-served/" not in page.content.decode()


@pytest.mark.parametrize(
    "name",
    ["certificates/logos/0123456789abcdef.png", "../settings.py", "certificates/logos/"],
)
def test_only_a_name_a_training_holds_is_served(admin_client, name):
    post_training(admin_client, certificate_logo=upload("logo.png", "navy"))
    url = reverse("admin:events_training_certificate_image", args=["x"]).replace("x", name)
    assert admin_client.get(url).status_code == 404
