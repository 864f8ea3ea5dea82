"""Hundreds of generated comment submissions: never a server error."""

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from digests.models import Comment

from .comment_helpers import form_data
from .factories import CommentFactory, IssueFactory

pytestmark = pytest.mark.django_db

# Any Unicode a browser could send (surrogates cannot be encoded as UTF-8).
any_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
odd_text = st.one_of(
    any_text,
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "{{ 7*7 }}{% debug %}",
            "\u202e\u0301🎉",
            "x" * 6000,
            "99999999999999999999999",
            "-1",
            "https://a.example https://b.example https://c.example",
        ]
    ),
)
field_values = st.one_of(odd_text, st.lists(odd_text, max_size=3))


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    overrides=st.dictionaries(
        st.sampled_from(
            [
                "author_name",
                "author_email",
                "body",
                "website",
                "shown_at",
                "reply_to",
                "notify_replies",
                "unexpected",
            ]
        ),
        field_values,
        max_size=6,
    ),
    drop=st.sets(st.sampled_from(["author_name", "author_email", "body", "shown_at"])),
    ip=st.ip_addresses().map(str),
)
def test_no_submission_causes_a_server_error(client, fuzz_issue, overrides, drop, ip):
    cache.clear()
    data = form_data(**overrides)
    for key in drop:
        data.pop(key, None)
    before = set(Comment.objects.values_list("pk", "body", "status"))
    response = client.post(fuzz_issue.get_absolute_url(), data, REMOTE_ADDR=ip)
    assert response.status_code in (302, 400, 403, 429), response.status_code
    after = set(Comment.objects.values_list("pk", "body", "status"))
    assert before <= after  # nothing stored is lost or changed
    if response.status_code != 302:
        assert after == before


@pytest.fixture
def fuzz_issue(db):
    issue = IssueFactory()
    CommentFactory(issue=issue, body="An existing comment")
    return issue
