"""The demo has something in every flag queue, and loading it again adds nothing."""

from __future__ import annotations

import pytest

from accounts.models import User
from feedback import demo
from feedback.models import Flag, HelpfulVote, Source


@pytest.mark.usefixtures("demo")
def test_demo_flags_include_an_authority_flag_and_customer_feedback_once():
    first = list(Flag.objects.order_by("id").values_list("article__slug", "reason", "source"))
    demo.load({u.username: u for u in User.objects.all()})  # what a second `load_demo` does here
    assert list(Flag.objects.order_by("id").values_list("article__slug", "reason", "source")) == first
    # insights/demo.py adds anonymous visitors' answers and older flags, some closed, for the measures.
    assert HelpfulVote.objects.filter(user__isnull=False).count() == 1
    ours = Flag.objects.filter(comment__in=[row[3] for row in demo.DEMO_FLAGS])
    assert ours.count() == len(demo.DEMO_FLAGS) and all(f.state == "open" for f in ours)
    assert Flag.objects.filter(reason="authority_unclear").exists()
    assert Flag.objects.filter(source=Source.CUSTOMER, created_by__username="customer").exists()
    assert Flag.objects.queue_for(User.objects.get(username="owner")).count() == len(first)
