from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cercles.core import views as core_views
from cercles.core.policy import allows
from cercles.core.selectors import programme_name

# Lazy: the programme's name is set by coordinators (cercles.core.selectors.identity) after start-up.
admin.site.site_header = format_lazy("{} — {}", lazy(programme_name, str)(), _("coordination du programme"))
admin.site.site_title = lazy(programme_name, str)()
admin.site.index_title = _("Administration du programme")
# The lists must fit a 1280 px screen with their filters: the side menu would take a quarter of it.
admin.site.enable_nav_sidebar = False
# The coordination pages follow the policy: staff outside the Coordination group are not let in.
admin.site.has_permission = lambda request: allows(request.user, "programme.administer")  # type: ignore[method-assign]
# The coordination's login is the site's login: same rate limits, login by code, one form to attack.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", include("cercles.circles.urls")),
    path("", include("cercles.meetings.urls")),
    path("", include("cercles.methods.urls")),
    path("", include("cercles.reminders.urls")),
    path("", include("cercles.rooms.urls")),
    path("profil/", include("cercles.people.urls")),
    path("", include("cercles.formation.urls")),
    path("compte/", include("allauth.urls")),
    path("", include("cercles.privacy.urls")),
    path("coordination/", admin.site.urls),
    path("i18n/setlang/", core_views.language_set, name="set_language"),
    path("sante/", core_views.health, name="health"),
    path("mentions-legales/", core_views.legal_notice, name="legal_notice"),
    path("accessibilite/", core_views.accessibility_statement, name="accessibility"),
    path("plan-du-site/", core_views.site_map, name="site_map"),
    path("programme/identite/", core_views.identity_edit, name="identity_edit"),
    path("programme/identite-<int:version>.css", core_views.identity_stylesheet, name="identity_stylesheet"),
    path("programme/logo-<int:version>.<str:extension>", core_views.identity_logo, name="identity_logo"),
]

handler400 = "cercles.core.views.bad_request"
handler403 = "cercles.core.views.permission_denied"
handler404 = "cercles.core.views.page_not_found"
handler500 = "cercles.core.views.server_error"

if settings.DEBUG:  # pragma: no cover - development only
    urlpatterns.append(path("__debug__/500/", core_views.raise_server_error))
