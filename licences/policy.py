"""Who may see licence progress, the coach dashboard, and promote. Builds on `articles.policy`;
every function returns a `Decision` (truthy when allowed, with the reason shown when refused).

Licences are staff matters: customers and partners never learn these pages exist (404).
Coaches promote; KB owners, who set the criteria, may too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accounts.choices import LICENCE_RANK, Kind, Licence
from articles.policy import ALLOW, Decision, is_coach_or_kb_owner, is_kb_owner, is_staff, refuse

if TYPE_CHECKING:
    from accounts.models import User
    from articles.policy import Person

NEXT_LEVEL = {Licence.CANDIDATE.value: Licence.CONTRIBUTOR.value, Licence.CONTRIBUTOR.value: Licence.PUBLISHER.value}


def can_view_coach_dashboard(user: Person) -> Decision:
    if is_coach_or_kb_owner(user):
        return ALLOW
    return refuse(_("The coach dashboard is for coaches and KB owners."))


def can_configure_criteria(user: Person) -> Decision:
    # KB owners set what each level takes.
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only KB owners set the licence criteria."))


def can_view_progress(user: Person, person: User) -> Decision:
    """A person's licence progress: their own, or anyone's for coaches and KB owners."""
    if not is_staff(user):
        return refuse(_("Licences are for staff."))
    if user.pk == person.pk or is_coach_or_kb_owner(user):
        return ALLOW
    return refuse(_("Only the person, coaches and KB owners can see licence progress."))


def can_promote(user: Person, person: User, to: str) -> Decision:
    if not is_coach_or_kb_owner(user):
        return refuse(_("Only coaches and KB owners promote licences."))
    if user.pk == person.pk:
        return refuse(_("Nobody promotes themselves: ask another coach."))
    if not (is_staff(person) and person.kind == Kind.STAFF):
        return refuse(_("%(name)s is not a member of staff.") % {"name": person.username})
    current = person.licence or ""
    if to not in LICENCE_RANK or not to:
        return refuse(_("Unknown licence level."))
    if LICENCE_RANK[to] <= LICENCE_RANK.get(current, 0):
        # Taking a licence away is a different conversation; it is done in the admin, not here.
        if current:
            return refuse(
                _("%(name)s is already %(licence)s: this form only promotes.")
                % {"name": person.username, "licence": Licence(current).label}
            )
        return refuse(_("%(name)s is already without a licence: this form only promotes.") % {"name": person.username})
    expected = NEXT_LEVEL.get(current)
    if expected is None:
        return refuse(_("%(name)s has no KCS licence yet: give them a candidate licence first.") % {"name": person.username})
    if to != expected:
        return refuse(
            _("Promotions go one level at a time: %(current)s → %(next)s.")
            % {"current": Licence(current).label, "next": Licence(expected).label}
        )
    return ALLOW


def next_level(person: User) -> str | None:
    return NEXT_LEVEL.get(person.licence or "")
