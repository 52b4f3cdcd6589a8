"""Organizer scoping for the admin: lists, object pages, actions, exports, autocomplete.

Every admin page and action reaches rows through get_queryset(), and every object
page through get_object(); both go through events.selectors.scope, the same
querysets the door check-in page uses. An object outside the user's sessions is
a 404, never a redirect that would confirm it exists.
"""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from events.selectors import scope


class OrganizerScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rows are limited to the sessions the user organizes."""

    def scoped_queryset(self, request):
        raise NotImplementedError

    def session_id_of(self, obj) -> int:
        raise NotImplementedError

    def get_queryset(self, request):
        queryset = self.scoped_queryset(request)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("Not found, or not one of your sessions."))
        return obj

    def in_scope(self, request, obj) -> bool:
        """Object-level check, cached on the object for the rest of the request."""
        if scope.can_see_all(request.user):
            return True
        cached = getattr(obj, "_organizer_scope", None)
        if cached is None or cached[0] != request.user.pk:
            allowed = (
                scope.sessions_for_organizer(request.user)
                .filter(pk=self.session_id_of(obj))
                .exists()
            )
            cached = (request.user.pk, allowed)
            obj._organizer_scope = cached
        return cached[1]

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self.in_scope(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or self.in_scope(request, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or self.in_scope(request, obj))


class RegistrationRowScopedAdmin(OrganizerScopedAdmin):
    """Read-mostly rows that belong to a registration and are written only by services
    (certificates, the outbox): scoped through the registration's session."""

    def scoped_queryset(self, request):
        return scope.rows_of_registrations_for_organizer(self.model.objects.all(), request.user)

    def session_id_of(self, obj) -> int | None:
        # An outbox row to an account belongs to no session: superusers only.
        return obj.registration.session_id if obj.registration_id else None

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # A certificate is revoked, not deleted; the outbox is a delivery record.
        return False


class SessionFilter(admin.SimpleListFilter):
    """Filter by session, offering only the user's sessions, named in one query.

    (RelatedOnlyFieldListFilter would load each session's training one by one.)
    """

    title = _("session")
    parameter_name = "session__id__exact"

    def lookups(self, request, model_admin):
        sessions = (
            scope.sessions_for_organizer(request.user)
            .select_related("training")
            .order_by("-starts_at")
        )
        return [(session.pk, str(session)) for session in sessions]

    # The session id lookup each subclass filters by.
    session_lookup = "session_id"

    @staticmethod
    def session_id(value: str | int | None) -> int | None:
        """The id a link names, if it can be one: "²", "1 OR 1=1" or twenty nines name
        no session (and must not reach the database as an id, a 500). "Show counts"
        passes each choice's own id, an int."""
        value = "" if value is None else str(value)
        if value.isascii() and value.isdigit() and len(value) <= 18:
            return int(value)
        return None

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        session_id = self.session_id(self.value())
        if session_id is None:  # a hand-edited address: no rows, never a 500
            return queryset.none()
        return queryset.filter(**{self.session_lookup: session_id})


class RegistrationSessionFilter(SessionFilter):
    """SessionFilter for rows that belong to a registration (the outbox, certificates):
    the organizer home links to a session's failed emails and issued certificates."""

    # Not a field path: the changelist vets every parameter naming a relation two
    # levels deep (registration__session) against list_filter's before filters run.
    parameter_name = "session"
    session_lookup = "registration__session_id"
