"""The last step of every email's HTML part, and the site's mark it shows.

The layout (templates/emails/layout.html) styles its elements by class in a <style>
block. Many mail clients drop <style> (or the <head> with it), so css-inline writes each
rule into the style="" of the elements it matches: once per email, after the
recipient's values are in (a shared render's stand-ins would be re-escaped by the
serializer, so the filled-in email is inlined, not the stand-in render). The
prefers-color-scheme rules cannot be inlined and stay in <style> (keep_at_rules), for
the clients that honour them; the inlined colours are explicit for the others.

The mark is a PNG made once from templates/_mark.svg on its own navy square
(assets/email-mark.svg; `rsvg-convert -w 96 -h 96 -b '#1a4480' email-mark.svg -o
email-mark.png`, Debian's librsvg2-bin): clients block SVG, and an opaque image keeps
its white bubble visible on a dark background. It is attached inline (cid:), like the
check-in QR code, so no client has to fetch it.
"""

import functools
from pathlib import Path

import css_inline

MARK_CID = "site-mark"
# No network: the layout has no <link> stylesheets, and an email is never built by
# fetching one.
_INLINER = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


def inline_css(html: str) -> str:
    """The HTML with its <style> rules written into each element's style attribute."""
    return _INLINER.inline(html)


@functools.cache
def mark_png() -> bytes:
    """The site's mark, 96 px square (shown at 48 px), read once per process."""
    return (Path(__file__).parent / "assets" / "email-mark.png").read_bytes()
