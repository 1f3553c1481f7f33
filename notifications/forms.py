from django import forms
from django.utils.translation import gettext_lazy as _

from .models import EmailChoice


class PreferenceForm(forms.Form):
    email = forms.ChoiceField(choices=EmailChoice.choices, widget=forms.RadioSelect, label=_("Email me about notifications"))


class SubscribeForm(forms.Form):
    """What to follow from an article page: the article itself, its product or one of its tags."""

    target = forms.ChoiceField(choices=[("article", "article"), ("product", "product"), ("tag", "tag")])
    tag = forms.CharField(required=False, max_length=50)
