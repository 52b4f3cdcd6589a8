"""The images an organizer uploads for a training's certificates: the host's logo and the
signatory's signature.

Each file is stored under a name made of its content's SHA-256, so a name always means
the same bytes. A certificate keeps the names it was drawn with (its snapshot), and a
new upload under the training gets a new name instead of replacing the old file: a
certificate issued before the change still re-renders byte for byte as it was issued.
"""

import hashlib

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 1024 * 1024
# Larger than any print needs at the size it is drawn (a logo 3 inches wide is 900
# pixels at 300 dpi), and small enough that decoding never costs much memory.
MAX_PIXELS = 3000
FORMATS = {"PNG": ".png", "JPEG": ".jpg"}


def content_name(content) -> str:
    """The file's name from its bytes: 128 bits of their SHA-256 (no two different
    images share one by chance) and the extension of what they are."""
    digest = hashlib.sha256()
    for chunk in content.chunks():
        digest.update(chunk)
    content.seek(0)
    # validate_certificate_image allowed only these formats.
    with Image.open(content) as image:
        extension = FORMATS[image.format]
    content.seek(0)
    return f"{digest.hexdigest()[:32]}{extension}"


class ContentNamedImageFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        # Whatever the upload was called, and whichever way it is saved (the admin's
        # form, FieldFile.save in a shell): the name comes from the content.
        super().save(content_name(content), content, save)


class ContentNamedImageField(models.ImageField):
    """An image stored under a name made of its content (upload_to is the folder)."""

    attr_class = ContentNamedImageFieldFile


def validate_certificate_image(upload) -> None:
    """A PNG or a JPEG of at most MAX_BYTES and MAX_PIXELS a side."""
    try:
        size = upload.size
        upload.seek(0)
        with Image.open(upload) as image:
            kind, (width, height) = image.format, image.size
        upload.seek(0)
    except (UnidentifiedImageError, OSError) as error:
        # OSError also when a stored file went missing: the organizer uploads it again.
        raise ValidationError(_("This file is not a PNG or JPEG image.")) from error
    if kind not in FORMATS:
        raise ValidationError(_("This file is not a PNG or JPEG image."))
    if size > MAX_BYTES:
        raise ValidationError(
            _("The image is %(size)s; it may be at most %(limit)s."),
            params={"size": filesizeformat(size), "limit": filesizeformat(MAX_BYTES)},
        )
    if max(width, height) > MAX_PIXELS:
        raise ValidationError(
            _("The image is %(width)d × %(height)d pixels; it may be at most %(limit)d a side."),
            params={"width": width, "height": height, "limit": MAX_PIXELS},
        )
