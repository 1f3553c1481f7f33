from __future__ import annotations

from django import forms
from django.contrib.auth.models import Group

from accounts.models import User
from articles.forms import DatePicker
from articles.models import Article, AuthorityRule, Product

from .models import LearningPath, PathSection, Question


class PathForm(forms.ModelForm):
    class Meta:
        model = LearningPath
        fields = ["title", "description", "product", "team", "pass_mark"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.all()
        self.fields["product"].required = False
        self.fields["team"].queryset = Group.objects.order_by("name")
        self.fields["team"].required = False


class SectionForm(forms.Form):
    title = forms.CharField(max_length=200)


class ItemForm(forms.Form):
    section = forms.ModelChoiceField(queryset=PathSection.objects.none())
    article = forms.CharField(max_length=200, help_text="The article's slug, as in its address.")
    note = forms.CharField(label="Why it matters", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    required = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, path: LearningPath, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["section"].queryset = PathSection.objects.filter(path=path)

    def clean_article(self) -> Article:
        slug = self.cleaned_data["article"].strip().rstrip("/").rsplit("/", 1)[-1]
        article = Article.objects.visible_to(self.user).filter(slug=slug).first()
        if article is None:
            raise forms.ValidationError(f"No article '{slug}'.")
        return article


class AssignForm(forms.Form):
    username = forms.CharField(max_length=150, label="Person (username)", required=False)
    group = forms.ModelChoiceField(
        queryset=Group.objects.order_by("name"), required=False, label="or a group", help_text="Everyone in the team."
    )
    due_date = forms.DateField(required=False, widget=DatePicker())

    def clean_username(self) -> User | None:
        name = self.cleaned_data["username"].strip()
        if not name:
            return None
        person = User.objects.filter(username=name).first()
        if person is None:
            raise forms.ValidationError(f"Nobody is called '{name}'.")
        return person

    def clean(self):
        data = super().clean()
        if not data.get("username") and not data.get("group") and not self.errors:
            raise forms.ValidationError("Name a person or choose a group.")
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
        help_text="One choice per line. Start each right answer with * (one or more).",
    )

    class Meta:
        model = Question
        fields = ["text", "explanation", "rule", "position"]

    def __init__(self, *args, article: Article, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].queryset = AuthorityRule.objects.filter(article=article)
        self.fields["rule"].required = False
        self.fields["rule"].label = "Rule in the article it rests on"
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
            raise forms.ValidationError("Give at least two choices, one per line.")
        if not any(correct for _, correct in rows):
            raise forms.ValidationError("Mark at least one right answer with * at the start of its line.")
        return rows
