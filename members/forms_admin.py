"""Forms of the admin: the member record, the member import, and the transfer and leave actions."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import images
from .models import Member, OrgUnit
from .resources import MAX_ROWS
from .scoping import Access

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 480  # profile photos show at 96 px; twice that for sharp screens, and some room


class MemberAdminForm(forms.ModelForm):
    """The member record; a new photo is checked and re-encoded before it is stored."""

    class Meta:
        model = Member
        # The admin narrows these by role through its fieldsets and read-only fields.
        fields = (
            *Member.SENSITIVE_FIELDS,
            "name",
            "unit",
            "gender",
            "ethnicity",
            "native_place",
            "education",
            "department",
            "job_title",
            "photo",
            "stage",
            "applied_on",
            "activist_on",
            "candidate_on",
            "probationary_on",
            "full_on",
            "status",
            "status_changed_on",
            "status_note",
        )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if isinstance(photo, UploadedFile):
            return images.clean_image(photo, max_side=PHOTO_MAX_SIDE)
        return photo


class MemberImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet"),
        help_text=_("An .xlsx or .csv file laid out like the template, at most %(rows)d rows.")
        % {"rows": MAX_ROWS},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".xlsx", ".csv")):
            raise forms.ValidationError(_("Upload an .xlsx or .csv file."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload


class ActionForm(forms.Form):
    """The intermediate page of an admin action on selected members."""

    on = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean_on(self):
        day = self.cleaned_data["on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The date must not be in the future."))
        return day


class TransferForm(ActionForm):
    to_unit = forms.ModelChoiceField(
        label=_("To branch"), queryset=OrgUnit.objects.none(), required=False
    )
    to_outside = forms.CharField(
        label=_("Or to an outside organisation"), max_length=200, required=False
    )
    field_order = ["to_unit", "to_outside", "on", "note"]

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = access.managed_units().branches().order_by("path")

    def clean(self):
        data = super().clean()
        if bool(data.get("to_unit")) == bool(data.get("to_outside")):
            raise forms.ValidationError(
                _("Give either a branch in the portal or an outside organisation, not both.")
            )
        return data


class LeaveForm(ActionForm):
    status = forms.ChoiceField(
        label=_("Reason"),
        choices=[
            (Member.Status.LEFT, Member.Status.LEFT.label),
            (Member.Status.DECEASED, Member.Status.DECEASED.label),
        ],
    )
    field_order = ["status", "on", "note"]
