"""Signals the micro-classroom sends for other apps to act on (notifications among them).

plan_assigned
    Sent after members were given a study plan (its lessons are now in their plans).
    kwargs: ``plan`` (the StudyPlan), ``members`` (list of the Members newly assigned).
"""

from django.dispatch import Signal

plan_assigned = Signal()
