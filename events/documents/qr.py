"""QR codes with segno: inline SVG for pages, PNG bytes for emails, matrices for PDFs.

Every code is segno.make(data, error="m", micro=False): error level M (segno raises
it when the payload still fits), segno's own choice of mask, and never a Micro QR
code, which segno would otherwise pick for a short check-in code and which phone
cameras and the door page's BarcodeDetector("qr_code") do not read.

Every code keeps a quiet zone of QUIET_ZONE modules, as ISO/IEC 18004 asks: segno's
border in the PNG and SVG, and clear space around the code on the certificate.

A registrant's check-in code never changes, yet every email to them carries its
image, so qr_png keeps the PNGs of the codes seen lately instead of encoding one per
email.
"""

import io
from functools import lru_cache

import segno

# PNGs kept per process: about 1 KiB each, enough for every registrant of a few large
# sessions whose reminders go out together.
PNGS_KEPT = 4096
QUIET_ZONE = 4


def qr_code(data: str) -> segno.QRCode:
    """The full-size QR code of data at error level M or higher."""
    return segno.make(data, error="m", micro=False)


def qr_svg(data: str, *, scale: int = 4, title: str = "QR code") -> str:
    """An inline <svg> element (no XML declaration) with a title for screen readers
    (segno escapes it), in the reader's language when the caller translates it."""
    buffer = io.BytesIO()
    qr_code(data).save(
        buffer,
        kind="svg",
        scale=scale,
        border=QUIET_ZONE,
        # A white quiet zone whatever the page behind it (a dark theme, a coloured card).
        light="#fff",
        xmldecl=False,
        svgns=True,
        title=title,
        nl=False,
    )
    return buffer.getvalue().decode()


@lru_cache(maxsize=PNGS_KEPT)
def qr_png(data: str, *, scale: int = 5) -> bytes:
    """PNG bytes of the code as segno writes them, made once per code and scale."""
    buffer = io.BytesIO()
    qr_code(data).save(buffer, kind="png", scale=scale, border=QUIET_ZONE)
    return buffer.getvalue()
