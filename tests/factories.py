from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from digests.models import Comment, Issue, Paper, Section


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")
    position = factory.Sequence(lambda n: n)


class IssueFactory(factory.django.DjangoModelFactory):
    """A published issue by default; use ``draft()``/``scheduled()`` for the others."""

    class Meta:
        model = Issue

    title = factory.Sequence(lambda n: f"Research Highlights No. {n}")
    slug = factory.Sequence(lambda n: f"highlights-{n}")
    status = Issue.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    period_start = date(2023, 6, 1)
    period_end = date(2023, 7, 15)
    intro = "An introduction with *emphasis*."

    @classmethod
    def draft(cls, **kwargs):
        return cls(status=Issue.Status.DRAFT, published_at=None, **kwargs)

    @classmethod
    def scheduled(cls, **kwargs):
        return cls(published_at=timezone.now() + timedelta(days=3), **kwargs)


class PaperFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Paper
        skip_postgeneration_save = True

    issue = factory.SubFactory(IssueFactory)
    section = factory.SubFactory(SectionFactory)
    title = factory.Sequence(lambda n: f"A Study of Things, Part {n}")
    arxiv_id = factory.Sequence(lambda n: f"2307.{n + 10000:05d}")
    arxiv_date = date(2023, 7, 3)
    authors = "Ada Lovelace, Alan Turing"
    annotation = "Why this paper *matters*."

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    issue = factory.SubFactory(IssueFactory)
    author_name = factory.Sequence(lambda n: f"Reader {n}")
    author_email = factory.Sequence(lambda n: f"reader{n}@example.org")
    body = factory.Sequence(lambda n: f"Comment number {n}: thanks for the summary.")
    status = Comment.Status.APPROVED


def editor_user(username="chief", **kwargs):
    """Staff who may moderate comments: they post as “Editor”."""
    from django.contrib.auth.models import Permission

    user = UserFactory(username=username, is_staff=True, **kwargs)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="digests", codename="change_comment")
    )
    return user
