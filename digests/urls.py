from django.urls import path

from . import views
from .comment_views import UnsubscribeView

app_name = "digests"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("issues/", views.IssueArchiveView.as_view(), name="issue_list"),
    path("issues/<slug:slug>/", views.IssueDetailView.as_view(), name="issue"),
    path("papers/", views.PaperBrowserView.as_view(), name="paper_list"),
    path("papers/<slug:slug>/", views.PaperDetailView.as_view(), name="paper"),
    path("sections/<slug:slug>/", views.SectionDetailView.as_view(), name="section"),
    path("tags/", views.TagIndexView.as_view(), name="tag_list"),
    path("tags/<str:slug>/", views.TagDetailView.as_view(), name="tag"),
    path("comments/unsubscribe/<str:token>/", UnsubscribeView.as_view(), name="unsubscribe"),
]
