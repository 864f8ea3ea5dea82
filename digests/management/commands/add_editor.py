"""Create an editor's account: active staff in the Editors group, no password yet.

The new editor chooses their own password through a one-time link (Django's
password-reset token, valid for PASSWORD_RESET_TIMEOUT), so no password is
ever typed into a terminal or sent around.
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from digests.editor.roles import EDITORS_GROUP, ensure_editors_group


def username_for(email):
    """The e-mail address itself, lower-cased, keeping only what user names allow."""
    return re.sub(r"[^\w.@+-]", "", email.lower())[:150]


def password_link(user):
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return settings.DIGESTS_SITE_URL.rstrip("/") + path


class Command(BaseCommand):
    help = (
        "Create an editor account (staff, in the Editors group) for EMAIL and print a "
        "one-time link where they choose their password."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The editor's e-mail address; also their user name.")
        parser.add_argument("--name", default="", help="Full name, e.g. “Ada Lovelace”.")

    def handle(self, *args, email, name, **options):
        email = email.strip()
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(f"“{email}” is not a valid e-mail address.") from error
        User = get_user_model()
        username = username_for(email)
        existing = (
            User.objects.filter(email__iexact=email).first()
            or User.objects.filter(username__iexact=username).first()
        )
        if existing:
            raise CommandError(
                f"An account for {email} already exists (user “{existing.get_username()}”); "
                "nothing was changed. To reset its password: python manage.py changepassword "
                f"{existing.get_username()}"
            )
        first_name, _, last_name = name.strip().partition(" ")
        with transaction.atomic():
            user = User(
                username=username,
                email=email,
                first_name=first_name[:150],
                last_name=last_name.strip()[:150],
                is_staff=True,
                is_active=True,
            )
            user.set_unusable_password()
            user.save()
            user.groups.add(ensure_editors_group())
        days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
        self.stdout.write(
            self.style.SUCCESS(f"Created the editor “{username}” (group {EDITORS_GROUP}).")
        )
        self.stdout.write(
            f"Send them this link to choose a password (works once, for {days} "
            f"day{'s' if days != 1 else ''}):\n{password_link(user)}\n"
            f"Or set one yourself: python manage.py changepassword {username}"
        )
