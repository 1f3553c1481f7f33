"""The case page's forms: link an article, remove a link with a reason, review process adherence."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from articles import relations
from articles.models import Article

from .adherence import NOTE_MAX
from .choices import LinkAccuracy, LinkKind, SearchedFirst
from .models import AdherenceReview
from .services import UNLINK_REASON_MAX

ARTICLE_REF_MAX = 500


def find_article(user, text: str) -> Article | None:
    """The article `text` names, among those `user` may open: its address (staff or help
    centre), its slug, its exact title, or the one title containing it. None when none or several."""
    text = " ".join(text.split())
    if not text:
        return None
    visible = Article.objects.visible_to(user)
    found = visible.filter(slug=relations.slug_from(text)).first()
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
        label=gettext_lazy("Article (address, slug or title)"),
        max_length=ARTICLE_REF_MAX,
        widget=forms.TextInput(attrs={"dir": "auto", "autocomplete": "off"}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of link"), choices=LinkKind.choices, initial=LinkKind.SOLVED)

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("auto_id", "link_%s")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_article(self) -> Article:
        text = self.cleaned_data["article"]
        found = find_article(self.user, text)
        if found is None:
            raise forms.ValidationError(
                _("No single article matches “%(text)s”. Paste the article's address or slug, or type more of its title.")
                % {"text": text}
            )
        return found


class UnlinkForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why remove it?"),
        max_length=UNLINK_REASON_MAX,
        widget=forms.TextInput(attrs={"dir": "auto"}),
        error_messages={"required": gettext_lazy("Say why the link is removed: the case's history keeps it.")},
    )

    def __init__(self, *args, link_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"unlink_{link_id}_%s")
        super().__init__(*args, **kwargs)
        self.link_id = link_id


YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def _yes(value: str) -> bool:
    return value == "yes"


class AdherenceForm(forms.Form):
    """The four PAR questions (radio groups, each a fieldset with its question as legend) and a note.

    `revision` and `links_seen` say what the coach looked at, so a review saved meanwhile (another
    tab) or links changed since are noticed instead of overwritten (cases.adherence.review_case).
    """

    searched_first = forms.ChoiceField(
        label=gettext_lazy("Did the agent search the knowledge base before linking or writing an article?"),
        choices=SearchedFirst.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("“Can't tell” when the case shows no search either way; it is left out of the search-first rate."),
    )
    linked = forms.TypedChoiceField(
        label=gettext_lazy("Did the agent link an article to the case?"), choices=YES_NO, coerce=_yes, widget=forms.RadioSelect
    )
    link_accurate = forms.ChoiceField(
        label=gettext_lazy("Is the linked article the right one for this case?"),
        choices=LinkAccuracy.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("It matches the customer's issue and environment, and its resolution is what solved the case."),
    )
    capture_loss = forms.TypedChoiceField(
        label=gettext_lazy("Should an article have been created or improved from this case, and was not?"),
        choices=YES_NO,
        coerce=_yes,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Capture loss: knowledge used on the case that the knowledge base still lacks."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note for the agent"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "aria-describedby": "id_note_help"}),
        help_text=gettext_lazy("Optional: what went well, what to do next time. The agent reads it."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    links_seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=5000)

    def clean(self):
        data = super().clean()
        linked, accurate = data.get("linked"), data.get("link_accurate")
        if linked is False and accurate and accurate != LinkAccuracy.NOT_APPLICABLE:
            self.add_error("link_accurate", _("No article was linked, so choose “not applicable”."))
        elif linked is True and accurate == LinkAccuracy.NOT_APPLICABLE:
            self.add_error("link_accurate", _("An article was linked: say whether it is the right one."))
        return data

    def answers(self) -> dict:
        return {name: self.cleaned_data[name] for name in AdherenceReview.ANSWERS}
