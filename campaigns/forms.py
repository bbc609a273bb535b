"""Forms of the appraisals: the organiser's small admin forms and the story nomination."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Criterion, Story


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment to the branch"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AwardForm(forms.Form):
    holder = forms.TypedChoiceField(
        label=_("Banner"),
        choices=[("1", _("Award the banner")), ("0", _("Withdraw the banner"))],
        coerce=lambda v: v == "1",
    )
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, result=None, **kwargs):
        super().__init__(*args, **kwargs)


class CorrectionForm(forms.Form):
    criterion = forms.ModelChoiceField(label=_("Criterion"), queryset=Criterion.objects.none())
    points = forms.DecimalField(label=_("Corrected points"), max_digits=6, decimal_places=1)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, result=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = result.campaign.criteria.all()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


MAX_PHOTOS = 6


class NominationForm(forms.ModelForm):
    photos = MultipleImageField(
        label=_("Photos"), required=False, help_text=_("Up to six JPEG or PNG pictures.")
    )

    class Meta:
        model = Story
        fields = ("member", "category", "title", "body")

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members
        self.fields["member"].label = _("Colleague")

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PHOTOS:
            raise forms.ValidationError(_("At most six photos."))
        return photos
