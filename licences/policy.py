"""Who may see licence progress, the coach dashboard, and promote. Builds on `articles.policy`;
every function returns a `Decision` (truthy when allowed, with the reason shown when refused).

Licences are staff matters: customers and partners never learn these pages exist (404).
Coaches promote; KB owners, who set the criteria, may too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.choices import LICENCE_RANK, Kind, Licence
from articles.policy import ALLOW, Decision, is_coach_or_kb_owner, is_kb_owner, is_staff, refuse

if TYPE_CHECKING:
    from accounts.models import User
    from articles.policy import Person

NEXT_LEVEL = {Licence.CANDIDATE.value: Licence.CONTRIBUTOR.value, Licence.CONTRIBUTOR.value: Licence.PUBLISHER.value}


def can_view_coach_dashboard(user: Person) -> Decision:
    if is_coach_or_kb_owner(user):
        return ALLOW
    return refuse("The coach dashboard is for coaches and KB owners.")


def can_configure_criteria(user: Person) -> Decision:
    # KB owners set what each level takes.
    if is_kb_owner(user):
        return ALLOW
    return refuse("Only KB owners set the licence criteria.")


def can_view_progress(user: Person, person: User) -> Decision:
    """A person's licence progress: their own, or anyone's for coaches and KB owners."""
    if not is_staff(user):
        return refuse("Licences are for staff.")
    if user.pk == person.pk or is_coach_or_kb_owner(user):
        return ALLOW
    return refuse("Only the person, coaches and KB owners can see licence progress.")


def can_promote(user: Person, person: User, to: str) -> Decision:
    if not is_coach_or_kb_owner(user):
        return refuse("Only coaches and KB owners promote licences.")
    if user.pk == person.pk:
        return refuse("Nobody promotes themselves: ask another coach.")
    if not (is_staff(person) and person.kind == Kind.STAFF):
        return refuse(f"{person.username} is not a member of staff.")
    current = person.licence or ""
    if to not in LICENCE_RANK or not to:
        return refuse("Unknown licence level.")
    if LICENCE_RANK[to] <= LICENCE_RANK.get(current, 0):
        # Taking a licence away is a different conversation; it is done in the admin, not here.
        return refuse(f"{person.username} is already {current or 'without a licence'}: this form only promotes.")
    expected = NEXT_LEVEL.get(current)
    if expected is None:
        return refuse(f"{person.username} has no KCS licence yet: give them a candidate licence first.")
    if to != expected:
        return refuse(f"Promotions go one level at a time: {current} → {expected}.")
    return ALLOW


def next_level(person: User) -> str | None:
    return NEXT_LEVEL.get(person.licence or "")
