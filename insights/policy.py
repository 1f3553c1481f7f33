"""Who may see the KCS measures.

Built on `articles.policy`; each function returns a Decision with the reason a user reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext

from articles.policy import ALLOW, Decision, is_coach_or_kb_owner, is_staff, refuse

if TYPE_CHECKING:
    from articles.policy import Person


def can_see_insights(user: Person) -> Decision:
    # Coaches and KB owners run the Evolve Loop: they read everyone's figures to coach and to
    # steer the knowledge base. Agents see their own figures on their dashboard, not each other's.
    if is_coach_or_kb_owner(user):
        return ALLOW
    return refuse(gettext("Only coaches and KB owners see the KCS measures. Your own figures are on My work."))


def can_see_person(user: Person, person) -> Decision:
    # Everyone on the staff may read their own figures; coaches and KB owners anyone's.
    if is_staff(user) and person is not None and person.pk == user.pk:
        return ALLOW
    return can_see_insights(user)
