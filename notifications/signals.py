"""The one hook into articles: a material version of an article is recorded as an update.

Only validated articles have updates: a draft's edits are work in progress, not news.
`articles.signals.article_changed` is sent after the change's transaction commits, so a
rolled-back edit tells nobody; the change record says all this needs (material or not, which
fields changed), so nothing here reads the stored versions.
"""

from __future__ import annotations

from django.utils.translation import gettext

from articles.structure import SECTION_PREFIX

# What outside readers see (not the decision authority, owner or dates): only a change to these
# is announced to them.
READER_FIELDS = frozenset(("title", "issue", "environment", "resolution", "cause"))


def touches_reader_text(fields) -> bool:
    """A change record's fields include text outside readers read: the standard fields or a
    template section ("sections.<key>"; the record's `outside_changed` says whether it is one
    they may see)."""
    return bool(READER_FIELDS.intersection(fields or [])) or any(name.startswith(SECTION_PREFIX) for name in fields or [])


def article_changed(sender, change, **kwargs) -> None:
    from articles.models import State

    from .services import record_update

    if not change.material or change.version <= 1:
        return  # a new article or a minor change is not an update anyone is told about
    article = change.article
    if article.state != State.VALIDATED:
        return  # drafts change all the time; an update is a change to validated knowledge in use
    record_update(
        article=article,
        version=change.version,
        note=(change.note or gettext("Edited"))[:2000],
        editor=change.actor,
        audience=article.audience,
        # An edit of internal notes or `:::internal` passages alone changes nothing outside readers see.
        reader_visible=change.outside_changed and touches_reader_text(change.changed_fields),
        authority_changed=change.authority_changed,
    )
