"""Make sure someone can sign in to the admin, and say how.

Uses DJANGO_SUPERUSER_USERNAME / _EMAIL / _PASSWORD when set. Otherwise it
creates the user “editor” with a random password that is printed once; later
runs only repeat the user name and where to sign in.
"""

import os
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from digests.editor.roles import ensure_editors_group


class Command(BaseCommand):
    help = (
        "Create an editor (superuser, in the Editors group) account if none exists, "
        "and print how to sign in."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/admin/", help="Admin address to print."
        )

    def handle(self, *args, url, **options):
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if existing:
            existing.groups.add(ensure_editors_group())
            self.stdout.write(
                f"Editor sign-in: {url} as “{existing.get_username()}” "
                f"(forgot the password? python manage.py changepassword {existing.get_username()})"
            )
            return
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "editor"
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL") or ""
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        if User.objects.filter(**{User.USERNAME_FIELD: username}).exists():
            self.stderr.write(
                f"A user “{username}” exists but is not an active superuser; "
                f"run: python manage.py createsuperuser"
            )
            return
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        user = User.objects.create_superuser(username=username, email=email, password=password)
        user.groups.add(ensure_editors_group())
        self.stdout.write(self.style.SUCCESS(f"Created the editor account “{username}”."))
        if generated:
            self.stdout.write(
                f"Sign in at {url} as “{username}” with password: {password}\n"
                "This password is shown only once; change it in the admin after signing in."
            )
        else:
            self.stdout.write(
                f"Sign in at {url} as “{username}” "
                "with the password from DJANGO_SUPERUSER_PASSWORD."
            )
