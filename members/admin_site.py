"""The portal's admin site: open to whoever keeps records, decided by posts, not by flags.

Django's admin normally asks for `is_staff` and per-model permissions. Here the right to keep
records comes from a person's current posts (see `members.scoping`), so the admin asks the
same question as the site: a branch officer or organiser may enter, and each ModelAdmin
narrows what they see to their scope.
"""

from allauth.account.decorators import secure_admin_login
from allauth.account.utils import get_next_redirect_url
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .admin_scoping import OfferedFiltersAdmin
from .scoping import access_for


class PortalAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        # Every changelist of the site accepts only the URL filters it offers, Django's and
        # the libraries' (logins, groups, e-mail addresses) as well as the portal's own.
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, OfferedFiltersAdmin):
            admin_class = type(
                admin_class.__name__,
                (OfferedFiltersAdmin, admin_class),
                {"__module__": admin_class.__module__},
            )
        super().register(model_or_iterable, admin_class, **options)

    def has_permission(self, request) -> bool:
        user = request.user
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or access_for(user).is_officer

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        # The admin's own login form has no rate limit, so it is never used: the anonymous go
        # to allauth's (rate-limited) login; allauth's own wrapper asks for is_staff, which
        # officers here do not need, so those the admin lets in are sent straight in.
        if request.user.is_authenticated:
            if self.has_permission(request):
                return redirect(get_next_redirect_url(request) or "admin:index")
            raise PermissionDenied
        return secure_admin_login(super().login)(request, extra_context)

    def get_urls(self):
        # Django's "view on site" shortcut (/admin/r/<type>/<id>/) redirects for any object
        # that exists and 404s otherwise: an oracle for other branches' records (a help
        # request, say). Here it answers only for objects in the person's admin scope.
        urls = super().get_urls()
        scoped = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.view_on_site),
            name="view_on_site",
        )
        return [scoped if getattr(u, "name", None) == "view_on_site" else u for u in urls]

    def view_on_site(self, request, content_type_id, object_id):
        content_type = None
        if str(content_type_id).isascii() and str(content_type_id).isdigit():
            content_type = ContentType.objects.filter(pk=int(content_type_id)).first()
        model = content_type.model_class() if content_type else None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_or_change_permission(request):
            raise Http404
        try:
            in_scope = model_admin.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            in_scope = False
        if not in_scope:
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)
