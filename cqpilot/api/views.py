"""The screens of the API: personal tokens, and the webhook of a partner OF with its
delivery log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cqpilot.core.accounts.reauth import recent_authentication_required
from cqpilot.core.models import OrganisationKind

from .forms import JetonForm, WebhookForm
from .models import Livraison, Webhook
from .tokens import create_token, revoke
from .webhooks import new_secret, resend

LOG_SIZE = 100


@login_required
def jetons(request: HttpRequest) -> HttpResponse:
    form = JetonForm(request.POST or None)
    created_key = None
    if request.method == "POST" and form.is_valid():
        # a token reads what its user reads, without the second factor: confirm who asks first
        if (confirm := recent_authentication_required(request)) is not None:
            return confirm
        _jeton, created_key = create_token(request.user, form.cleaned_data["nom"])
        form = JetonForm()
    return render(
        request,
        "api/jetons.html",
        {
            "form": form,
            "created_key": created_key,
            "jetons": request.user.jetons_api.all(),
            "has_webhook": _is_partner_of(request),
        },
    )


@login_required
@require_POST
def revoquer(request: HttpRequest, pk: int) -> HttpResponse:
    jeton = get_object_or_404(request.user.jetons_api, pk=pk)
    revoke(jeton)
    messages.success(request, f"Jeton « {jeton.nom} » révoqué : il ne donne plus accès à l'API.")
    return redirect("api_ui:jetons")


def _is_partner_of(request: HttpRequest) -> bool:
    """The OF's webhook receives every certifier's events for the OF: an account still awaiting
    the OF's confirmation (core.invitations) does not set it."""
    organisation = request.user.organisation
    return (
        organisation is not None
        and organisation.kind == OrganisationKind.ORGANISME_FORMATION
        and not request.user.awaits_confirmation
    )


@login_required
def webhook(request: HttpRequest) -> HttpResponse:
    """An OF's endpoint, its secret and its delivery log (the last 100 events)."""
    if not _is_partner_of(request):
        raise PermissionDenied("Les webhooks sont proposés aux organismes de formation.")
    organisation = request.user.organisation
    instance = Webhook.objects.filter(organisation=organisation).first()
    form = WebhookForm(request.POST or None, instance=instance)
    if request.method == "POST" and "nouveau_secret" in request.POST and instance:
        instance.secret = new_secret()
        instance.save(update_fields=["secret", "updated_at"])
        messages.success(request, "Nouveau secret créé : mettez à jour votre application.")
        return redirect("api_ui:webhook")
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.organisation = organisation
        saved.secret = saved.secret or new_secret()
        saved.save()
        messages.success(request, "Webhook enregistré.")
        return redirect("api_ui:webhook")
    livraisons = (
        Livraison.objects.filter(webhook=instance)[:LOG_SIZE]
        if instance
        else Livraison.objects.none()
    )
    return render(
        request,
        "api/webhook.html",
        {"form": form, "webhook": instance, "livraisons": livraisons},
    )


@login_required
@require_POST
def renvoyer(request: HttpRequest, pk: int) -> HttpResponse:
    if not _is_partner_of(request):
        raise PermissionDenied("Les webhooks sont proposés aux organismes de formation.")
    livraison = get_object_or_404(Livraison, pk=pk, webhook__organisation=request.user.organisation)
    with transaction.atomic():
        resend(livraison)
    messages.success(request, "Livraison relancée.")
    return redirect("api_ui:webhook")
