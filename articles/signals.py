"""The one domain signal articles send, so other apps take part without the core importing them.

`article_changed` is sent once per saved version (create, edit, revert, transition, governance,
import, admin), after its transaction commits, with `change`: the ArticleEvent the verb wrote as
its change record (actor, kind, version, material, changed_fields, rules_changed, resolves,
note; `change.article` is the article as saved). A rolled-back change sends nothing.
Receivers, connected in their app's `AppConfig.ready()`: `notifications.signals.article_changed`,
`training.signals.article_changed`, `feedback.services.resolve_flags_of_change`. Search keeps its
own model hooks in `search/signals.py`: it must index inside the transaction (decisions 0006, 0007).

`articles_written` is sent inside the transaction when articles were written in bulk (an import
batch: `Article.objects.bulk_create`, tags and versions alongside), with `ids`: no `post_save`,
`m2m_changed` or revision signal is sent for them. Receiver: `search.signals`, which indexes them
as one batch (its own model hooks do the same for one article), or with `index_later=True` only
queues them (the job rebuilds the index at its end). Their `article_changed` are sent as for any
other change.

`article_viewed` is sent when someone opens an article's page (the staff page or the help
centre's), with `article` and `reader`: who read it, as `policy.reader_kind` names them (staff,
partner, customer, anonymous). A reload of the same help-centre page in a row is not sent again.
Receiver: `insights.counting.article_viewed` (the view counter).
"""

from django.dispatch import Signal

article_changed = Signal()
article_viewed = Signal()
articles_written = Signal()
