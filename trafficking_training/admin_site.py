"""The admin site whose first page is the organizer home.

After login an organizer lands on the admin index. Its top is the home: their next
sessions with the figures behind each (events/selectors/organizer_home.py) and what
needs attention; every figure links to the admin list it counts. Django's app list
stays below it, for editing.

It lives outside events/admin/ on purpose: Django imports the default site while the
first ModelAdmin registers, and a site module inside that package would be imported
in the middle of the package's own import (a second site, half the models missing).
"""

from django.contrib import admin

from events.selectors.organizer_home import organizer_home


class OrganizerAdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        context = dict(extra_context or {})
        if request.user.has_perm("events.view_trainingsession"):
            context["organizer_home"] = organizer_home(request.user)
        return super().index(request, extra_context=context)
