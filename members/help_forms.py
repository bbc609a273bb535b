"""Forms of the help-request pages (连心桥). They validate input; `members.help` acts."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import HelpRequest, HelpRequestNote


class HelpRequestForm(forms.ModelForm):
    class Meta:
        model = HelpRequest
        fields = ["category", "title", "text"]
        labels = {"title": _("In a few words"), "text": _("What is the difficulty?")}
        help_texts = {
            "text": _(
                "Only the liaison officer of your branch and the organisers of the committee "
                "read this. Your colleagues and the branch secretary do not see it."
            )
        }
        widgets = {
            "title": forms.TextInput(attrs={"maxlength": 100, "autocomplete": "off"}),
            "text": forms.Textarea(attrs={"rows": 6, "maxlength": 4000}),
        }


class HelpNoteForm(forms.ModelForm):
    class Meta:
        model = HelpRequestNote
        fields = ["text", "visible_to_member"]
        labels = {"text": _("Add a note")}
        widgets = {"text": forms.Textarea(attrs={"rows": 3, "maxlength": 2000})}


class HelpResolveForm(forms.Form):
    summary = forms.CharField(
        label=_("How was it resolved?"),
        max_length=2000,
        help_text=_("The member sees this summary."),
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 2000}),
    )


class HelpQueueFilterForm(forms.Form):
    OPEN = "open"
    UNTOUCHED = "untouched"
    CHOICES = [
        (OPEN, _("Open")),
        (UNTOUCHED, _("Untouched for 3 days")),
        (HelpRequest.Status.NEW, _("New")),
        (HelpRequest.Status.TAKEN, _("Being handled")),
        (HelpRequest.Status.RESOLVED, _("Resolved")),
    ]
    status = forms.ChoiceField(label=_("Show"), choices=CHOICES, required=False)
