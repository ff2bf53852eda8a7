"""The certifier's side of the recours (jurys.recours): the list, and the decision form."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cqpilot.accueil import todo
from cqpilot.core.permissions import MANAGE_CERTIFICATIONS, requires

from .models import JuryStatus, Recours, RecoursIssue
from .recours import date_limite, decider
from .workflow import JuryRefus


class DecisionRecoursForm(forms.Form):
    issue = forms.ChoiceField(
        label="Issue du recours", choices=RecoursIssue.choices, widget=forms.RadioSelect
    )
    motivation = forms.CharField(
        label="Motivation (le candidat la lira)",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
    )


def _recours(request: HttpRequest):
    return Recours.objects.visible_to(request.user).select_related(
        "deliberation__jury__certification",
        "deliberation__dossier__candidat",
        "pv",
        "filed_by",
        "decided_by",
    )


@requires(MANAGE_CERTIFICATIONS)
def recours_list(request: HttpRequest) -> HttpResponse:
    a_faire = request.GET.get(todo.FILTER_PARAM, "")
    rows = todo.filtered(_recours(request), todo.RECOURS_FILTERS, a_faire, request.user)
    return render(
        request,
        "jurys/recours_list.html",
        {
            "rows": rows[:500],
            "a_faire_label": todo.label_of(todo.RECOURS_FILTERS, a_faire),
        },
    )


@requires(MANAGE_CERTIFICATIONS)
def recours_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recours = get_object_or_404(_recours(request), pk=pk)
    form = None if recours.is_decided else DecisionRecoursForm(request.POST or None)
    if request.method == "POST":
        if form is None:
            messages.error(request, "Ce recours est déjà décidé : sa décision ne change plus.")
            return redirect("jurys:recours_detail", recours.pk)
        if form.is_valid():
            try:
                decider(
                    recours,
                    form.cleaned_data["issue"],
                    form.cleaned_data["motivation"],
                    by=request.user,
                )
            except JuryRefus as refusal:
                messages.error(request, refusal.message)
            else:
                messages.success(
                    request, "Issue du recours enregistrée ; le candidat en est informé."
                )
                return redirect("jurys:recours_detail", recours.pk)
    jury = recours.deliberation.jury
    return render(
        request,
        "jurys/recours_detail.html",
        {
            "recours": recours,
            "form": form,
            "jury": jury,
            "date_limite": date_limite(recours.pv, jury.certification.delai_recours_mois),
            "may_rectify": recours.issue == RecoursIssue.NOUVELLE_DELIBERATION
            and jury.status == JuryStatus.SIGNE,
        },
    )
