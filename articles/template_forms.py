"""Forms of the template pages: a template's name and its sections as an ordered formset.

The sections editor works without JavaScript: each section has a position box (the formset's
ORDER), a "remove when saving" box, and "Add a section" submits the form to show one more empty
section, keeping everything typed.
"""

from __future__ import annotations

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from . import structure
from .models import ArticleTemplate, Product

SECTION_INPUTS = ("key", "label", "help", "required", "format", "visibility", "role", "ORDER", "DELETE")


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ArticleTemplate
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"name": _("Name"), "description": _("Description")}
        help_texts = {"name": _("What authors choose when they capture an article."), "description": _("When to use it.")}


class SectionForm(forms.Form):
    label = forms.CharField(
        max_length=structure.MAX_LABEL, required=False, label=_("Label"), help_text=_("What authors and readers see.")
    )
    key = forms.CharField(
        max_length=40,
        required=False,
        label=_("Key"),
        help_text=_("Lowercase letters, digits, “_”; never shown to readers."),
    )
    help = forms.CharField(
        label=_("Help text"), max_length=structure.MAX_HELP, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    required = forms.BooleanField(required=False, label=_("Required before leaving work in progress"))
    format = forms.ChoiceField(choices=list(structure.FORMATS.items()), initial="markdown", label=_("Format"))
    visibility = forms.ChoiceField(choices=list(structure.VISIBILITY.items()), initial="everyone", label=_("Shown to"))
    role = forms.ChoiceField(choices=list(structure.ROLES.items()), initial="other", label=_("Search weighs it as"))

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not (data.get("key") or data.get("label") or data.get("help"))


class BaseSectionFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        """The sections in the order given (positions), without removed or blank ones."""
        return [
            {name: form.cleaned_data.get(name) for name in SECTION_INPUTS[:7]}
            for form in self.ordered_forms
            if not form.is_blank()
        ]

    def with_one_more(self) -> BaseSectionFormSet:
        """The sections as typed, plus an empty one, unchecked and unsaved."""
        rows = [{name: form[name].data for name in SECTION_INPUTS if name != "DELETE"} for form in self.forms]
        rows = [dict(row, required=bool(row.get("required"))) for row in rows]
        formset = SectionFormSet(prefix=self.prefix, initial=rows)
        formset.extra = 1 if len(rows) < structure.MAX_SECTIONS else 0
        return formset


SectionFormSet = formset_factory(
    SectionForm,
    formset=BaseSectionFormSet,
    extra=0,
    can_order=True,
    can_delete=True,
    max_num=structure.MAX_SECTIONS,
    absolute_max=structure.MAX_SECTIONS + 5,
    validate_max=True,
)


def section_formset(data=None, *, sections: list[dict]) -> BaseSectionFormSet:
    initial = [dict(section, ORDER=n) for n, section in enumerate(sections, 1)]
    return SectionFormSet(data, prefix="sections", initial=initial)


class ProductDefaultForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.all(), label=_("Product"))
