"""The subscribe box of an article (staff article page and help centre page)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from . import policy
from .models import Subscription


def subscription_box(user, article) -> dict | None:
    """Subscribe/unsubscribe buttons for an article, its product and its tags (one query), or
    None when this user may not subscribe."""
    if not policy.can_subscribe(user, article):
        return None
    tags = list(article.tags.all())
    mine = list(Subscription.objects.filter(user=user).for_article(article))
    by_target = {(s.kind, s.article_id or s.product_id or s.tag_id): s for s in mine}
    items = [
        {"target": "article", "label": _("this article"), "sub": by_target.get(("article", article.pk))},
        {
            "target": "product",
            "label": _("product %(name)s") % {"name": article.product.name},
            "sub": by_target.get(("product", article.product_id)),
        },
    ]
    items += [
        {"target": "tag", "tag": t.name, "label": _("tag %(name)s") % {"name": t.name}, "sub": by_target.get(("tag", t.pk))}
        for t in tags
    ]
    return {"article": article, "items": items}
