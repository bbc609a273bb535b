"""Signals the appraisals app sends for other apps to act on (notifications among them).

sheet_returned
    A submitted score sheet was sent back to its branch. kwargs: ``sheet``, ``by``, ``comment``.
results_published
    A campaign's results were published. kwargs: ``campaign``, ``by``.
story_approved
    A nominated story was approved and published. kwargs: ``story``, ``by``.
"""

from django.dispatch import Signal

sheet_returned = Signal()
results_published = Signal()
story_approved = Signal()
