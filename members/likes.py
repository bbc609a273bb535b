"""A like that a second tap takes back, shared by lessons, campaigns and sharing."""

from __future__ import annotations

from django.db import IntegrityError, transaction


def like_toggle(model, **keys) -> bool:
    """Like if not liked, unlike if liked; returns whether it is liked now.

    `model` has a unique constraint on `keys` (e.g. user and story). A double tap can send two
    requests at once: both find nothing to delete and both create; the second one's
    IntegrityError is caught inside a savepoint (so an enclosing transaction stays usable)
    and it counts as liked, which it is.
    """
    deleted, _rows = model.objects.filter(**keys).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            model.objects.create(**keys)
    except IntegrityError:  # a double tap raced us; it is liked either way
        pass
    return True
