"""Per-address rate limits on the forms that send email or look things up.

The rules live here, keyed by URL name and method, so that the views stay free of
decorators and a new limit is one line. The rates come from settings
(RATELIMIT_RATES, read from the environment).
"""

from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class Limit:
    """One counter: its name (the settings key and cache group) and when it counts."""

    name: str
    methods: frozenset[str]


_POST = frozenset({"POST"})
_ANY = frozenset({"GET", "POST"})
_READ = frozenset({"GET", "HEAD", "OPTIONS"})

# (URL name) -> the limit it counts against. Views that share a limit share a counter.
RULES: dict[str, Limit] = {
    "events:session_detail": Limit("register", _POST),
    "events:resend_manage_link": Limit("resend", _POST),
    # Certificate codes are unguessable; the limit keeps anyone from trying many.
    "events:certificate_verify_lookup": Limit("lookup", _ANY),
    "events:certificate_verify": Limit("lookup", _ANY),
    "events:certificate_download": Limit("lookup", _ANY),
    "events:privacy_erase": Limit("erase", _POST),
    # Corrections through a manage link: the token is the secret, the limit keeps a
    # stolen one from being used to rewrite a registration in a loop.
    "events:manage_details": Limit("manage", _POST),
    # Registering again from a manage link registers like the session page's form.
    "events:manage_register_again": Limit("register", _POST),
    "accounts:signup": Limit("signup", _POST),
    "accounts:password_reset": Limit("password_reset", _POST),
    "accounts:login": Limit("login", _POST),
    "admin:login": Limit("login", _POST),
}
# (URL namespace) -> the limit every view in it counts against, a route added later too.
NAMESPACE_RULES: dict[str, Limit] = {
    # The public API (events/urls/api.py): one counter for all of it.
    "api": Limit("api", _READ),
}


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting only the proxies we run (TRUSTED_PROXY_COUNT).

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the client is
    the Nth entry from the right. Whatever stands further left came from the client
    and could be forged to dodge a limit or lock someone else out.
    """
    # Without an address (a Unix-socket proxy that sets none), all such clients share
    # one counter rather than escaping the limits.
    remote = request.META.get("REMOTE_ADDR") or "127.0.0.1"
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def limit_for(view_name: str | None, method: str) -> Limit | None:
    """The limit a request counts against, or None when it is not limited."""
    namespace, _colon, _name = (view_name or "").rpartition(":")
    limit = RULES.get(view_name or "") or NAMESPACE_RULES.get(namespace)
    if limit is None or method not in limit.methods:
        return None
    if not settings.RATELIMIT_RATES.get(limit.name):
        return None
    return limit


def check_limit(*, request: HttpRequest, limit: Limit) -> int | None:
    """Count this request; return the seconds to wait when it is over the limit, else None."""
    usage = get_usage(
        request,
        group=f"tt.{limit.name}",
        key="ip",
        rate=settings.RATELIMIT_RATES[limit.name],
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return None
    return max(1, int(usage["time_left"]))
