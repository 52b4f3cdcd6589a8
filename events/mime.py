"""Write an outbox email's MIME tree as bytes in one pass: what the email package writes.

The email package's generator costs about 1 ms per reminder: it folds every header
of every part through email.header.Header, short ASCII ones that need no folding
included, and flattens each part into a buffer of its own. OutboxMIME writes the
same bytes (tests/test_emails.py compares them with the generator's) from the same
tree, which Django and the email package still build and encode. A tree it does not
write the same way (a preamble, a part without a boundary, a message/* or signed
part, a non-text payload) goes to the generator.
"""

import re
from email.policy import compat32

from django.core.mail.message import SafeMIMEMultipart

# The generator splits bodies into lines at any of these and rejoins them with linesep.
_NEWLINES = re.compile(r"\r\n|\r|\n")


class _NotPlain(Exception):
    """The tree has something only the generator writes correctly."""


class OutboxMIME(SafeMIMEMultipart):
    """The top container of an outbox email; as_bytes() skips the generator when it can."""

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        written = None if unixfrom else plain_bytes(self, linesep=linesep)
        if written is None:
            return super().as_bytes(unixfrom=unixfrom, linesep=linesep)
        return written


def plain_bytes(message, *, linesep: str) -> bytes | None:
    """The bytes the generator writes for this tree, or None if only the generator can."""
    if message.policy is not compat32:
        return None
    out: list[bytes] = []
    try:
        _write(message, out, linesep, compat32.clone(linesep=linesep))
    except _NotPlain:
        return None
    return b"".join(out)


def _fold(policy, name: str, value, linesep: str) -> bytes:
    # compat32 leaves a short one-line ASCII value as it is (but for trailing spaces,
    # which Header drops, and leading ones); everything else it folds and encodes.
    if (
        isinstance(value, str)
        and len(name) + len(value) + 2 <= policy.max_line_length
        and value.isascii()
        and value.strip() == value
        and "\n" not in value
        and "\r" not in value
        and "\t" not in value
    ):
        return f"{name}: {value}{linesep}".encode("ascii")
    return policy.fold_binary(name, value)


def _write(part, out: list[bytes], nl: str, policy) -> None:
    maintype = part.get_content_maintype()
    if maintype == "message" or part.get_content_type() == "multipart/signed":
        raise _NotPlain(part.get_content_type())
    for name, value in part.raw_items():
        out.append(_fold(policy, name, value, nl))
    out.append(nl.encode("ascii"))
    payload = part._payload
    if maintype != "multipart":
        if payload is None:
            return
        if not isinstance(payload, str):
            raise _NotPlain(type(payload).__name__)
        out.append(nl.join(_NEWLINES.split(payload)).encode("ascii", "surrogateescape"))
        return
    boundary = part.get_boundary()
    if not (boundary and isinstance(payload, list)) or part.preamble or part.epilogue:
        raise _NotPlain("multipart layout")
    out.append(f"--{boundary}{nl}".encode("ascii"))
    for index, subpart in enumerate(payload):
        if index:
            out.append(f"{nl}--{boundary}{nl}".encode("ascii"))
        _write(subpart, out, nl, policy)
    out.append(f"{nl}--{boundary}--{nl}".encode("ascii"))
