from __future__ import annotations

from django import forms
from django.forms import formset_factory

from accounts.models import User

from . import policy
from .models import Article, Audience, Decider, EscalationContact, Product, State, clean_tags


class ArticleForm(forms.Form):
    """Create and edit an article. Which fields are open depends on the policy for this user."""

    title = forms.CharField(max_length=200, help_text="In the customer's words.")
    product = forms.ModelChoiceField(queryset=Product.objects.all())
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. refund, booking")
    issue = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="What the customer is trying to do or what goes wrong, in their words.",
    )
    environment = forms.CharField(
        strip=False, widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Products, versions, settings involved."
    )
    resolution = forms.CharField(
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text="Markdown. Leave empty while the article is work in progress.",
    )
    cause = forms.CharField(strip=False, widget=forms.Textarea(attrs={"rows": 3}), required=False)
    audience = forms.ChoiceField(choices=Audience.choices, initial=Audience.INTERNAL)
    owner = forms.ModelChoiceField(queryset=User.objects.filter(kind="staff", is_active=True), required=False)
    review_by = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    escalation = forms.ModelChoiceField(queryset=EscalationContact.objects.all(), required=False, label="Escalation contact")
    authority_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        label="Outside this authority",
        help_text="What the agent does when the case is outside the rules above.",
    )
    note = forms.CharField(
        max_length=500, required=False, label="Change note", help_text="What changed and why (shown in the history)."
    )
    material = forms.TypedChoiceField(
        choices=[("1", "Material: facts changed"), ("0", "Minor: wording or typo")],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
        label="Kind of change",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, article: Article | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.article = user, article
        probe = article or Article(audience=Audience.INTERNAL, state=State.WIP, owner=user, created_by=user)
        self.may_edit_authority = bool(policy.can_edit_authority(user, probe))
        if not self.may_edit_authority:
            for name in ("escalation", "authority_note"):
                self.fields[name].disabled = True
        allowed_audiences = [(v, label) for v, label in Audience.choices if policy.can_change_audience(user, probe, v)]
        self.fields["audience"].choices = allowed_audiences or [(probe.audience, probe.get_audience_display())]
        if article is None or not policy.can_change_owner(user, article):
            self.fields["owner"].disabled = True
        if article is None:
            self.fields["version"].widget = forms.HiddenInput()
            self.fields["note"].required = False
            self.fields["state"] = forms.ChoiceField(
                choices=[
                    (State.WIP, "Work in progress (no resolution yet)"),
                    (State.NOT_VALIDATED, "Not validated (resolution written)"),
                ],
                initial=State.WIP,
                label="Confidence",
            )
        else:
            self.fields["version"].required = True

    def clean_tags(self) -> list[str]:
        return clean_tags(self.cleaned_data["tags"].split(","))

    def clean(self):
        data = super().clean()
        if data.get("state") == State.NOT_VALIDATED and not (data.get("resolution") or "").strip():
            self.add_error("resolution", "Write the resolution, or save the article as work in progress.")
        return data

    def changes(self) -> dict:
        data = self.cleaned_data
        names = ["title", "product", "issue", "environment", "resolution", "cause", "audience", "review_by"]
        if self.may_edit_authority:
            names += ["escalation", "authority_note"]
        if not self.fields["owner"].disabled and data.get("owner"):
            names.append("owner")
        return {name: data[name] for name in names}

    @staticmethod
    def initial_for(article: Article) -> dict:
        return {
            "title": article.title,
            "product": article.product_id,
            "tags": ", ".join(article.tag_names()),
            "issue": article.issue,
            "environment": article.environment,
            "resolution": article.resolution,
            "cause": article.cause,
            "audience": article.audience,
            "owner": article.owner_id,
            "review_by": article.review_by,
            "escalation": article.escalation_id,
            "authority_note": article.authority_note,
            "version": article.version,
            "material": "1",
        }


class RuleForm(forms.Form):
    action = forms.CharField(max_length=200, required=False, help_text="Reads after “You may …”, e.g. refund the booking")
    limit_amount = forms.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=0)
    limit_unit = forms.CharField(max_length=40, required=False)
    decider = forms.ChoiceField(choices=Decider.choices, initial=Decider.AGENT)
    notes = forms.CharField(max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("limit_amount") is not None and not data.get("action"):
            self.add_error("action", "Say what may be done up to this limit.")
        return data


RuleFormSet = formset_factory(RuleForm, extra=2, can_delete=True)


def rules_from(formset) -> list[dict]:
    out = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not data.get("action"):
            continue
        out.append({k: data.get(k) for k in ("action", "limit_amount", "limit_unit", "decider", "notes")})
    return out


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=State.choices)
    note = forms.CharField(max_length=500, required=False)
