"""{% checkin_qr registration %}: the attendee's check-in QR code as inline SVG."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from events.documents.qr import qr_svg

register = template.Library()


@register.simple_tag
def checkin_qr(registration) -> str:
    """The QR encodes only the opaque check-in code, never a name, email or id."""
    # segno builds the SVG from the code's modules; the code uses a fixed alphabet.
    title = _("Your check-in QR code")
    return mark_safe(qr_svg(registration.checkin_code, scale=5, title=title))  # noqa: S308
