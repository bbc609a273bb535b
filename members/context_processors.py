"""Puts the person's `access` (roles and scope) into every template."""

from .scoping import access_for


def access(request) -> dict:
    return {"access": access_for(getattr(request, "user", None))}
