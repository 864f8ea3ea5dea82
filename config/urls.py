from anymail import urls as anymail_urls
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path

from digests.sitemaps import SITEMAPS
from digests.views import robots_txt
from digests.web.health import healthz

# A database outage answers 503 with Retry-After; anything else the 500 page.
handler500 = "digests.web.errors.server_error"

admin.site.site_header = "digests: editor's desk"
admin.site.site_title = "digests admin"
admin.site.index_title = "Issues, papers and sections"

# Bounce and complaint reports: anymail's tracking webhooks for the services
# that need no more than the shared secret (Mailgun: and its signing key);
# its inbound-mail webhooks stay out. Received in digests/newsletter/webhooks.py.
MAIL_SERVICES = (
    "amazon_ses", "brevo", "mailgun", "mailjet", "mailtrap", "postmark", "resend", "sendgrid",
    "sparkpost",
)  # fmt: skip
mail_webhooks = [
    pattern
    for pattern in anymail_urls.urlpatterns
    if pattern.name in {f"{service}_tracking_webhook" for service in MAIL_SERVICES}
]

# Where a new editor chooses a password (the link printed by `manage.py add_editor`).
# Before the admin's own URLs, which would take any admin/... address.
password_pages = {"extra_context": {"site_header": admin.site.site_header}}

urlpatterns = [
    path(
        "admin/password/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(**password_pages),
        name="password_reset_confirm",
    ),
    path(
        "admin/password/done/",
        auth_views.PasswordResetCompleteView.as_view(**password_pages),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("robots.txt", robots_txt, name="robots"),
    path("healthz", healthz, name="healthz"),
    path("anymail/", include((mail_webhooks, "anymail"))),
    path("", include("digests.urls")),
]
