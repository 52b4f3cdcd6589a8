"""QR codes with segno: inline SVG for pages, PNG bytes for emails, matrices for PDFs.

ISO/IEC 18004 (7.8.3) has the encoder try all eight data masks and keep the one with
the lowest penalty score. segno does that module by module in pure Python, which took
about four fifths of a code's CPU time. Here the same four penalty rules, exactly as
segno scores them, are evaluated on whole rows and columns held as integers (one byte
per module), so that the code chosen is the very one segno would choose, bit for bit,
at a fraction of the cost. tests/test_qr_mask.py holds it to that.

The trick that keeps segno's own encoder in charge: the code is encoded once with
mask 0, and switching it to mask m changes only the data modules (by the XOR of the
two mask patterns) and the format information (whose BCH code is linear), so the
change is the same for every payload of a version. It is measured once per version
from two encodings of a sample and then applied with one XOR per row.
"""

import copy
import io
from functools import cache

import segno
from segno.encoder import make_matrix

MASKS = range(8)
# ISO/IEC 18004:2015, Table 11: N1 = 3, N2 = 3, N3 = 40, N4 = 10.
N3_POINTS = 40


def qr_code(data: str) -> segno.QRCode:
    """The QR code of data at error level M (raised when it fits), as segno.make makes it.

    Equal to segno.make(data, error="m"), mask included; only faster.
    """
    code = segno.make(data, error="m", mask=0)
    if code.is_micro:
        # Micro QR codes score masks by another rule; short payloads only, left to segno.
        return segno.make(data, error="m")
    masked = _Layout.of(code.version, code.error)
    rows = [int.from_bytes(row, "little") for row in code.matrix]
    best = masked.best_mask(rows)
    if best == 0:
        return code
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
    buffer = io.BytesIO()
    qr_code(data).save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def _line_ints(lines) -> list[int]:
    """Each line of modules (0 light, 1 dark) as an integer whose byte j is module j."""
    return [int.from_bytes(bytes(line), "little") for line in lines]


def _columns(lines) -> zip:
    return zip(*lines, strict=True)


class _Layout:
    """What masking does to the symbols of one version and error level, and its scoring."""

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
        keep = [
            [0 if cell == 0 and timed == 2 else 1 for cell, timed in zip(*pair, strict=True)]
            for pair in zip(reserved, timing, strict=True)
        ]
        keep_rows, keep_cols = _line_ints(keep), _line_ints(_columns(keep))
        base_rows, base_cols = _line_ints(samples[0]), _line_ints(_columns(samples[0]))
        self.row_deltas, self.scoring = [], []
        for sample in samples:
            sample_rows, sample_cols = _line_ints(sample), _line_ints(_columns(sample))
            self.row_deltas.append([a ^ b for a, b in zip(sample_rows, base_rows, strict=True)])
            # From mask 0 as encoded to mask m as scored: flip, then clear what is reserved.
            self.scoring.append(
                (
                    [
                        (a ^ b, keep)
                        for a, b, keep in zip(sample_rows, base_rows, keep_rows, strict=True)
                    ],
                    [
                        (a ^ b, keep)
                        for a, b, keep in zip(sample_cols, base_cols, keep_cols, strict=True)
                    ],
                )
            )
        ones = int.from_bytes(b"\x01" * width, "little")
        # Byte j of "pairs" stands for modules j and j + 1 of a line.
        self.pairs = ones >> 8
        self.pair_count = width - 1
        self.area = width * width
        self.before = [_span(max(index - 4, 0), index) for index in range(width)]
        self.after = [_span(index + 7, min(index + 11, width)) for index in range(width)]

    @classmethod
    @cache
    def of(cls, version: int, error: str) -> "_Layout":
        return cls(version, error)

    def best_mask(self, rows: list[int]) -> int:
        """The mask with the lowest penalty (the first such), given the mask-0 rows."""
        columns = _line_ints(_columns(row.to_bytes(self.width, "little") for row in rows))
        best, best_score = 0, None
        for mask in MASKS:
            row_changes, column_changes = self.scoring[mask]
            masked_rows = [
                (row ^ flip) & keep for row, (flip, keep) in zip(rows, row_changes, strict=True)
            ]
            masked_columns = [
                (column ^ flip) & keep
                for column, (flip, keep) in zip(columns, column_changes, strict=True)
            ]
            score = self.penalty(masked_rows, masked_columns)
            if best_score is None or score < best_score:
                best, best_score = mask, score
        return best

    def penalty(self, rows: list[int], columns: list[int]) -> int:
        """N1 + N2 + N3 + N4 of ISO/IEC 18004 7.8.3.1, as segno.encoder.mask_scores counts."""
        pairs = self.pairs
        score = 0
        for line in (*rows, *columns):
            # N1: a run of k >= 5 same-colour modules scores k - 2, i.e. one point for
            # each window of five inside it, plus two for the run itself.
            same = ((line ^ (line >> 8)) & pairs) ^ pairs
            fives = same & (same >> 8) & (same >> 16) & (same >> 24)
            if fives:
                score += fives.bit_count() + 2 * (fives & ~(same << 8)).bit_count()
            # N3: dark-light-dark-dark-dark-light-dark.
            finders = (
                line
                & ~(line >> 8)
                & (line >> 16)
                & (line >> 24)
                & (line >> 32)
                & ~(line >> 40)
                & (line >> 48)
            )
            if finders:
                score += self._finder_points(line, finders)
        # N2: each 2 x 2 block of one colour (blocks may overlap).
        blocks = 0
        above = rows[0]
        for below in rows[1:]:
            differ = (above ^ (above >> 8)) | (below ^ (below >> 8)) | (above ^ below)
            blocks += self.pair_count - (differ & pairs).bit_count()
            above = below
        score += 3 * blocks
        # N4: 10 points per 5 % that dark modules stray from half (segno's arithmetic).
        dark = sum(row.bit_count() for row in rows)
        percent = float(dark) / self.area
        return score + 10 * int(abs(percent * 100 - 50) / 5)

    def _finder_points(self, line: int, finders: int) -> int:
        """segno's scan: a pattern counts if a light area of up to 4 modules precedes or
        follows it (or it touches the edge); the search then resumes past it, or 4 on."""
        points = 0
        last = self.width - 7
        while finders:
            index = ((finders & -finders).bit_length() - 1) >> 3
            if index in (0, last) or not line & self.before[index] or not line & self.after[index]:
                points += N3_POINTS
                resume = index + 7
            else:
                resume = index + 4
            finders &= ~((1 << (8 * resume)) - 1)
        return points


def _span(start: int, stop: int) -> int:
    """Modules start..stop-1 of a line, as an integer with one byte per module."""
    return int.from_bytes(b"\x01" * max(stop - start, 0), "little") << (8 * start)
