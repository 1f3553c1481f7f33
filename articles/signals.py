"""Signals the article pages send, so other apps can take part without the core importing them."""

from django.dispatch import Signal

# Sent by the edit page after an edit was saved: request, article (as saved), base_version (the
# version the editor started from). feedback resolves the flags the editor ticked.
article_edited = Signal()
