"""Forms of sharing: a post (text, audience, up to nine photos) and a comment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import COMMENT_MAX, MAX_PHOTOS, TEXT_MAX, Post


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several files from one input. The count and the pictures themselves are checked by
    the service (`services.clean_photos`), which refuses the whole post if one is wrong."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/gif"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PostForm(forms.Form):
    text = forms.CharField(
        label=_("What would you like to share?"),
        max_length=TEXT_MAX,
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    audience = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Post.Audience.choices,
        initial=Post.Audience.BRANCH,
        widget=forms.RadioSelect,
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _(
            "Up to %(max)d pictures: JPEG, PNG, WebP or GIF. SVG is not accepted."
        ) % {"max": MAX_PHOTOS}


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
