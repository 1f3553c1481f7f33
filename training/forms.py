from __future__ import annotations

from django import forms
from django.contrib.auth.models import Group
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from articles.forms import DatePicker
from articles.models import Article, AuthorityRule, Product

from .models import LearningPath, PathSection, Question


class PathForm(forms.ModelForm):
    class Meta:
        model = LearningPath
        fields = ["title", "description", "product", "team", "pass_mark"]
        labels = {
            "title": gettext_lazy("Title"),
            "description": gettext_lazy("Description"),
            "product": gettext_lazy("Product"),
            "team": gettext_lazy("Team"),
            "pass_mark": gettext_lazy("Pass mark"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.all()
        self.fields["product"].required = False
        self.fields["team"].queryset = Group.objects.order_by("name")
        self.fields["team"].required = False


class SectionForm(forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))


class ItemForm(forms.Form):
    section = forms.ModelChoiceField(queryset=PathSection.objects.none(), label=gettext_lazy("Section"))
    article = forms.CharField(
        max_length=200, label=gettext_lazy("Article"), help_text=gettext_lazy("The article's slug, as in its address.")
    )
    note = forms.CharField(label=gettext_lazy("Why it matters"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    required = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Required"))

    def __init__(self, *args, path: LearningPath, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["section"].queryset = PathSection.objects.filter(path=path)

    def clean_article(self) -> Article:
        slug = self.cleaned_data["article"].strip().rstrip("/").rsplit("/", 1)[-1]
        article = Article.objects.visible_to(self.user).filter(slug=slug).first()
        if article is None:
            raise forms.ValidationError(_("No article '%(slug)s'.") % {"slug": slug})
        return article


class AssignForm(forms.Form):
    username = forms.CharField(max_length=150, label=gettext_lazy("Person (username)"), required=False)
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"),
        required=False,
        label=gettext_lazy("or a group"),
        help_text=gettext_lazy("Everyone in the team."),
    )
    due_date = forms.DateField(required=False, widget=DatePicker(), label=gettext_lazy("Due date"))

    def clean_username(self) -> User | None:
        name = self.cleaned_data["username"].strip()
        if not name:
            return None
        person = User.objects.filter(username=name).first()
        if person is None:
            raise forms.ValidationError(_("Nobody is called '%(name)s'.") % {"name": name})
        return person

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("group") and not self.errors:
            raise forms.ValidationError(_("Name a person or choose a group."))
        return data

    def people(self) -> list[User]:
        from .services import group_members

        people = [self.cleaned_data["username"]] if self.cleaned_data.get("username") else []
        if self.cleaned_data.get("group"):
            people += [p for p in group_members(self.cleaned_data["group"]) if p not in people]
        return people


class QuestionForm(forms.ModelForm):
    """A question with its choices written one per line; a line starting with “*” is a right answer."""

    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        label=gettext_lazy("Choices"),
        help_text=gettext_lazy("One choice per line. Start each right answer with * (one or more)."),
    )

    class Meta:
        model = Question
        fields = ["text", "explanation", "rule", "position"]
        labels = {
            "explanation": gettext_lazy("Explanation"),
            "position": gettext_lazy("Position"),
        }

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = AuthorityRule.objects.filter(article=article)
        self.fields["rule"].required = False
        self.fields["rule"].label = _("Rule in the article it rests on")
        if self.instance.pk and not self.is_bound:
            self.initial["choices"] = "\n".join(("*" if c.correct else "") + c.text for c in self.instance.choices.all())

    def clean_choices(self) -> list[tuple[str, bool]]:
        rows = []
        for line in self.cleaned_data["choices"].splitlines():
            line = line.strip()
            correct = line.startswith("*")
            text = line.lstrip("*").strip()
            if text:
                rows.append((text[:500], correct))
        if len(rows) < 2:
            raise forms.ValidationError(_("Give at least two choices, one per line."))
        if not any(correct for _text, correct in rows):
            raise forms.ValidationError(_("Mark at least one right answer with * at the start of its line."))
        return rows
