"""Certificates: issue and store 1,000 through the service vs the same page in bare reportlab.

Run by bench/run.py (or directly). It needs PostgreSQL and Redis: BENCH_DATABASE_URL
(default: a tt_bench_certificates database on the local server, recreated each run)
and BENCH_REDIS_URL (db 13: the broker the certificate emails are queued on; flushed after).

The service run is the real path: lock the registration, snapshot, draw a code,
render, store the PDF, insert the row, the audit line and the outbox row, commit,
publish the email task. The baseline draws the same page (size, fonts, texts, a QR
code of the same URL as one vector path, the link) with reportlab and segno alone and
none of this project's code, so that it shows what our renderer and service add.
The two alternate in rounds in one process, so their rates are per core.
"""

import io
import os
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, BenchEnv, add_registrations  # noqa: E402

COUNT = int(os.environ.get("BENCH_CERTIFICATES", "1000"))
# The service and the baseline alternate in rounds, so that load from other jobs on
# the machine falls on both alike.
ROUNDS = 10
PER_ROUND = COUNT // ROUNDS
# The service's own target: at least half the bare page's rate, per core.
TARGET_RATIO = 0.5
FONT_DIR = ROOT / "events" / "documents" / "pdf" / "fonts"
# The baseline's own registrations of the same two font files the certificate uses.
BARE_SANS, BARE_SERIF_BOLD = "BareDejaVuSans", "BareDejaVuSerif-Bold"
ENV = BenchEnv(
    name="certificates",
    redis_db=13,
    extra={
        "MEDIA_ROOT": tempfile.mkdtemp(prefix="bench-certificates-"),
        "SITE_URL": "https://trainings.example.org",
    },
)


def make_sessions():
    """ROUNDS ended sessions sharing COUNT confirmed, attended registrants (fresh each run)."""
    from datetime import timedelta

    from django.utils import timezone

    from events.models import (
        AuditEntry,
        Certificate,
        Registration,
        Sector,
        Training,
        TrainingSession,
    )

    Certificate.objects.filter(registration__session__venue="Bench Hall").delete()
    AuditEntry.objects.filter(session__venue="Bench Hall").delete()
    Registration.objects.filter(session__venue="Bench Hall").delete()
    TrainingSession.objects.filter(venue="Bench Hall").delete()
    Training.objects.filter(slug="bench-certificates").delete()

    training = Training.objects.create(
        title="Identifying & Reporting Human Trafficking",
        slug="bench-certificates",
        hosts="DHS Blue Campaign and the Office of Senator Example",
        credit_hours=3,
        signatory_name="Pat Example",
        signatory_title="Training Coordinator",
    )
    now = timezone.now()
    sector = Sector.objects.order_by("order").first()
    names = ["José Núñez", "Nguyễn Thị Minh", "Dana Whitehorse", "Zoë O’Brien"]
    sessions = []
    for round_index in range(ROUNDS):
        session = TrainingSession.objects.create(
            training=training,
            starts_at=now - timedelta(hours=5 + round_index),
            ends_at=now - timedelta(hours=2 + round_index),
            venue="Bench Hall",
            address="207 4th St N",
            city="Fargo",
            state="ND",
            capacity=COUNT,
            status=TrainingSession.Status.PUBLISHED,
        )
        sessions.append(session)
        first = round_index * PER_ROUND
        add_registrations(
            session,
            PER_ROUND,
            prefix=f"bench{round_index}-",
            now=now,
            full_name=lambda i, first=first: f"{names[(first + i) % len(names)]} {first + i}",
            sector=sector,
            status=Registration.Status.CONFIRMED,
            checked_in_at=session.starts_at,
            attended=True,
        )
    return sessions


def register_bare_fonts() -> None:
    """Register the certificate's two font files with reportlab, under the baseline's names."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    pdfmetrics.registerFont(TTFont(BARE_SANS, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BARE_SERIF_BOLD, str(FONT_DIR / "DejaVuSerif-Bold.ttf")))


def bare_texts(certificate, verify_url: str) -> dict[str, str]:
    """The strings a certificate's page prints, made from its fields with plain Python."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(certificate.session_timezone)
    start = certificate.session_starts_at.astimezone(zone)
    end = certificate.session_ends_at.astimezone(zone)
    hours = f"{certificate.credit_hours.normalize():f}"
    return {
        "name": certificate.name_printed,
        "training": certificate.training_title,
        "when": f"{start:%B} {start.day}, {start.year}, {start:%-I:%M %p} – "
        f"{end:%-I:%M %p} {end.tzname()}",
        "place": certificate.place,
        "credit": f"{hours} credit hour{'' if hours == '1' else 's'}",
        "hosts": f"Presented by {certificate.hosts}",
        "signatory": certificate.signatory_name or certificate.hosts,
        "signatory_title": certificate.signatory_title,
        "code": certificate.display_code,
        "url": verify_url,
    }


def bare_reportlab(pages: list[dict[str, str]]) -> tuple[float, float]:
    """Draw every page with reportlab and segno alone; return (wall seconds, CPU seconds).

    The same Letter landscape page as the certificate, at fixed sizes and positions
    (no fitting or wrapping: the least a renderer can do), with the same canvas options.
    """
    import segno
    from reportlab.lib.colors import Color, black, white
    from reportlab.lib.pagesizes import landscape, letter
    from reportlab.pdfgen.canvas import Canvas

    width, height = landscape(letter)
    center, margin, qr_size = width / 2, 54, 96
    accent, muted = Color(0.11, 0.23, 0.45), Color(0.33, 0.33, 0.33)
    title = "Certificate of Attendance"

    wall, cpu = time.perf_counter(), time.process_time()
    for page in pages:
        buffer = io.BytesIO()
        canvas = Canvas(
            buffer,
            pagesize=(width, height),
            invariant=1,
            pageCompression=0,
            initialFontName=BARE_SANS,
            initialFontSize=12,
        )
        canvas.setTitle(f"{title} {page['code']}")
        canvas.setAuthor(page["hosts"])
        canvas.setSubject(page["training"])
        canvas.setFillColor(white)
        canvas.rect(0, 0, width, height, stroke=0, fill=1)
        canvas.setStrokeColor(accent)
        canvas.setLineWidth(3)
        canvas.rect(margin / 2, margin / 2, width - margin, height - margin)
        canvas.setLineWidth(0.75)
        canvas.rect(margin / 2 + 6, margin / 2 + 6, width - margin - 12, height - margin - 12)
        lines = [
            (accent, BARE_SERIF_BOLD, 34, height - 100, title),
            (muted, BARE_SANS, 13, height - 153, "This certifies that"),
            (black, BARE_SERIF_BOLD, 32, height - 197, page["name"]),
            (muted, BARE_SANS, 13, height - 242, "attended the training"),
            (accent, BARE_SERIF_BOLD, 20, height - 274, page["training"]),
            (black, BARE_SANS, 12, height - 304, page["when"]),
            (black, BARE_SANS, 11, height - 318, page["place"]),
            (black, BARE_SERIF_BOLD, 12, height - 336, page["credit"]),
            (black, BARE_SANS, 11, height - 352, page["hosts"]),
        ]
        for colour, font, size, y, line in lines:
            canvas.setFillColor(colour)
            canvas.setFont(font, size)
            canvas.drawCentredString(center, y, line)
        canvas.setStrokeColor(black)
        canvas.line(margin + 30, 118, margin + 290, 118)
        canvas.setFillColor(black)
        canvas.setFont(BARE_SERIF_BOLD, 11)
        canvas.drawCentredString(margin + 160, 104, page["signatory"])
        canvas.setFont(BARE_SANS, 9)
        canvas.drawCentredString(margin + 160, 91, page["signatory_title"])

        qr_x, qr_y = width - margin - 20 - qr_size, margin + 6
        # Dark-module runs as one path, as draw_qr does: written again on purpose, since
        # the baseline must not use the code it is measured against.
        matrix = segno.make(page["url"], error="m", micro=False).matrix
        count = len(matrix)
        runs = []
        for row_index, row in enumerate(matrix):
            start = None
            for col_index, dark in enumerate((*row, 0)):
                if dark and start is None:
                    start = col_index
                elif not dark and start is not None:
                    runs.append(f"{start} {count - 1 - row_index} {col_index - start} 1 re")
                    start = None
        canvas.saveState()
        canvas.translate(qr_x, qr_y)
        canvas.scale(qr_size / count, qr_size / count)
        canvas.addLiteral("\n".join(runs) + "\nf")
        canvas.restoreState()
        canvas.linkURL(page["url"], (qr_x, qr_y, qr_x + qr_size, qr_y + qr_size), relative=0)

        label_x = qr_x - 10
        canvas.setFillColor(muted)
        canvas.setFont(BARE_SANS, 9)
        canvas.drawRightString(label_x, qr_y + 62, "Verification code")
        canvas.setFillColor(black)
        canvas.setFont(BARE_SERIF_BOLD, 13)
        canvas.drawRightString(label_x, qr_y + 46, page["code"])
        canvas.setFillColor(muted)
        canvas.setFont(BARE_SANS, 8)
        canvas.drawRightString(label_x, qr_y + 32, page["url"])
        canvas.showPage()
        canvas.save()
        buffer.getvalue()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> int:
    ENV.create_database()
    ENV.setup_django()
    from django.db import connection

    from events.documents.pdf.fonts import register_fonts
    from events.models import Certificate, Registration
    from events.services import certificates as services

    register_fonts()
    register_bare_fonts()
    sessions = make_sessions()
    session = sessions[0]
    # Warm both paths (font files, imports, the connection) outside the timings.
    warm_up = Certificate(
        # Never saved: the PDF reads only the registrant's language from it.
        registration=Registration(language="en"),
        code="2" * 16,
        name_printed="Warm Up",
        training_title="Warm up",
        session_starts_at=session.starts_at,
        session_ends_at=session.ends_at,
        session_timezone=session.timezone,
        place=session.place,
        credit_hours=Decimal(3),
        hosts="Warm up",
        issued_at=session.ends_at,
    )
    services.render_pdf(warm_up)
    bare_reportlab([bare_texts(warm_up, warm_up.get_verify_url())])
    connection.ensure_connection()

    service_wall = service_cpu = bare_wall = bare_cpu = 0.0
    stored_bytes, urls = 0, []
    for session in sessions:
        wall, cpu = time.perf_counter(), time.process_time()
        result = services.issue_session_certificates(session_id=session.pk)
        service_wall += time.perf_counter() - wall
        service_cpu += time.process_time() - cpu
        assert result.issued == PER_ROUND, result

        certificates = list(Certificate.objects.filter(registration__session=session))
        assert all(c.pdf for c in certificates)
        stored_bytes += sum(Path(c.pdf.path).stat().st_size for c in certificates)
        round_urls = [c.get_verify_url() for c in certificates]
        urls.extend(round_urls)
        pages = [bare_texts(c, url) for c, url in zip(certificates, round_urls, strict=True)]
        wall, cpu = bare_reportlab(pages)
        bare_wall += wall
        bare_cpu += cpu
    ENV.flush_redis()
    # How much of a page is the QR code: segno choosing its mask (both sides use it) and,
    # for comparison, the encoding alone with a fixed mask.
    import segno

    sample = urls[:200]

    def per_code(make) -> float:
        cpu = time.process_time()
        for url in sample:
            make(url)
        return (time.process_time() - cpu) / len(sample)

    segno_mask = per_code(lambda url: segno.make(url, error="m", micro=False))
    fixed_mask = per_code(lambda url: segno.make(url, error="m", micro=False, mask=0))

    # Per core = certificates per CPU-second of this one process. On a machine shared
    # with other jobs, wall-clock rates measure the neighbours as much as the code;
    # both are reported, and the targets are judged on the per-core rates.
    service_rate, bare_rate = COUNT / service_cpu, COUNT / bare_cpu
    ratio = service_rate / bare_rate
    wall_ratio = (COUNT / service_wall) / (COUNT / bare_wall)
    load = os.getloadavg()[0]
    lines = [
        "## Certificates (issue and store through the service)",
        "",
        f"{COUNT:,} certificates for ended sessions, issued by `issue_session_certificates`",
        "(lock, snapshot, code, render, store the PDF, certificate row, audit row, outbox row,",
        "commit, email task published to Redis), against drawing the same pages with bare",
        "reportlab + segno and none of the project's code (same size, fonts, texts, QR code as",
        f"one vector path), in the same process, alternating in {ROUNDS} rounds of {PER_ROUND}.",
        "Per core = certificates per CPU-second of the one Python process (PostgreSQL and",
        "Redis run beside it and are not counted); wall-clock rates are shown too.",
        "",
        "| | per core (/s) | CPU ms each | wall s | wall rate (/s) |",
        "|---|---:|---:|---:|---:|",
        f"| service (stored) | {service_rate:.1f} | {1000 * service_cpu / COUNT:.2f} "
        f"| {service_wall:.2f} | {COUNT / service_wall:.1f} |",
        f"| bare reportlab | {bare_rate:.1f} | {1000 * bare_cpu / COUNT:.2f} "
        f"| {bare_wall:.2f} | {COUNT / bare_wall:.1f} |",
        "",
        f"- Service / bare reportlab, per core: **{ratio:.2f}** (target ≥ {TARGET_RATIO}: "
        f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); by wall clock: {wall_ratio:.2f}.",
        f"- Service per core: **{service_rate:.1f} certificates/s** (target ≥ 50: "
        f"{'met' if service_rate >= 50 else 'NOT met'}).",
        f"- Stored: {stored_bytes / COUNT / 1024:.1f} KiB per PDF on average.",
        f"- QR code: {1000 * segno_mask:.2f} CPU ms per code with segno's own mask choice"
        f" (used by both sides; {segno_mask * bare_rate:.0%} of a bare page),"
        f" {1000 * fixed_mask:.2f} ms with a fixed mask.",
        f"- Machine: {os.cpu_count()} cores, load average {load:.1f} at the end of the run "
        f"(other jobs were running); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
    ]
    out = ROOT / "bench" / "results" / "certificates.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines))
    print("\n".join(lines))
    # The exit code follows the ratio, which both sides share the machine's load for;
    # the absolute rate is recorded above with the load it was measured under.
    return 0 if ratio >= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
