from django import template

from notifications import policy
from notifications.models import Subscription

register = template.Library()


@register.inclusion_tag("notifications/_subscribe_box.html", takes_context=True)
def subscription_box(context, article) -> dict:
    """Subscribe/unsubscribe buttons for an article, its product and its tags (one query)."""
    request = context["request"]
    if not policy.can_subscribe(request.user, article):
        return {"box": None, "request": request}
    tags = list(article.tags.all())
    mine = list(Subscription.objects.filter(user=request.user).for_article(article))
    by_target = {(s.kind, s.article_id or s.product_id or s.tag_id): s for s in mine}
    items = [
        {"target": "article", "label": "this article", "sub": by_target.get(("article", article.pk))},
        {"target": "product", "label": f"product {article.product.name}", "sub": by_target.get(("product", article.product_id))},
    ]
    items += [{"target": "tag", "tag": t.name, "label": f"tag {t.name}", "sub": by_target.get(("tag", t.pk))} for t in tags]
    return {"box": {"article": article, "items": items}, "request": request}
