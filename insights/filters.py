"""The filters every measure takes: a period, and optionally a person, a team, a product and an
audience. Built once from the query string (pages, CSV and API alike), validated by a form so a
bad value is a message, never an error page."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.contrib.auth.models import Group
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from accounts.choices import Kind
from articles.choices import Audience
from articles.models import Product

from .models import ReaderKind

PERIODS = [
    ("7", gettext_lazy("Last 7 days")),
    ("30", gettext_lazy("Last 30 days")),
    ("90", gettext_lazy("Last 90 days")),
    ("365", gettext_lazy("Last 12 months")),
    ("custom", gettext_lazy("Dates below")),
]
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
BUCKETS = [("week", gettext_lazy("Week")), ("month", gettext_lazy("Month"))]

# The readers an article audience speaks to, for the measures about readers (views, searches):
# "customer" means customers' own reading, "public" anonymous visitors'.
READERS_FOR_AUDIENCE = {
    Audience.INTERNAL: ReaderKind.STAFF,
    Audience.PARTNER: ReaderKind.PARTNER,
    Audience.CUSTOMER: ReaderKind.CUSTOMER,
    Audience.PUBLIC: ReaderKind.ANONYMOUS,
}


def staff_people():
    from accounts.models import User

    return User.objects.filter(kind=Kind.STAFF).order_by("username")


@dataclass(frozen=True)
class Filters:
    start: datetime.date
    end: datetime.date  # inclusive
    person: object | None = None  # accounts.User
    team: Group | None = None
    product: Product | None = None
    audience: str = ""
    bucket: str = "week"

    @property
    def since(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.start, datetime.time.min))

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period (the end day is included)."""
        return timezone.make_aware(datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def within(self, field: str) -> Q:
        """`field` (a datetime) falls in the period."""
        return Q(**{f"{field}__gte": self.since, f"{field}__lt": self.until})

    def people(self, field: str) -> Q:
        """The person or the team's members, for a field naming a user ("" when neither is chosen)."""
        q = Q()
        if self.person is not None:
            q &= Q(**{field: self.person})
        if self.team is not None:
            q &= Q(**{f"{field}__groups": self.team})
        return q

    def articles(self, prefix: str = "") -> Q:
        """The product and audience chosen, for article rows (or rows reaching an article via `prefix`)."""
        q = Q()
        if self.product is not None:
            q &= Q(**{f"{prefix}product": self.product})
        if self.audience:
            q &= Q(**{f"{prefix}audience": self.audience})
        return q

    @property
    def reader(self) -> str:
        """The reader kind the audience filter stands for ("" for every reader)."""
        return READERS_FOR_AUDIENCE.get(self.audience, "")

    def staff(self):
        """The active staff the filters speak of: the person, the team's members, or everyone."""
        people = staff_people().filter(is_active=True)
        if self.person is not None:
            people = people.filter(pk=self.person.pk)
        if self.team is not None:
            people = people.filter(groups=self.team)
        return people

    def as_query(self) -> dict[str, str]:
        """The filters as query-string values (for links to CSV, the API and other views)."""
        out = {"start": self.start.isoformat(), "end": self.end.isoformat(), "period": "custom", "bucket": self.bucket}
        if self.person is not None:
            out["person"] = self.person.username
        if self.team is not None:
            out["team"] = str(self.team.pk)
        if self.product is not None:
            out["product"] = self.product.slug
        if self.audience:
            out["audience"] = self.audience
        return out

    def describe(self) -> str:
        parts = [f"{date_format(self.start, 'j M Y')} – {date_format(self.end, 'j M Y')}"]
        if self.person is not None:
            parts.append(self.person.username)
        if self.team is not None:
            parts.append(gettext("team %(name)s") % {"name": self.team.name})
        if self.product is not None:
            parts.append(self.product.name)
        if self.audience:
            parts.append(gettext("%(audience)s audience") % {"audience": Audience(self.audience).label})
        return ", ".join(parts)

    def buckets(self) -> list[datetime.date]:
        """The first day of each week (Monday) or month touching the period, oldest first."""
        first = bucket_of(self.start, self.bucket)
        out = []
        while first <= self.end:
            out.append(first)
            first = next_bucket(first, self.bucket)
        return out


def bucket_of(day: datetime.date, bucket: str) -> datetime.date:
    if bucket == "month":
        return day.replace(day=1)
    return day - datetime.timedelta(days=day.weekday())


def next_bucket(day: datetime.date, bucket: str) -> datetime.date:
    if bucket == "month":
        return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return day + datetime.timedelta(days=7)


class FilterForm(forms.Form):
    period = forms.ChoiceField(label=gettext_lazy("Period"), choices=PERIODS, required=False, initial=str(DEFAULT_DAYS))
    start = forms.DateField(required=False, label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label=gettext_lazy("To"), widget=forms.DateInput(attrs={"type": "date"}))
    person = forms.ModelChoiceField(
        label=gettext_lazy("Person"),
        queryset=staff_people(),
        required=False,
        to_field_name="username",
        empty_label=gettext_lazy("Everyone"),
    )
    team = forms.ModelChoiceField(
        label=gettext_lazy("Team"),
        queryset=Group.objects.order_by("name"),
        required=False,
        empty_label=gettext_lazy("Every team"),
    )
    product = forms.ModelChoiceField(
        label=gettext_lazy("Product"),
        queryset=Product.objects.order_by("name"),
        required=False,
        to_field_name="slug",
        empty_label=gettext_lazy("Every product"),
    )
    audience = forms.ChoiceField(
        label=gettext_lazy("Audience"), choices=[("", gettext_lazy("Every audience")), *Audience.choices], required=False
    )
    bucket = forms.ChoiceField(choices=BUCKETS, required=False, label=gettext_lazy("Over time by"), initial="week")

    def __init__(self, data=None, *, today: datetime.date | None = None, **kwargs):
        super().__init__(data, **kwargs)
        self.today = today or timezone.localdate()
        self.fields["person"].label_from_instance = lambda user: user.get_full_name() or user.username

    def clean(self):
        data = super().clean()
        period = data.get("period") or ""
        start, end = data.get("start"), data.get("end")
        if period == "custom" or (not period and (start or end)):
            end = end or self.today
            start = start or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
        else:
            days = int(period) if period.isdigit() else DEFAULT_DAYS
            end = self.today
            start = end - datetime.timedelta(days=days - 1)
        if start > end:
            raise forms.ValidationError(gettext("The period starts after it ends: choose a start date before the end date."))
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(gettext("Choose a period of at most %(days)s days.") % {"days": MAX_DAYS})
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        """The filters chosen (call after is_valid())."""
        data = self.cleaned_data
        return Filters(
            start=data["start"],
            end=data["end"],
            person=data.get("person"),
            team=data.get("team"),
            product=data.get("product"),
            audience=data.get("audience") or "",
            bucket=data.get("bucket") or "week",
        )


def filters_from(params, *, today: datetime.date | None = None) -> tuple[Filters | None, FilterForm]:
    """(filters, form) from a query string; filters is None when a value is invalid (the form says why)."""
    # A value left out is the default, and the form shows it chosen (a link such as ?person=… must
    # not show "Last 7 days", the first option, while it counts the default 90).
    params = {name: params.get(name, "") for name in FilterForm.base_fields}
    if not params["period"] and not (params["start"] or params["end"]):
        params["period"] = str(DEFAULT_DAYS)
    params["bucket"] = params["bucket"] or "week"
    form = FilterForm(params, today=today)
    if form.is_valid():
        return form.filters(), form
    return None, form


def default_filters(*, days: int = DEFAULT_DAYS, today: datetime.date | None = None, **chosen) -> Filters:
    end = today or timezone.localdate()
    return Filters(start=end - datetime.timedelta(days=days - 1), end=end, **chosen)
