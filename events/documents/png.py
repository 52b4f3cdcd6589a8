"""PNG bytes of a QR code's modules: byte for byte what segno writes, at a fraction of the cost.

segno's PNG writer packs every scanline pixel by pixel in Python, about 1 ms for a
check-in code, and every reminder carries one. Here each scanline is one string of
bits turned into bytes; the rest (the filters, zlib at level 9, the chunks) is what
segno writes for a black-on-white image, so the file is the same. tests/test_emails.py
holds it to that.
"""

import struct
import zlib

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(name: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + name + data + struct.pack(">I", zlib.crc32(name + data))


def matrix_png(matrix, *, scale: int, border: int) -> bytes:
    """A 1-bit greyscale PNG of a square module matrix (1 = dark), as segno saves it."""
    width = (len(matrix) + 2 * border) * scale
    row_bytes = (width + 7) // 8
    padding = "0" * (row_bytes * 8 - width)

    def scanline(bits: str) -> bytes:
        # Filter type 0 (None); a set bit is white in greyscale, as is the padding's 0.
        return b"\0" + int(bits + padding, 2).to_bytes(row_bytes, "big")

    quiet = scanline("1" * width) * (border * scale)
    # Filter type 2 (Up) with all-zero bytes: "the same as the scanline above".
    repeat_above = (b"\2" + bytes(row_bytes)) * (scale - 1)
    edge, light, dark = "1" * (border * scale), "1" * scale, "0" * scale
    lines = [quiet]
    for row in matrix:
        bits = "".join(dark if module else light for module in row)
        lines.append(scanline(edge + bits + edge) + repeat_above)
    lines.append(quiet)
    header = struct.pack(">2I5B", width, width, 1, 0, 0, 0, 0)
    return b"".join(
        (
            _SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(lines), 9)),
            _chunk(b"IEND", b""),
        )
    )
