from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView
from tracking.api.throttling import throttled_admin_login
from tracking.api.errors import api_not_found
from tracking.health import health
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("admin/login/", throttled_admin_login),
    path("admin/", admin.site.urls),
    path("health/", health, name="health"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the admin's choice of language
    path("api/v1/", include("tracking.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", template_name="tracking/redoc.html"), name="redoc"),
    re_path(r"^api/", api_not_found),
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
]
