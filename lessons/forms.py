"""Forms of the micro-classroom's pages."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import Lesson, Question, Reflection, Series
from .textsearch import matching


class LessonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    series = forms.TypedChoiceField(label=_("Series"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The widget's own type, not an attribute: an attribute would repeat type="text".
        self.fields["q"].widget.input_type = "search"
        self.fields["q"].widget.attrs["placeholder"] = _("Words in the title or text")
        # One query for the choices and the check of the one chosen (a model choice field
        # reads them through a server-side cursor, and the chosen one again).
        self.fields["series"].choices = [
            ("", _("All series")),
            *Series.objects.values_list("pk", "name"),
        ]

    def filter(self, lessons: QuerySet[Lesson]) -> QuerySet[Lesson]:
        data = self.cleaned_data
        if data.get("series"):
            lessons = lessons.filter(series_id=data["series"])
        # Chinese words are mostly two characters, which trigram indexes miss: the lessons'
        # character pairs are indexed instead (lessons.textsearch).
        return matching(lessons, data.get("q") or "")


class ReflectionForm(forms.ModelForm):
    class Meta:
        model = Reflection
        fields = ["text"]
        labels = {"text": _("Your reflection")}
        widgets = {"text": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}


class CheckForm(forms.Form):
    """The short check: one radio group per question."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                choices=question.options,
                widget=forms.RadioSelect,
                required=False,
            )

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") or "" for q in self.questions}


class SignInForm(forms.Form):
    code = forms.CharField(
        label=_("Sign-in code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
