"""QR codes with segno: inline SVG for pages, PNG bytes for emails."""

import io

import segno


def qr_svg(data: str, *, scale: int = 4) -> str:
    """An inline <svg> element (no XML declaration) with a title for screen readers."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(
        buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, title="QR code", nl=False
    )
    return buffer.getvalue().decode()


def qr_png(data: str, *, scale: int = 5) -> bytes:
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()
