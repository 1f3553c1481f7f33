"""Small helpers shared by the feedback tests."""

from __future__ import annotations

import html
import re

from articles.models import Article, Audience
from conftest import make_article
from feedback import services
from feedback.models import Flag


def text_of(response) -> str:
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def flag(article: Article, by, reason: str = "unclear", comment: str = "Step 2 is vague.", case_ref: str = "") -> Flag:
    return services.raise_flag(by=by, article=article, reason=reason, comment=comment, case_ref=case_ref)


def customer_article(*, author, product, kb_owner, title="Refund for a cancelled stay") -> Article:
    return make_article(author=author, product=product, kb_owner=kb_owner, audience=Audience.CUSTOMER, title=title)


def public_article(*, author, product, kb_owner, title="Where is my confirmation email") -> Article:
    return make_article(author=author, product=product, kb_owner=kb_owner, audience=Audience.PUBLIC, title=title)


def bump(article: Article, by, text: str = "1. Check the booking.\n2. Offer a voucher.") -> Article:
    """Save a new version (a fix) as `by`."""
    return article.edit(by=by, base_version=article.version, changes={"resolution": text}, note="Fix")
