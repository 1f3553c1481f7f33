"""The case page's forms: link an article, remove a link with a reason."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django import forms

from articles.models import Article

from .choices import LinkKind
from .services import UNLINK_REASON_MAX

ARTICLE_REF_MAX = 500


def find_article(user, text: str) -> Article | None:
    """The article `text` names, among those `user` may open: its address (staff or help
    centre), its slug, its exact title, or the one title containing it. None when none or several."""
    text = " ".join(text.split())
    if not text:
        return None
    visible = Article.objects.visible_to(user)
    parts = [unquote(p) for p in urlsplit(text).path.split("/") if p]
    slug = parts[-1] if parts else text
    for marker in ("articles", "help"):  # /articles/<slug>/edit/ and /help/<slug>/ name the slug after these
        if marker in parts[:-1]:
            slug = parts[parts.index(marker) + 1]
    found = visible.filter(slug=slug).first()
    if found is not None:
        return found
    for lookup in ("title__iexact", "title__icontains"):
        matches = list(visible.filter(**{lookup: text})[:2])
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None  # several: the agent must say which
    return None


class LinkForm(forms.Form):
    article = forms.CharField(
        label="Article (address, slug or title)",
        max_length=ARTICLE_REF_MAX,
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label="Kind of link", choices=LinkKind.choices, initial=LinkKind.SOLVED)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_article(self) -> Article:
        text = self.cleaned_data["article"]
        found = find_article(self.user, text)
        if found is None:
            raise forms.ValidationError(
                f"No single article matches “{text}”. Paste the article's address or slug, or type more of its title."
            )
        return found


class UnlinkForm(forms.Form):
    reason = forms.CharField(
        label="Why remove it?",
        max_length=UNLINK_REASON_MAX,
        widget=forms.TextInput(attrs={"dir": "auto"}),
        error_messages={"required": "Say why the link is removed: the case's history keeps it."},
    )

    def __init__(self, *args, link_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"unlink_{link_id}_%s")
        super().__init__(*args, **kwargs)
        self.link_id = link_id
