"""The login lockout backend (django-axes), tolerant of logins made without a request."""

from axes.backends import AxesStandaloneBackend


class AxesBackend(AxesStandaloneBackend):
    """django-axes' lockout check, placed before ModelBackend.

    Every login a visitor can reach (the site's form, the admin's) passes the request,
    and is checked and counted. Django's test client and shell scripts authenticate
    without one; axes would refuse them outright, so they skip the lockout check and
    go on to ModelBackend, which still verifies the password.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request, credentials: dict | None = None) -> str | None:
    """The email a login attempt names, normalized so that spelling variants count together.

    Both login forms (ours and the admin's) post it as "username"; the custom user
    model's USERNAME_FIELD is "email", which axes would otherwise look for. Cut to what
    axes' username column holds.
    """
    from axes.models import AccessAttempt

    from events.models.addresses import normalize_email_address

    value = (credentials or {}).get("username")
    if value is None and request is not None:
        value = request.POST.get("username")
    if not value:
        return None
    # Axes stores the name as given, and PostgreSQL refuses one longer than the column
    # (a 500). Both login forms refuse such addresses; this covers any other caller.
    # Names sharing their first 255 characters then count together, and no deliverable
    # address is that long.
    column = AccessAttempt._meta.get_field("username").max_length
    return normalize_email_address(value)[:column]
