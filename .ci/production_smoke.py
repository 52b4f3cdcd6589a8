"""CI: the production path, replayed step by step without a Docker engine.

1. The image: a fresh venv from requirements/base.txt alone (no dev packages), then
   collectstatic and migrate under DJANGO_ENV=production.
2. The stack: gunicorn with DEBUG off, reached as docs/operators.md's proxy would reach it
   (Host of the site, X-Forwarded-Proto: https), a Celery worker and beat on Redis, and
   mail to an SMTP sink (aiosmtpd, writing a Maildir).
3. Over HTTP: the public pages, compressed and cached static files, a registration whose
   confirmation arrives at the sink, the admin login, the 404 and 500 pages, /healthz,
   and the compose healthchecks of worker and beat. Chromium weighs the first load of
   the home, catalogue and session pages (at most 150 KB each, only the scripts they use).
4. The backup drill: a certificate is issued, `manage.py backup` runs, `manage.py restore`
   refuses a database that is not empty and fills a fresh one, and a second gunicorn on
   the restore verifies the certificate, serves its PDF byte for byte and opens the
   manage link. No registration made before the backup is missing.

Everything it starts is stopped at the end, pass or fail. Run by .ci/run:
    .venv/bin/python .ci/production_smoke.py
"""

import email
import email.policy
import http.client
import json
import mailbox
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
HOST = "trainings.example.org"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE, RESTORED = "tt_smoke", "tt_smoke_restored"
WEB_PORT, RESTORED_PORT, SMTP_PORT = 18231, 18232, 18225


def log(message: str) -> None:
    print(f"\n== {message}", flush=True)


def check(condition: bool, what: str) -> None:
    if not condition:
        raise SystemExit(f"production smoke test FAILED: {what}")
    print(f"  ok  {what}", flush=True)


def wait_for(test, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return
        time.sleep(0.5)
    raise SystemExit(f"production smoke test FAILED: {what} (waited {seconds:.0f} s)")


class Stack:
    """The processes of one run, stopped together (each in its own process group)."""

    def __init__(self, work: Path, env: dict) -> None:
        self.work, self.env, self.processes = work, env, []

    def start(self, name: str, *args: str, **env: str) -> subprocess.Popen:
        logfile = (self.work / f"{name}.log").open("w")
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=logfile,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((name, process))
        return process

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                print(f"  {name} did not stop in 20 s and was killed", flush=True)

    def run(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            args, cwd=ROOT, env={**self.env, **env}, capture_output=True, text=True
        )
        if result.returncode != 0:
            raise SystemExit(f"`{' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
        return result.stdout

    def dump_logs(self) -> None:
        for name, _process in self.processes:
            print(f"\n-- {name}.log (last lines)")
            print("\n".join((self.work / f"{name}.log").read_text().splitlines()[-25:]))


class Browser:
    """HTTP as the TLS-terminating proxy passes it on: the site's Host, X-Forwarded-Proto."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, SimpleCookie()

    def request(self, method: str, path: str, body: bytes = b"", proxied=True, **headers):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": HOST, "X-Forwarded-Proto": "https"} if proxied else {}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={m.value}" for k, m in self.cookies.items())
        sent.update({key.replace("_", "-"): value for key, value in headers.items()})
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        connection.close()
        return response, content

    def get(self, path: str, **headers):
        return self.request("GET", path, **headers)


def build_image_venv(work: Path) -> Path:
    log("The image's build stage: a venv from requirements/base.txt alone")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [str(venv / "bin/pip"), "install", "--quiet", "-r", str(ROOT / "requirements/base.txt")],
        check=True,
    )
    frozen = subprocess.run(
        [str(venv / "bin/pip"), "freeze"], capture_output=True, text=True, check=True
    ).stdout.lower()
    check("pytest" not in frozen and "factory-boy" not in frozen, "no dev package in the venv")
    return venv


# The Dockerfile's and the Makefile's compile step: every locale's django.po to its .mo.
COMPILE_MESSAGES = ["-q", "compile", "-d", "locale", "-D", "django"]


def dockerfile_collectstatic_env() -> dict:
    """The variables the Dockerfile sets for its collectstatic, so the replay runs the same."""
    line = re.search(
        r"^RUN ((?:\w+=\S+ )+)\\\n\s+python manage.py collectstatic",
        (ROOT / "Dockerfile").read_text(),
        re.MULTILINE,
    )
    if line is None:
        raise SystemExit("production smoke test: no collectstatic line found in the Dockerfile")
    return dict(pair.split("=", 1) for pair in line[1].split())


def psql(database: str, sql: str) -> str:
    return subprocess.run(
        ["psql", f"{POSTGRES}/{database}", "-qAtc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def fresh_database(name: str) -> str:
    psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql("postgres", f"CREATE DATABASE {name}")
    return f"{POSTGRES}/{name}"


def production_env(work: Path, venv: Path) -> dict:
    """The deployment's variables; its Open Badges signing key is made by the command."""
    return {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "smoke-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": f"https://{HOST}",
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        "DATABASE_URL": fresh_database(DATABASE),
        "REDIS_URL": "redis://127.0.0.1:6379/13",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/12",
        "EMAIL_URL": f"smtp://127.0.0.1:{SMTP_PORT}",
        "MEDIA_ROOT": str(work / "media"),
        "TRUSTED_PROXY_COUNT": "1",
        "BADGE_SIGNING_KEY_FILE": str(work / "badge-signing-key.pem"),
    }


def create_badge_key(stack: "Stack", python: str) -> None:
    log("An Open Badges signing key, made with the command, passed by file")
    key = Path(stack.env["BADGE_SIGNING_KEY_FILE"])
    print("  " + stack.run(python, "manage.py", "create_badge_key", "--output", str(key)).strip())
    check(oct(key.stat().st_mode & 0o777) == "0o600", "the key file is readable by its owner only")


# The web processes add one route that raises, to see the 500 page with DEBUG off:
# .ci/smoke_settings.py is the production settings with .ci/smoke_urls.py on top.
WITH_FORCED_ERROR = {"PYTHONPATH": str(ROOT / ".ci"), "DJANGO_SETTINGS_MODULE": "smoke_settings"}


def start_stack(stack: Stack, venv: Path, maildir: Path) -> None:
    log("The stack: gunicorn (DEBUG off), a Celery worker and beat on Redis, an SMTP sink")
    subprocess.run(["redis-cli", "-n", "12", "flushdb"], check=True, capture_output=True)
    subprocess.run(["redis-cli", "-n", "13", "flushdb"], check=True, capture_output=True)
    stack.start(
        "smtp-sink",
        str(ROOT / ".venv/bin/python"),
        "-m",
        "aiosmtpd",
        "-n",
        "-l",
        f"127.0.0.1:{SMTP_PORT}",
        "-c",
        "aiosmtpd.handlers.Mailbox",
        str(maildir),
        PATH="/usr/bin:/bin",
    )
    bin_ = venv / "bin"
    stack.start("web", str(bin_ / "gunicorn"), *gunicorn_args(WEB_PORT), **WITH_FORCED_ERROR)
    stack.start(
        "worker",
        str(bin_ / "celery"),
        *("-A", "trafficking_training", "worker", "-Q", "default,email,pdf"),
        *("--concurrency", "2", "--loglevel", "INFO", "--hostname", "smoke@%h"),
    )
    stack.start(
        "beat",
        str(bin_ / "celery"),
        *("-A", "trafficking_training", "beat", "--loglevel", "INFO"),
        *("--schedule", str(stack.work / "celerybeat-schedule")),
    )


def gunicorn_args(port: int) -> list[str]:
    # The image's configuration (gthread workers, the shared log format), as the Dockerfile.
    return [
        *("-c", "python:trafficking_training.gunicorn_conf", "trafficking_training.wsgi"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
    ]


def answers(port: int) -> bool:
    try:
        response, _ = Browser(port).get("/healthz", proxied=False)
    except OSError:
        return False
    return response.status == 200


def check_pages(browser: Browser, maildir: Path) -> str:
    """The pages over HTTP; returns a session page's path."""
    log("Over HTTP, as the proxy passes requests on")
    response, body = browser.get("/", proxied=False, Host=HOST)
    check(
        response.status == 301 and response.headers["Location"].startswith(f"https://{HOST}/"),
        "plain http is redirected to https",
    )
    response, body = browser.get("/healthz", proxied=False)
    health = json.loads(body)
    check(
        response.status == 200
        and health == {"status": "ok", "database": "ok", "cache": "ok", "broker": "ok"},
        f"/healthz by IP address reports the database, cache and broker: {health}",
    )
    for path in ("/", "/sessions/"):
        response, body = browser.get(path)
        check(response.status == 200, f"GET {path} answers 200")
    home = body.decode()
    session_path = re.search(r'href="(/sessions/[A-Za-z0-9_-]+/)"', home)[1]
    response, body = browser.get(session_path)
    check(response.status == 200, f"a session page ({session_path}) answers 200")
    page = body.decode()

    css = re.search(r'href="(/static/[^"]+\.css)"', page)[1]
    check(re.search(r"\.[0-9a-f]{12}\.css$", css) is not None, f"the CSS has a hashed name: {css}")
    for encoding in ("br", "gzip"):
        response, _ = browser.get(css, Accept_Encoding=encoding)
        cache = response.headers.get("Cache-Control", "")
        check(
            response.status == 200
            and response.headers.get("Content-Encoding") == encoding
            and "max-age=315360000" in cache
            and "immutable" in cache,
            f"the CSS is served {encoding}-compressed, cached for good ({cache})",
        )

    register(browser, session_path, page, maildir)

    response, body = browser.get("/admin/login/")
    check(response.status == 200 and b'name="password"' in body, "the admin login page answers")
    response, body = browser.get("/no-such-page/")
    check(
        response.status == 404 and b"We could not find that page" in body,
        "an unknown URL gets the 404 page",
    )
    response, body = browser.get("/smoke/error/")
    check(
        response.status == 500
        and b"Something went wrong on our side" in body
        and b"Traceback" not in body
        and b"RuntimeError" not in body,
        "a forced error gets the 500 page, with no debug details",
    )
    return session_path


# Issue 15's budget for a visitor's first load of a public page: HTML, CSS, scripts,
# icon, with the compressed static files of the production build.
FIRST_LOAD_BUDGET = 150 * 1024
# The scripts each page may load: Bootstrap's collapse (the phone menu) and "Exit this
# page" everywhere, and the registration form's own script (it fills in the visitor's
# time zone).
MENU_ONLY = {"bootstrap.min", "exit-page"}
PAGE_SCRIPTS = {"home": MENU_ONLY, "catalogue": MENU_ONLY, "session": MENU_ONLY | {"registration"}}


def check_first_load_weight(port: int, session_path: str) -> None:
    """Chromium opens each page in a fresh profile, as a first-time visitor would, and
    adds up what went over the wire (headers and encoded bodies).

    Chromium offers brotli only over https, so over the smoke test's plain http the
    static files come gzip-compressed: a little heavier than a visitor gets.
    """
    log("First load of the public pages in Chromium: at most 150 KB each")
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_FLAGS

    resolver = f"--host-resolver-rules=MAP {HOST} 127.0.0.1:{port}"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_FLAGS, resolver]
        )
        try:
            pages = {"home": "/", "catalogue": "/sessions/", "session": session_path}
            for name, path in pages.items():
                context = chromium.new_context(extra_http_headers={"X-Forwarded-Proto": "https"})
                page = context.new_page()
                finished = []
                page.on("requestfinished", lambda request, seen=finished: seen.append(request))
                page.goto(f"http://{HOST}{path}", wait_until="networkidle")
                sizes = {
                    request.url: request.sizes()["responseHeadersSize"]
                    + request.sizes()["responseBodySize"]
                    for request in finished
                }
                total = sum(sizes.values())
                for url, size in sorted(sizes.items(), key=lambda item: -item[1]):
                    print(f"    {size / 1024:6.1f} KB  {url.removeprefix(f'http://{HOST}')}")
                # Without the hash that collectstatic puts in the name.
                scripts = {
                    re.sub(r"\.[0-9a-f]{12}\.js$", "", Path(url).name)
                    for url in sizes
                    if url.endswith(".js")
                }
                check(
                    total <= FIRST_LOAD_BUDGET,
                    f"the first load of {path} transfers {total / 1024:.1f} KB (budget 150 KB)",
                )
                check(
                    scripts <= PAGE_SCRIPTS[name],
                    f"{path} loads only the scripts it needs: {sorted(scripts)}",
                )
                context.close()
        finally:
            chromium.close()


def register(browser: Browser, session_path: str, page: str, maildir: Path) -> None:
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    select = re.search(r'<select name="sector".*?</select>', page, re.S)[0]
    sector = re.search(r'<option value="([^"]+)"', select)[1]
    address = f"smoke-{secrets.token_hex(4)}@example.org"
    form = {
        "csrfmiddlewaretoken": token,
        "full_name": "Ольга Кузнецова",
        "email": address,
        "organization": "Fargo Public Schools",
        "sector": sector,
        "consent": "on",
    }
    response, body = browser.request(
        "POST",
        session_path,
        urlencode(form).encode(),
        Content_Type="application/x-www-form-urlencoded",
        Origin=f"https://{HOST}",
        Referer=f"https://{HOST}{session_path}",
    )
    check(
        response.status == 302 and "/registered/" in response.headers["Location"],
        "a registration POST is accepted",
    )

    def arrived() -> bool:
        if not (maildir / "new").is_dir():
            return False
        return any(address in (m["To"] or "") for m in mailbox.Maildir(maildir, create=False))

    wait_for(arrived, "the confirmation email arrives at the SMTP sink")
    message = next(m for m in mailbox.Maildir(maildir) if address in (m["To"] or ""))
    text = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    body = text.get_body(("plain",)).get_content()
    check(f"https://{HOST}/manage/" in body, "the confirmation arrived, its links on SITE_URL")


def check_healthchecks(stack: Stack, venv: Path) -> None:
    log("The compose healthchecks of worker and beat")
    stack.run(
        str(venv / "bin/celery"),
        *("-A", "trafficking_training", "inspect", "ping", "--timeout", "10"),
    )
    print("  ok  celery inspect ping answers")
    wait_for(
        lambda: any(stack.work.glob("celerybeat-schedule*")),
        "beat writes its schedule file",
        seconds=30,
    )
    print("  ok  beat keeps its schedule file (the beat healthcheck's sign of life)")


ISSUE_CERTIFICATE = """
import json
from events.models import Registration
from events.services.certificates import issue_certificate
registration = Registration.objects.filter(attended=True).order_by("pk").first()
certificate = issue_certificate(registration_id=registration.pk)
print(json.dumps({"code": certificate.code, "name": certificate.name_printed,
                  "manage": registration.get_manage_url(), "pdf": certificate.pdf.name}))
"""


def backup_drill(stack: Stack, venv: Path, browser: Browser) -> None:
    log("Backup drill: back up, restore into a fresh database and media folder, serve it")
    python = str(venv / "bin/python")
    output = stack.run(python, "manage.py", "shell", "-c", ISSUE_CERTIFICATE)
    issued = json.loads(output.strip().splitlines()[-1])  # after the log lines
    response, original_pdf = browser.get(issued["manage"] + "certificate.pdf")
    check(
        response.status == 200 and original_pdf.startswith(b"%PDF"),
        "the certificate's PDF downloads",
    )
    response, badge = browser.get(issued["manage"] + "open-badge.jwt")
    check(
        response.status == 200 and badge.count(b".") == 2,
        "the certificate downloads as a signed Open Badge (a compact JWS)",
    )
    response, did = browser.get("/.well-known/did.json")
    check(
        response.status == 200 and json.loads(did)["id"] == f"did:web:{HOST}",
        "the issuer's did.json names the site's host",
    )
    before = psql(
        DATABASE, "SELECT string_agg(id || ':' || email, ',' ORDER BY id) FROM events_registration"
    )

    backup = stack.work / "backup"
    print("  " + stack.run(python, "manage.py", "backup", str(backup)).strip())
    refused = subprocess.run(
        [python, "manage.py", "restore", str(backup)],
        cwd=ROOT,
        env=stack.env,
        capture_output=True,
        text=True,
    )
    check(
        refused.returncode == 1 and "is not empty" in refused.stderr,
        "a restore into the live (not empty) database refuses: "
        + refused.stderr.strip().splitlines()[-1],
    )

    restored = {
        "DATABASE_URL": fresh_database(RESTORED),
        "MEDIA_ROOT": str(stack.work / "restored-media"),
    }
    print("  " + stack.run(python, "manage.py", "restore", str(backup), **restored).strip())
    after = psql(
        RESTORED, "SELECT string_agg(id || ':' || email, ',' ORDER BY id) FROM events_registration"
    )
    check(before == after, f"every registration is back ({before.count(',') + 1} of them)")

    stack.start(
        "web-restored", str(venv / "bin/gunicorn"), *gunicorn_args(RESTORED_PORT), **restored
    )
    wait_for(lambda: answers(RESTORED_PORT), "gunicorn on the restore answers")
    again = Browser(RESTORED_PORT)
    response, body = again.get(f"/certificates/verify/{issued['code']}/")
    check(
        response.status == 200 and issued["name"].encode() in body,
        "the certificate verifies on the restored site",
    )
    response, pdf = again.get(issued["manage"] + "certificate.pdf")
    check(response.status == 200 and pdf == original_pdf, "its PDF downloads, byte for byte")
    check(
        (stack.work / "restored-media" / issued["pdf"]).is_file(),
        "the stored PDF file is back in the media folder",
    )
    response, body = again.get(issued["manage"])
    check(response.status == 200, "the manage link still opens")


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="tt-production-"))
    venv = build_image_venv(work)
    env = production_env(work, venv)
    stack = Stack(work, env)
    python = str(venv / "bin/python")

    log("The image's message catalogues, compiled with the venv's pybabel (no GNU gettext)")
    subprocess.run(
        [str(venv / "bin/pybabel"), *COMPILE_MESSAGES],
        cwd=ROOT,
        env={"PATH": env["PATH"]},
        check=True,
    )

    log("The image's collectstatic and the migrate service, under DJANGO_ENV=production")
    build_env = dockerfile_collectstatic_env()
    print(f"  the Dockerfile's collectstatic runs with {sorted(build_env)}")
    subprocess.run(
        [python, "manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"],
        cwd=ROOT,
        env={"PATH": env["PATH"], **build_env},
        check=True,
    )
    check(
        any((ROOT / "staticfiles/vendor/bootstrap").glob("bootstrap.min.*.css.br")),
        "collectstatic wrote brotli copies",
    )
    create_badge_key(stack, python)
    stack.run(python, "manage.py", "migrate", "--noinput")
    stack.run(python, "manage.py", "load_demo_data")
    maildir = work / "mail"
    try:
        start_stack(stack, venv, maildir)
        wait_for(lambda: answers(WEB_PORT), "gunicorn answers /healthz")
        browser = Browser(WEB_PORT)
        session_path = check_pages(browser, maildir)
        check_first_load_weight(WEB_PORT, session_path)
        check_healthchecks(stack, venv)
        backup_drill(stack, venv, browser)
    except BaseException:
        stack.dump_logs()
        raise
    finally:
        stack.stop()
        for name in (DATABASE, RESTORED):
            psql("postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    shutil.rmtree(work, ignore_errors=True)
    log("The production path works")


if __name__ == "__main__":
    main()
