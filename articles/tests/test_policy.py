"""The whole policy matrix: every role against every action, allowed and refused.

Pure tests: users and articles are unsaved objects, so the matrix runs without a
database and any rule change shows up here as a precise failing cell.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Kind, Licence, User
from articles import policy
from articles.models import Article, Audience, Governance, State

PERSONAS = ["candidate", "contributor", "publisher", "coach", "owner", "admin", "partner", "customer", "anonymous"]
STAFF = {"candidate", "contributor", "publisher", "coach", "owner", "admin"}
EDITORS = {"contributor", "publisher", "coach", "owner", "admin"}
KB_OWNERS = {"owner", "admin"}
OTHER_AUTHOR = 99  # a staff member who is none of the personas


def persona(name: str):
    if name == "anonymous":
        return AnonymousUser()
    spec = {
        "candidate": dict(licence=Licence.CANDIDATE),
        "contributor": dict(licence=Licence.CONTRIBUTOR),
        "publisher": dict(licence=Licence.PUBLISHER),
        "coach": dict(licence=Licence.CONTRIBUTOR, is_coach=True),
        "owner": dict(licence=Licence.PUBLISHER, is_kb_owner=True),
        "admin": dict(is_superuser=True),
        "partner": dict(kind=Kind.PARTNER),
        "customer": dict(kind=Kind.CUSTOMER),
    }[name]
    pk = PERSONAS.index(name) + 1
    return User(pk=pk, username=name, **{"kind": Kind.STAFF, **spec})


def pk_of(name: str) -> int:
    return PERSONAS.index(name) + 1


def article(
    *,
    state=State.VALIDATED,
    audience=Audience.INTERNAL,
    governance=Governance.EXPERIENCE,
    author=OTHER_AUTHOR,
    owner=None,
) -> Article:
    return Article(
        pk=1,
        slug="a",
        title="A",
        resolution="Do this.",
        state=state,
        audience=audience,
        governance=governance,
        created_by_id=author,
        owner_id=owner or author,
    )


def allowed(check, **kwargs) -> set[str]:
    return {name for name in PERSONAS if check(persona(name), **kwargs)}


def refusal_reasons(check, **kwargs) -> dict[str, str]:
    out = {}
    for name in PERSONAS:
        decision = check(persona(name), **kwargs)
        if not decision:
            out[name] = decision.reason
    return out


# --- seeing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "audience", "expected"),
    [
        (State.VALIDATED, Audience.INTERNAL, STAFF),
        (State.VALIDATED, Audience.PARTNER, STAFF | {"partner"}),
        (State.VALIDATED, Audience.CUSTOMER, STAFF | {"partner", "customer"}),
        (State.VALIDATED, Audience.PUBLIC, STAFF | {"partner", "customer", "anonymous"}),
        # Outside readers never see anything that is not validated, whatever its audience.
        (State.WIP, Audience.PUBLIC, STAFF),
        (State.NOT_VALIDATED, Audience.PUBLIC, STAFF),
        (State.ARCHIVED, Audience.PUBLIC, STAFF),
    ],
)
def test_who_may_view(state, audience, expected):
    subject = article(state=state, audience=audience)
    assert allowed(lambda u: policy.can_view(u, subject)) == expected


def test_only_staff_see_decision_authority_and_history_even_on_public_articles():
    subject = article(audience=Audience.PUBLIC)
    assert allowed(lambda u: policy.can_view_internals(u, subject)) == STAFF


def test_inactive_staff_are_treated_as_anonymous():
    user = persona("owner")
    user.is_active = False
    assert not policy.can_view(user, article())
    assert policy.can_view(user, article(audience=Audience.PUBLIC))
    assert not policy.can_create(user)


# --- writing --------------------------------------------------------------------------------


def test_who_may_create():
    assert allowed(policy.can_create) == STAFF


def test_staff_member_without_licence_or_role_cannot_write():
    user = User(pk=50, username="x", kind=Kind.STAFF, licence="")
    assert not policy.can_create(user)
    assert not policy.can_edit(user, article())


def test_experience_based_validated_article_is_edited_by_contributors_and_up():
    assert allowed(policy.can_edit, article=article()) == EDITORS


def test_candidate_edits_only_own_unvalidated_articles():
    own_draft = article(state=State.NOT_VALIDATED, author=pk_of("candidate"))
    own_wip = article(state=State.WIP, author=pk_of("candidate"))
    own_validated = article(state=State.VALIDATED, author=pk_of("candidate"))
    someone_elses_draft = article(state=State.NOT_VALIDATED, author=OTHER_AUTHOR)
    assert allowed(policy.can_edit, article=own_draft) == EDITORS | {"candidate"}
    assert allowed(policy.can_edit, article=own_wip) == EDITORS | {"candidate"}
    assert allowed(policy.can_edit, article=own_validated) == EDITORS
    assert allowed(policy.can_edit, article=someone_elses_draft) == EDITORS


def test_governed_article_is_changed_only_by_its_owner_or_a_kb_owner():
    owned_by_kb_owner = article(governance=Governance.GOVERNED, owner=pk_of("owner"))
    owned_by_contributor = article(governance=Governance.GOVERNED, owner=pk_of("contributor"))
    assert allowed(policy.can_edit, article=owned_by_kb_owner) == KB_OWNERS
    assert allowed(policy.can_edit, article=owned_by_contributor) == KB_OWNERS | {"contributor"}


def test_archived_article_cannot_be_edited_until_restored():
    reasons = refusal_reasons(policy.can_edit, article=article(state=State.ARCHIVED))
    assert set(reasons) == set(PERSONAS) - {"admin"}
    assert "archived" in reasons["owner"]


def test_decision_authority_is_governed_on_every_article():
    for subject in (article(), article(state=State.WIP, author=pk_of("candidate")), article(owner=pk_of("contributor"))):
        assert allowed(policy.can_edit_authority, article=subject) == KB_OWNERS
    assert "only a KB owner" in policy.can_edit_authority(persona("contributor"), article()).reason


@pytest.mark.parametrize("to", [Audience.PARTNER, Audience.CUSTOMER, Audience.PUBLIC])
def test_only_publishers_widen_the_audience_beyond_internal(to):
    assert allowed(policy.can_change_audience, article=article(), to=to) == {"publisher", "owner", "admin"}
    assert "publisher" in policy.can_change_audience(persona("contributor"), article(), to).reason


def test_anyone_who_may_edit_can_narrow_the_audience_to_internal():
    public = article(audience=Audience.PUBLIC)
    assert allowed(policy.can_change_audience, article=public, to=Audience.INTERNAL) == EDITORS


def test_publisher_cannot_widen_a_governed_article_they_do_not_own():
    governed = article(governance=Governance.GOVERNED, owner=pk_of("owner"))
    assert allowed(policy.can_change_audience, article=governed, to=Audience.PUBLIC) == KB_OWNERS


def test_only_kb_owners_change_governance():
    assert allowed(policy.can_change_governance, article=article()) == KB_OWNERS


def test_owner_hand_over_by_article_owner_or_kb_owner():
    assert allowed(policy.can_change_owner, article=article(owner=pk_of("publisher"))) == KB_OWNERS | {"publisher"}


def test_revert_follows_the_edit_rules():
    for subject in (article(), article(governance=Governance.GOVERNED, owner=pk_of("owner")), article(state=State.ARCHIVED)):
        assert allowed(policy.can_revert, article=subject) == allowed(policy.can_edit, article=subject)


# --- workflow -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "to", "expected"),
    [
        # Candidates submit their own drafts but never validate.
        (State.WIP, State.NOT_VALIDATED, EDITORS),
        (State.WIP, State.VALIDATED, EDITORS),
        (State.NOT_VALIDATED, State.VALIDATED, EDITORS),
        (State.NOT_VALIDATED, State.WIP, EDITORS),
        (State.VALIDATED, State.NOT_VALIDATED, EDITORS),
        (State.VALIDATED, State.WIP, set()),
        (State.VALIDATED, State.ARCHIVED, KB_OWNERS),
        (State.NOT_VALIDATED, State.ARCHIVED, KB_OWNERS),
        (State.ARCHIVED, State.NOT_VALIDATED, KB_OWNERS),
        (State.ARCHIVED, State.VALIDATED, KB_OWNERS),
        (State.VALIDATED, State.VALIDATED, set()),
    ],
)
def test_who_may_make_each_transition_on_experience_content(state, to, expected):
    subject = article(state=state)
    assert allowed(policy.can_transition, article=subject, to=to) == expected


def test_candidate_submits_own_draft_but_cannot_validate_it():
    own = article(state=State.WIP, author=pk_of("candidate"))
    cand = persona("candidate")
    assert policy.can_transition(cand, own, State.NOT_VALIDATED)
    refusal = policy.can_transition(cand, article(state=State.NOT_VALIDATED, author=pk_of("candidate")), State.VALIDATED)
    assert not refusal
    assert "Candidates cannot validate" in refusal.reason


def test_candidates_article_reaches_validated_only_through_a_coach_or_contributor():
    draft = article(state=State.NOT_VALIDATED, author=pk_of("candidate"))
    assert allowed(policy.can_transition, article=draft, to=State.VALIDATED) == EDITORS


def test_governed_article_is_validated_only_by_its_owner_or_a_kb_owner():
    draft = article(state=State.NOT_VALIDATED, governance=Governance.GOVERNED, owner=pk_of("contributor"))
    assert allowed(policy.can_transition, article=draft, to=State.VALIDATED) == KB_OWNERS | {"contributor"}


def test_every_refusal_carries_a_reason():
    checks = [
        lambda u: policy.can_edit(u, article(governance=Governance.GOVERNED, owner=pk_of("owner"))),
        lambda u: policy.can_edit_authority(u, article()),
        lambda u: policy.can_transition(u, article(), State.ARCHIVED),
        lambda u: policy.can_transition(u, article(state=State.NOT_VALIDATED), State.VALIDATED),
        lambda u: policy.can_change_audience(u, article(), Audience.PUBLIC),
        lambda u: policy.can_change_governance(u, article()),
        lambda u: policy.can_create(u),
        lambda u: policy.can_view(u, article()),
    ]
    for check in checks:
        for name in PERSONAS:
            decision = check(persona(name))
            assert decision or len(decision.reason) > 15, (name, decision)


def test_available_transitions_match_the_policy():
    owner = persona("owner")
    labels = dict(policy.available_transitions(owner, article(state=State.VALIDATED)))
    assert set(labels) == {State.NOT_VALIDATED, State.ARCHIVED}
    assert policy.available_transitions(persona("candidate"), article(state=State.NOT_VALIDATED)) == []
    cand_own = article(state=State.NOT_VALIDATED, author=pk_of("candidate"))
    assert [to for to, _ in policy.available_transitions(persona("candidate"), cand_own)] == [State.WIP]
    assert policy.available_transitions(persona("customer"), article(audience=Audience.PUBLIC)) == []


def test_visibility_query_matches_can_view_for_every_persona(db):
    from articles.models import Product

    product = Product.objects.create(name="P", slug="p")
    author = User.objects.create(username="author", kind=Kind.STAFF, licence=Licence.PUBLISHER)
    combos = [(s, a) for s in State.values for a in Audience.values]
    for i, (state, audience) in enumerate(combos):
        Article.objects.create(
            slug=f"a{i}",
            title=f"{state} {audience}",
            product=product,
            owner=author,
            created_by=author,
            state=state,
            audience=audience,
        )
    for name in PERSONAS:
        user = persona(name)
        if user.is_authenticated:
            user.save()
        visible = set(Article.objects.visible_to(user).values_list("slug", flat=True))
        expected = {a.slug for a in Article.objects.all() if policy.can_view(user, a)}
        assert visible == expected, name


@pytest.mark.parametrize("audience", [Audience.PARTNER, Audience.CUSTOMER, Audience.PUBLIC])
def test_validating_an_article_for_outside_readers_publishes_it_so_needs_a_publisher(audience):
    draft = article(state=State.NOT_VALIDATED, audience=audience)
    assert allowed(policy.can_transition, article=draft, to=State.VALIDATED) == {"publisher", "owner", "admin"}
    assert "publisher" in policy.can_transition(persona("coach"), draft, State.VALIDATED).reason


def test_restoring_an_outside_article_as_validated_needs_a_kb_owner_who_may_publish():
    kb_owner_without_publishing = User(pk=60, username="k", kind=Kind.STAFF, licence=Licence.CONTRIBUTOR, is_kb_owner=True)
    archived_public = article(state=State.ARCHIVED, audience=Audience.PUBLIC)
    assert not policy.can_transition(kb_owner_without_publishing, archived_public, State.VALIDATED)
    assert policy.can_transition(kb_owner_without_publishing, archived_public, State.NOT_VALIDATED)
    assert policy.can_transition(persona("owner"), archived_public, State.VALIDATED)


def test_only_kb_owners_create_articles_owned_by_someone_else():
    someone = persona("publisher")
    assert allowed(policy.can_assign_owner, new_owner=someone) == KB_OWNERS | {"publisher"}
    assert allowed(policy.can_assign_owner, new_owner=None) == set(PERSONAS)
