"""QR codes with segno: inline SVG for pages, PNG bytes for emails, matrices for PDFs.

ISO/IEC 18004 (7.8.3) has the encoder try all eight data masks and keep the one with
the lowest penalty score. segno does that module by module in pure Python, which took
about four fifths of a code's CPU time. Here the same four penalty rules, exactly as
segno scores them, are evaluated with a few dozen integer operations per mask on all
rows and columns at once (one integer, one byte per module), so that the code chosen
is the very one segno would choose, bit for bit, at a tenth of the cost of choosing.
tests/test_qr_mask.py holds it to that.

The trick that keeps segno's own encoder in charge: the code is encoded once with
mask 0, and switching it to mask m changes only the data modules (by the XOR of the
two mask patterns) and the format information (whose BCH code is linear), so the
change is the same for every payload of a version. It is measured once per version
from encodings of a sample and then applied with one XOR per row.
"""

import copy
import io
from functools import cache

import segno
from segno.encoder import make_matrix

from events.documents.png import matrix_png

MASKS = range(8)
# ISO/IEC 18004:2015, Table 11: N1 = 3, N2 = 3, N3 = 40, N4 = 10.
N3_POINTS = 40


def qr_code(data: str) -> segno.QRCode:
    """The QR code of data at error level M (raised when it fits), as segno.make makes it.

    Equal to segno.make(data, error="m", micro=False), mask included; only faster.
    Never a Micro QR code, which segno would pick for a short payload such as a
    check-in code: phone cameras and the door page's BarcodeDetector("qr_code") do
    not read them.
    """
    code = segno.make(data, error="m", mask=0, micro=False)
    masked = _Layout.of(code.version, code.error)
    best = masked.best_mask(code.matrix)
    if best == 0:
        return code
    rows = _line_ints(code.matrix)
    width = len(rows)
    chosen = copy.copy(code)
    chosen.matrix = tuple(
        bytearray((row ^ delta).to_bytes(width, "little"))
        for row, delta in zip(rows, masked.row_deltas[best], strict=True)
    )
    chosen.mask = best
    return chosen


def qr_svg(data: str, *, scale: int = 4) -> str:
    """An inline <svg> element (no XML declaration) with a title for screen readers."""
    buffer = io.BytesIO()
    qr_code(data).save(
        buffer, kind="svg", scale=scale, xmldecl=False, svgns=True, title="QR code", nl=False
    )
    return buffer.getvalue().decode()


def qr_png(data: str, *, scale: int = 5) -> bytes:
    """PNG bytes, exactly as segno saves them (events/documents/png.py writes them faster)."""
    return matrix_png(qr_code(data).matrix, scale=scale, border=2)


def _line_ints(lines) -> list[int]:
    """Each line of modules (0 light, 1 dark) as an integer whose byte j is module j."""
    return [int.from_bytes(bytes(line), "little") for line in lines]


# Light modules between the lines of a symbol laid end to end: as many as the widest
# look-around of a rule (N3 looks 4 modules each way), so no rule sees two lines at once.
GAP = 4


def _all_lines(matrix) -> int:
    """Rows then columns of the matrix, GAP light modules after each, as one integer
    with one byte per module: every rule then runs on the whole symbol at once."""
    lines = [bytes(row) for row in matrix]
    lines += [bytes(column) for column in zip(*lines, strict=True)]
    gap = bytes(GAP)
    return int.from_bytes(gap.join(lines) + gap, "little")


class _Layout:
    """What masking does to the symbols of one version and error level, and its scoring.

    Everything here is an integer with one byte per module of _all_lines(symbol).
    """

    def __init__(self, version: int, error: str):
        samples = [
            segno.make("0", version=version, error=error, mask=mask, boost_error=False).matrix
            for mask in MASKS
        ]
        width = self.width = len(samples[0])
        # Format and version information (and the dark module) are written after the
        # masks are scored: they count as light while scoring. make_matrix reserves them
        # as 0 and all else as 2, and the timing pattern then overwrites two of them.
        reserved = make_matrix(width, width, reserve_regions=True, add_timing=False)
        timing = make_matrix(width, width, reserve_regions=False, add_timing=True)
        keep = _all_lines(
            [0 if cell == 0 and timed == 2 else 1 for cell, timed in zip(*pair, strict=True)]
            for pair in zip(reserved, timing, strict=True)
        )
        base_rows, base = _line_ints(samples[0]), _all_lines(samples[0])
        self.row_deltas = [
            [a ^ b for a, b in zip(_line_ints(sample), base_rows, strict=True)]
            for sample in samples
        ]
        # From mask 0 as encoded to mask m as scored: flip these, then keep those.
        self.flips = [_all_lines(sample) ^ base for sample in samples]
        self.keep = keep
        stride = self.stride = 8 * (width + GAP)
        line = int.from_bytes(b"\x01" * (width - 1), "little")
        # Module j of a line stands for the pair j, j + 1 (N1) or for the block whose
        # top-left module it is (N2: rows only, not the last).
        self.pairs = sum(line << (stride * index) for index in range(2 * width))
        self.modules = sum((line << 8 | 1) << (stride * index) for index in range(2 * width))
        self.block_corners = sum(line << (stride * index) for index in range(width - 1))
        self.block_count = (width - 1) ** 2
        self.rows = (1 << (stride * width)) - 1
        self.area = width * width

    @classmethod
    @cache
    def of(cls, version: int, error: str) -> "_Layout":
        return cls(version, error)

    def best_mask(self, matrix) -> int:
        """The mask with the lowest penalty (the first such), given the mask-0 matrix."""
        encoded = _all_lines(matrix)
        keep = self.keep
        scores = [self.penalty((encoded ^ flip) & keep) for flip in self.flips]
        return scores.index(min(scores))

    def penalty(self, lines: int) -> int:
        """N1 + N2 + N3 + N4 of ISO/IEC 18004 7.8.3.1, as segno.encoder.mask_scores counts."""
        pairs = self.pairs
        # N1: a run of k >= 5 same-colour modules scores k - 2, i.e. one point for each
        # window of five inside it, plus two for the run itself.
        changes = lines ^ (lines >> 8)
        same = (changes & pairs) ^ pairs
        fives = same & (same >> 8) & (same >> 16) & (same >> 24)
        # (a & ~b is written a ^ (a & b): the same bits, without negative integers.)
        starts = fives ^ (fives & (same << 8))
        score = fives.bit_count() + 2 * starts.bit_count()
        # N2: each 2 x 2 block of one colour (blocks may overlap).
        below = lines >> self.stride
        differ = changes | below ^ (below >> 8) | lines ^ below
        score += 3 * (self.block_count - (differ & self.block_corners).bit_count())
        # N3: dark-light-dark-dark-dark-light-dark.
        light = lines ^ self.modules
        finders = (
            lines
            & (light >> 8)
            & (lines >> 16)
            & (lines >> 24)
            & (lines >> 32)
            & (light >> 40)
            & (lines >> 48)
        )
        if finders:
            score += self._finder_points(lines, finders)
        # N4: 10 points per 5 % that dark modules stray from half (segno's arithmetic).
        percent = float((lines & self.rows).bit_count()) / self.area
        return score + 10 * int(abs(percent * 100 - 50) / 5)

    @staticmethod
    def _finder_points(lines: int, finders: int) -> int:
        """segno's scan: a pattern counts if the 4 modules before it or the 4 after it
        (as many as the line has) are light, and the search resumes 7 modules on after a
        pattern that counts, 4 after one that does not."""
        dark_before = (lines << 8) | (lines << 16) | (lines << 24) | (lines << 32)
        dark_after = (lines >> 56) | (lines >> 64) | (lines >> 72) | (lines >> 80)
        counted = finders ^ (finders & dark_before & dark_after)
        # Patterns can overlap only 4 or 6 modules on; the search skips those after a
        # pattern that counts. Without such overlaps every pattern found is scored.
        if not finders & ((finders << 32) | (finders << 48)):
            return N3_POINTS * counted.bit_count()
        size = (finders.bit_length() + 7) // 8
        found, scored = finders.to_bytes(size, "little"), counted.to_bytes(size, "little")
        points, index = 0, found.find(1)
        while index != -1:
            if scored[index]:
                points += N3_POINTS
                index = found.find(1, index + 7)
            else:
                index = found.find(1, index + 4)
        return points
