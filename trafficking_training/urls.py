from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.forms import AdminEmailAuthenticationForm
from events.views import catalog as catalog_views
from trafficking_training import views

admin.site.site_header = _("Trafficking awareness trainings")
admin.site.site_title = _("Trainings admin")
admin.site.index_title = _("Organize trainings")
# The roster needs the width: with the app list beside it (300 px), its last columns
# (checked in, certificate, session) scroll out of sight at 1280 px.
admin.site.enable_nav_sidebar = False
# The same address field as the site's login, so that both refuse an overlong address
# with a form error before it reaches authenticate() and the lockout's records.
admin.site.login_form = AdminEmailAuthenticationForm

urlpatterns = [
    path("", catalog_views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("favicon.ico", views.favicon, name="favicon"),
    # set_language: the language switcher's POST (the choice is kept in a cookie).
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("accounts.urls")),
    path("api/v1/", include("events.urls.api")),
    path("", include("events.urls")),
    path(settings.ADMIN_PATH, admin.site.urls),
]

handler400 = "trafficking_training.views.bad_request"
handler403 = "trafficking_training.views.permission_denied"
handler404 = "trafficking_training.views.page_not_found"
handler500 = "trafficking_training.views.server_error"
