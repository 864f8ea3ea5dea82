from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "digests: editor's desk"
admin.site.site_title = "digests admin"
admin.site.index_title = "Issues, papers and sections"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("digests.urls")),
]
