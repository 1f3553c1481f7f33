"""Signals the cases app sends after its transaction commits, so other parts react without being called.

- `link_created(link=CaseLink)`: an article was linked to a case (any kind).
- `link_removed(link=CaseLink)`: a link was removed (its unlinked_by/at/reason set).
- `handover_created(case=Case)`: a help-centre visitor asked for assisted support (a case with
  source `help-centre` and its trail of searches and viewed articles).
Receivers connect in their AppConfig.ready() (or `cases.apps.CasesConfig.ready`).
"""

from django.dispatch import Signal

link_created = Signal()
link_removed = Signal()
handover_created = Signal()
