"""The certificate images of a training (the host's logo, the signatory's signature) seen
in the admin: a preview beside the upload field, served to the people who may view the
training. Uploads are stored outside the public web root (MEDIA_URL is not served)."""

import mimetypes

from django.contrib.admin.widgets import AdminFileWidget
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from events.models import Training

FIELDS = ("certificate_logo", "signature_image")


class CertificateImageInput(AdminFileWidget):
    """The upload field, with the current image shown and linked from the admin."""

    # Beside the app, not in templates/: widgets render with the form renderer, which
    # looks in the apps' template folders only.
    template_name = "events/widgets/certificate_image_input.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if self.is_initial(value):
            context["widget"]["preview_url"] = reverse(
                "admin:events_training_certificate_image", args=[value.name]
            )
        return context


class CertificateImageViews:
    """Mixed into TrainingAdmin: the URL that serves a current certificate image."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in FIELDS:
            kwargs["widget"] = CertificateImageInput
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_urls(self):
        view = self.admin_site.admin_view(self.certificate_image)
        return [
            path("certificate-image/<path:name>", view, name="events_training_certificate_image"),
            *super().get_urls(),
        ]

    def certificate_image(self, request, name):
        # Only a name a training holds now: never any other file under MEDIA_ROOT.
        holders = Training.objects.filter(Q(certificate_logo=name) | Q(signature_image=name))
        training = holders.first()
        if training is None:
            raise Http404(_("There is no such image."))
        if not self.has_view_permission(request, training):
            raise PermissionDenied
        logo = training.certificate_logo
        field = logo if logo.name == name else training.signature_image
        try:
            handle = field.open("rb")
        except OSError as error:  # the stored file went missing
            raise Http404(_("There is no such image.")) from error
        response = FileResponse(handle, content_type=mimetypes.guess_type(name)[0])
        # The name is the content's digest: the bytes behind it never change.
        response["Cache-Control"] = "private, max-age=86400, immutable"
        return response
