"""Twenty readers post at the same moment: every comment is stored, none lost."""

import threading

import pytest
from django.db import connection
from django.test import Client

from digests.models import Comment

from .comment_helpers import form_data
from .factories import IssueFactory

READERS = 20


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_posts_are_all_stored():
    issue = IssueFactory()
    url = issue.get_absolute_url()
    barrier = threading.Barrier(READERS)
    results, errors = [], []

    def post(n):
        try:
            client = Client()
            data = form_data(
                author_name=f"Reader {n}",
                author_email=f"reader{n}@example.org",
                body=f"Comment {n} from a different reader",
            )
            barrier.wait(timeout=30)
            response = client.post(url, data, REMOTE_ADDR=f"198.51.100.{n + 1}")
            results.append(response.status_code)
        except Exception as error:  # recorded, then asserted below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(READERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert results == [302] * READERS
    stored = set(Comment.objects.values_list("body", flat=True))
    assert stored == {f"Comment {n} from a different reader" for n in range(READERS)}
