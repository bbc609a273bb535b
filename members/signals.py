"""Signals the members app sends for other apps to act on (notifications among them).

help_request_updated
    Sent by the services of `members.help` after any change to a help request (连心桥):
    filed, taken, a note added, resolved. Sent inside the service's transaction, so what a
    receiver writes to the database is kept or rolled back with the change itself.
    kwargs:
      ``help_request`` (the HelpRequest), ``by`` (the user who changed it),
      ``visible_to_author`` (bool: True when the change shows on the author's own page —
      taken, a note visible to the member, resolved; False for an internal note and for the
      filing itself, which the author made),
      ``action`` ("created", "taken", "note" or "resolved").
    Privacy: a receiver that tells the *author* must act only when ``visible_to_author`` is
    True, and must not quote internal notes; a receiver that tells the handlers must use
    ``members.scoping`` (``access_for(user).can_handle_help(help_request)``) to pick them.
"""

from django.dispatch import Signal

help_request_updated = Signal()
