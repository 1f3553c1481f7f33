"""The decision-authority editor: one labelled card per rule, cards added, removed and moved in
place. Without JavaScript "Add another rule" and the move buttons submit the form and the page
comes back rearranged with everything typed kept and nothing saved; the page's script does the
same in place and numbers the hidden ORDER inputs, which is the order a save keeps."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from articles.models import MAX_AUTHORITY_RULES, Article
from conftest import client_for, make_article, make_kb_owner, unchanged_database

from .assertions import assert_versions
from .htmlparse import form_fields
from .test_pages import text_of

RULES = [
    {"action": "refund the booking", "limit_amount": "50", "limit_unit": "EUR", "decider": "agent"},
    {"action": "replace a damaged item", "limit_amount": "2", "limit_unit": "items", "decider": "team_lead"},
    {"action": "waive the change fee", "decider": "escalate", "notes": "Only for medical reasons"},
]


@pytest.fixture
def three_rules(db, contributor, kb_owner, product, contact):
    return make_article(author=contributor, product=product, rules=RULES, contact=contact, kb_owner=kb_owner)


def edit_url(article) -> str:
    return reverse("articles:edit", args=[article.slug])


def actions(article) -> list[str]:
    return [rule.action for rule in article.rules.all()]


class Cards(HTMLParser):
    """The rule cards as a reader meets them: each card's legend, its inputs (id, name) and every
    label with the id it names. What sits in a <template> is inert and ignored, as browsers do."""

    def __init__(self, page: str):
        super().__init__()
        self.cards: list[dict] = []
        self.labels: dict[str, str] = {}
        self._in_template = self._in_legend = 0
        self._in_card = False
        self._label_for: str | None = None
        self._label_text = ""
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self._in_template += 1
        if self._in_template:
            return
        if tag == "fieldset" and "rule-card" in (a.get("class") or ""):
            self.cards.append({"legend": "", "inputs": [], "errors": 0, "autofocus": []})
            self._in_card = True
        elif not self._in_card:
            return
        elif tag == "legend":
            self._in_legend = 1
        elif tag == "label":
            self._label_for, self._label_text = a.get("for"), ""
        elif tag in ("input", "textarea", "select", "button"):
            if "autofocus" in a:
                self.cards[-1]["autofocus"].append(a.get("name") or "")
            if tag != "button" and a.get("type") != "hidden":
                self.cards[-1]["inputs"].append((a.get("id"), a.get("name")))
        elif tag == "ul" and "errorlist" in (a.get("class") or ""):
            self.cards[-1]["errors"] += 1

    def handle_endtag(self, tag):
        if tag == "template":
            self._in_template -= 1
        elif tag == "fieldset":
            self._in_card = False  # a rule card holds no other fieldset
        elif tag == "legend":
            self._in_legend = 0
        elif tag == "label" and self._label_for:
            self.labels[self._label_for] = " ".join(self._label_text.split())
            self._label_for = None

    def handle_data(self, data):
        if self._in_template or not self._in_card:
            return
        if self._in_legend:
            self.cards[-1]["legend"] += data
        if self._label_for:
            self._label_text += data


def cards_of(response) -> Cards:
    return Cards(response.content.decode())


# --- what the editor shows --------------------------------------------------------------------


def test_each_rule_is_a_card_whose_every_input_has_a_visible_label(three_rules, kb_owner):
    page = client_for(kb_owner).get(edit_url(three_rules))
    cards = cards_of(page)

    assert [" ".join(card["legend"].split()) for card in cards.cards] == ["Rule 1", "Rule 2", "Rule 3", "Rule 4"]
    for card in cards.cards:
        names = [name.rsplit("-", 1)[1] for _, name in card["inputs"]]
        assert names == ["action", "limit_amount", "limit_unit", "decider", "notes", "DELETE"]
        for input_id, _ in card["inputs"]:
            assert cards.labels.get(input_id), f"{input_id} has no label"
    first = cards.cards[0]
    assert [cards.labels[input_id] for input_id, _ in first["inputs"]] == [
        "The agent may…",
        "Up to",
        "Unit",
        "Who decides",
        "Notes",
        "Remove rule 1 when saving",
    ]
    body = page.content.decode()
    # The labels are shown, not only read out: no label of a rule input is visually hidden.
    assert not re.search(r'<label[^>]*class="[^"]*(visually-hidden|cell-label)[^"]*"[^>]*for="id_rules-', body)
    # What the agent may do wraps in a text box instead of being cut off in a narrow input.
    assert re.search(r'<textarea name="rules-0-action"[^>]*>\s*refund the booking</textarea>', body)
    assert 'id="rule-card-template"' in body and 'name="rules-__prefix__-action"' in body  # for the script
    assert 'name="rules-add"' in body and "Save to get more empty rows" not in body


def test_the_new_article_page_offers_one_empty_card_and_the_add_button(kb_owner):
    page = client_for(kb_owner).get(reverse("articles:create"))
    assert len(cards_of(page).cards) == 1
    assert 'name="rules-add"' in page.content.decode()


def test_who_may_not_change_the_authority_gets_no_cards_and_no_buttons(three_rules, contributor):
    response = client_for(contributor).get(edit_url(three_rules))
    assert "With your team lead's approval you may replace a damaged item up to 2 items." in text_of(response)
    page = response.content.decode()
    assert 'class="rule-card' not in page.split('id="rule-card-template"')[0]
    assert 'name="rules-add"' not in page and "rules-editor.js" not in page
    assert "only a KB owner may change it" in page


def test_enter_in_a_one_line_field_saves_rather_than_adding_a_rule(three_rules, kb_owner):
    """A browser submits with the first submit button of the form when Enter is pressed in a
    one-line field: that must be a save button, ahead of the rule buttons."""
    page = client_for(kb_owner).get(edit_url(three_rules)).content.decode()
    form = page[page.index('<form method="post" class="article-form"') :]
    first_submit = re.search(r'<(input|button)[^>]*type="submit"[^>]*>', form).group(0)
    assert "name=" not in first_submit and 'value="Save"' in first_submit


# --- without JavaScript: the buttons come back to the server ------------------------------------


def test_add_another_rule_shows_one_more_card_and_keeps_everything_typed_without_saving(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data.update(
        {
            "title": "Refund for a non-refundable room",
            "cause": "Typed, not saved yet",
            "rules-0-limit_amount": "not a number",  # kept as typed, refused only on save
            "rules-3-action": "offer a voucher\ninstead",
            "rules-3-limit_amount": "20",
            "rules-add": "1",
        }
    )
    data.pop("note", None)  # a material change without a note is an error on save, not here
    version = three_rules.version

    with unchanged_database():
        response = client.post(edit_url(three_rules), data)

    assert response.status_code == 200
    shown = form_fields(response.content.decode())
    assert shown["title"] == "Refund for a non-refundable room" and shown["cause"] == "Typed, not saved yet"
    assert shown["rules-0-limit_amount"] == "not a number"
    assert shown["rules-3-action"] == "offer a voucher\ninstead"
    assert shown["rules-4-action"] == "" and shown["rules-TOTAL_FORMS"] == "5"
    assert shown["version"] == str(version)  # still the version this editor opened
    cards = cards_of(response).cards
    assert len(cards) == 5 and cards[4]["autofocus"] == ["rules-4-action"]  # the new card has the focus
    assert not any(card["errors"] for card in cards) and 'class="errorlist' not in response.content.decode()
    assert "Rule 5 added. Nothing is saved until you save the article." in text_of(response)
    assert_versions(three_rules, version)

    # Saving the page as shown keeps the typed rule, in its place, as one line.
    shown.update({"rules-0-limit_amount": "50", "rules-4-action": "apologise", "note": "Voucher rule"})
    assert client.post(edit_url(three_rules), shown).status_code == 302
    three_rules.refresh_from_db()
    assert actions(three_rules) == [r["action"] for r in RULES] + ["offer a voucher instead", "apologise"]
    assert three_rules.title == "Refund for a non-refundable room"
    assert three_rules.version == version + 1


def test_add_another_rule_on_the_new_article_page_creates_nothing(kb_owner, product):
    client = client_for(kb_owner)
    data = form_fields(client.get(reverse("articles:create")).content.decode())
    data.update({"title": "Guest lost the room key", "product": str(product.pk), "rules-0-action": "issue a new key"})
    with unchanged_database():
        response = client.post(reverse("articles:create"), {**data, "rules-add": "1"})
    shown = form_fields(response.content.decode())
    assert response.status_code == 200 and shown["title"] == "Guest lost the room key"
    assert (shown["rules-0-action"], shown["rules-1-action"]) == ("issue a new key", "")

    shown["rules-1-action"] = "refund the key deposit"
    assert client.post(reverse("articles:create"), shown).status_code == 302
    assert actions(Article.objects.get(title="Guest lost the room key")) == ["issue a new key", "refund the key deposit"]


def test_a_move_button_reorders_the_cards_without_saving_and_a_save_keeps_the_order(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data["rules-2-notes"] = "Typed before moving"
    version = three_rules.version

    with unchanged_database():
        response = client.post(edit_url(three_rules), {**data, "rules-move": "rules-2-up"})

    assert response.status_code == 200
    shown = form_fields(response.content.decode())
    assert [shown[f"rules-{i}-action"] for i in range(3)] == [
        "refund the booking",
        "waive the change fee",
        "replace a damaged item",
    ]
    assert shown["rules-1-notes"] == "Typed before moving"
    assert cards_of(response).cards[1]["autofocus"] == ["rules-move"]  # the moved card's button
    assert "Rule 3 moved up: it is now rule 2." in text_of(response)
    assert_versions(three_rules, version)

    top = form_fields(client.post(edit_url(three_rules), {**shown, "rules-move": "rules-1-up"}).content.decode())
    assert top["rules-0-action"] == "waive the change fee"
    top["note"] = "Medical waivers first"
    assert client.post(edit_url(three_rules), top).status_code == 302
    three_rules.refresh_from_db()
    assert actions(three_rules) == ["waive the change fee", "refund the booking", "replace a damaged item"]
    assert three_rules.rules.get(action="waive the change fee").notes == "Typed before moving"


def test_the_first_card_cannot_move_up_nor_the_last_down(three_rules, kb_owner):
    page = client_for(kb_owner).get(edit_url(three_rules)).content.decode()
    assert re.search(r'<button[^>]*value="rules-0-up"[^>]*disabled', page)
    assert not re.search(r'<button[^>]*value="rules-1-up"[^>]*disabled', page)
    assert re.search(r'<button[^>]*value="rules-3-down"[^>]*disabled', page)  # the empty card, last
    response = client_for(kb_owner).post(
        edit_url(three_rules), {**form_fields(page), "rules-move": "rules-0-up"}
    )  # posted anyway: nothing moves
    assert form_fields(response.content.decode())["rules-0-action"] == "refund the booking"
    assert "Rule 1 is already the first." in text_of(response)


def test_a_removed_card_stays_ticked_when_the_page_comes_back_and_goes_on_save(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data["rules-1-DELETE"] = "on"
    shown = form_fields(client.post(edit_url(three_rules), {**data, "rules-add": "1"}).content.decode())
    assert shown["rules-1-DELETE"] == "on"

    shown["note"] = "No more replacements by agents"
    assert client.post(edit_url(three_rules), shown).status_code == 302
    three_rules.refresh_from_db()
    assert actions(three_rules) == ["refund the booking", "waive the change fee"]


# --- with JavaScript: the hidden ORDER inputs carry the order -----------------------------------


def test_the_order_numbers_set_the_saved_order_and_the_article_page_shows_it(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    assert [data[f"rules-{i}-ORDER"] for i in range(3)] == ["1", "2", "3"]
    # As the page's script leaves it: a new card (index 3) moved to the top, the second removed.
    data.update(
        {
            "rules-3-action": "apologise first",
            "rules-3-ORDER": "1",
            "rules-0-ORDER": "2",
            "rules-1-ORDER": "3",
            "rules-1-DELETE": "on",
            "rules-2-ORDER": "4",
            "note": "Apology first",
        }
    )

    assert client.post(edit_url(three_rules), data).status_code == 302

    three_rules.refresh_from_db()
    assert actions(three_rules) == ["apologise first", "refund the booking", "waive the change fee"]
    assert [r.position for r in three_rules.rules.all()] == [0, 1, 2]
    page = text_of(client.get(three_rules.get_absolute_url()))
    assert page.index("You may apologise first") < page.index("You may refund the booking") < page.index("waive")
    api = client.get(f"/api/v1/articles/{three_rules.slug}/").json()
    assert [r["action"] for r in api["authority"]["rules"]] == actions(three_rules)
    diff = text_of(client.get(reverse("articles:diff", args=[three_rules.slug])))
    assert "1. You may apologise first" in diff


def test_a_reorder_alone_is_a_change_of_the_authority(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data.update({"rules-0-ORDER": "3", "rules-2-ORDER": "1", "note": "Escalation rule first"})
    before = three_rules.version
    assert client.post(edit_url(three_rules), data).status_code == 302
    three_rules.refresh_from_db()
    assert actions(three_rules) == ["waive the change fee", "replace a damaged item", "refund the booking"]
    assert_versions(three_rules, before + 1)
    change = three_rules.events.order_by("-id").first()
    assert change.rules_changed and change.changed_fields == ["rules"]


def test_an_error_is_shown_on_the_card_where_the_editor_put_that_rule(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    # The empty card moved to the top and given a limit but no action.
    data.update({"rules-3-limit_amount": "10", "rules-3-ORDER": "1", "rules-0-ORDER": "2", "rules-1-ORDER": "3"})
    data.update({"rules-2-ORDER": "4", "cause": "Kept as typed", "note": "x"})

    with unchanged_database():
        response = client.post(edit_url(three_rules), data)

    assert response.status_code == 400
    cards = cards_of(response).cards
    assert [card["errors"] for card in cards] == [1, 0, 0, 0]
    assert cards[0]["inputs"][0] == ("id_rules-3-action", "rules-3-action")
    assert "Say what may be done up to this limit." in text_of(response)
    assert "Some rules need a correction" in text_of(response)
    assert form_fields(response.content.decode())["cause"] == "Kept as typed"


# --- what stays as it was: the cap, conflicts, governance ----------------------------------------


def test_adding_past_the_cap_is_refused_with_a_message_and_bounded_work(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data.update({f"rules-{i}-action": f"rule {i}" for i in range(4, MAX_AUTHORITY_RULES)})
    data.update({f"rules-{i}-decider": "agent" for i in range(4, MAX_AUTHORITY_RULES)})
    data["rules-TOTAL_FORMS"] = str(MAX_AUTHORITY_RULES)

    response = client.post(edit_url(three_rules), {**data, "rules-add": "1"})
    assert response.status_code == 200
    assert len(cards_of(response).cards) == MAX_AUTHORITY_RULES
    assert f"An article has at most {MAX_AUTHORITY_RULES} authority rules." in text_of(response)

    huge = client.post(edit_url(three_rules), {**data, "rules-TOTAL_FORMS": "99999999999999999999", "rules-add": "1"})
    assert huge.status_code == 200 and len(cards_of(huge).cards) == MAX_AUTHORITY_RULES
    assert len(huge.context["rules"].forms) == MAX_AUTHORITY_RULES


def test_a_move_then_a_conflict_keeps_my_order_in_the_merged_form(three_rules, kb_owner):
    mine, theirs = client_for(kb_owner), client_for(make_kb_owner("otto"))
    a_form = form_fields(mine.get(edit_url(three_rules)).content.decode())
    b_form = form_fields(theirs.get(edit_url(three_rules)).content.decode())
    b_form.update({"cause": "Rate sold at a discount.", "note": "Cause"})
    # Moved without JavaScript, so the page came back; the other person saves meanwhile.
    a_form = form_fields(mine.post(edit_url(three_rules), {**a_form, "rules-move": "rules-2-up"}).content.decode())
    assert theirs.post(edit_url(three_rules), b_form).status_code == 302

    conflict = mine.post(edit_url(three_rules), {**a_form, "note": "Waiver second"})

    assert conflict.status_code == 409
    assert "Your changes, kept in the form: Decision authority." in text_of(conflict)
    merged = form_fields(conflict.content.decode())
    assert mine.post(edit_url(three_rules), merged).status_code == 302
    three_rules.refresh_from_db()
    assert actions(three_rules) == ["refund the booking", "waive the change fee", "replace a damaged item"]
    assert three_rules.cause == "Rate sold at a discount."


def test_the_order_a_script_set_is_the_order_shown_again_after_a_conflict(three_rules, kb_owner):
    mine, theirs = client_for(kb_owner), client_for(make_kb_owner("otto"))
    a_form = form_fields(mine.get(edit_url(three_rules)).content.decode())
    b_form = form_fields(theirs.get(edit_url(three_rules)).content.decode())
    assert theirs.post(edit_url(three_rules), {**b_form, "cause": "Discounted rate.", "note": "Cause"}).status_code == 302
    a_form.update({"rules-0-ORDER": "3", "rules-2-ORDER": "1", "note": "Waiver first"})

    conflict = mine.post(edit_url(three_rules), a_form)

    assert conflict.status_code == 409
    legends = [card["inputs"][0][1] for card in cards_of(conflict).cards]
    assert legends[:3] == ["rules-2-action", "rules-1-action", "rules-0-action"]  # as arranged, not as numbered


def test_a_contributor_posting_the_add_button_saves_as_usual_and_the_rules_stay(three_rules, contributor):
    client = client_for(contributor)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data.update({"cause": "Discounted rate.", "note": "Cause", "rules-add": "1", "rules-move": "rules-1-up"})
    assert client.post(edit_url(three_rules), data).status_code == 302
    three_rules.refresh_from_db()
    assert three_rules.cause == "Discounted rate." and actions(three_rules) == [r["action"] for r in RULES]


def test_a_governed_articles_rules_are_cards_for_a_kb_owner_and_read_only_for_others(db, contributor, kb_owner, product, contact):
    governed = make_article(author=contributor, product=product, rules=RULES, contact=contact, kb_owner=kb_owner, governed=True)
    page = client_for(contributor).get(edit_url(governed))
    assert "only a KB owner may change it" in text_of(page) and "you may replace a damaged item" in text_of(page)
    assert not cards_of(page).cards and 'name="rules-add"' not in page.content.decode()
    owner_page = client_for(kb_owner).get(edit_url(governed))
    assert owner_page.status_code == 200 and len(cards_of(owner_page).cards) == 4


@pytest.mark.parametrize(
    "tampered",
    [
        {"rules-TOTAL_FORMS": None, "rules-add": "1"},
        {"rules-TOTAL_FORMS": "many", "rules-add": "1"},
        {"rules-move": "rules-99-up"},
        {"rules-move": "nonsense"},
        {"rules-move": "rules-1-sideways"},
        {"rules-0-ORDER": "first", "rules-move": "rules-0-down"},
    ],
)
def test_a_tampered_rearrangement_shows_the_editor_again_and_saves_nothing(three_rules, kb_owner, tampered):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data.update({k: v for k, v in tampered.items() if v is not None})
    for name in (k for k, v in tampered.items() if v is None):
        data.pop(name)
    with unchanged_database():
        response = client.post(edit_url(three_rules), data)
    assert response.status_code == 200
    assert len(cards_of(response).cards) <= MAX_AUTHORITY_RULES and 'name="rules-add"' in response.content.decode()


def test_a_tampered_order_number_is_an_error_on_its_card(three_rules, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(edit_url(three_rules)).content.decode())
    data.update({"rules-1-ORDER": "second", "note": "x"})
    with unchanged_database():
        response = client.post(edit_url(three_rules), data)
    assert response.status_code == 400
    # Not a number: shown after the numbered cards, before the new one; the error on that card.
    cards = cards_of(response).cards
    assert [card["errors"] for card in cards] == [0, 0, 1, 0] and cards[2]["inputs"][0][1] == "rules-1-action"
