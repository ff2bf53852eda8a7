from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.views.decorators.http import require_POST

from cqpilot.accueil.todo import sections_for
from cqpilot.referentiels.models import Certification, VersionStatus

from .forms import InvitationForm, UserForm
from .invitations import InvitationRefusee, confirm_account, invite_of_account
from .models import Organisation, User
from .permissions import MANAGE_CERTIFICATIONS, MANAGE_USERS, requires
from .tables import Column, table


@login_required
def home(request: HttpRequest) -> HttpResponse:
    certifications = (
        Certification.objects.visible_to(request.user)
        .annotate(
            drafts=Count("versions", filter=Q(versions__status=VersionStatus.BROUILLON)),
            published=Count("versions", filter=Q(versions__status=VersionStatus.PUBLIEE)),
        )
        .order_by("intitule")[:10]
    )
    return render(
        request,
        "core/home.html",
        {"certifications": certifications, "sections": sections_for(request.user)},
    )


def _users_visible_to(user: User):
    users = User.objects.select_related("organisation", "limited_to_certifier").prefetch_related(
        "roles"
    )
    return users if user.is_superuser else users.manageable_by(user)


@requires(MANAGE_USERS)
def user_list(request: HttpRequest) -> HttpResponse:
    users = table(
        request,
        _users_visible_to(request.user),
        columns=[
            Column("Nom", "last_name"),
            Column("Identifiant", "username"),
            Column("Organisation", "organisation__nom"),
            Column("Rôles"),
            Column("Actif", "is_active"),
        ],
        search_fields=["username", "first_name", "last_name", "email", "organisation__nom"],
        default_sort="last_name",
    )
    template = "core/_user_table.html" if request.htmx else "core/user_list.html"
    return render(request, template, {"table": users})


@requires(MANAGE_USERS)
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_object_or_404(_users_visible_to(request.user), pk=pk) if pk else None
    form = UserForm(request.POST or None, instance=instance, by=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, f"Utilisateur {user} enregistré.")
        return redirect("user_list")
    return render(request, "core/user_form.html", {"form": form, "edited": instance})


@requires(MANAGE_USERS)
@require_POST
def user_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    invited = get_object_or_404(_users_visible_to(request.user), pk=pk)
    try:
        confirm_account(invited, by=request.user)
    except InvitationRefusee as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Compte de {invited} confirmé : il voit tous vos dossiers.")
    return redirect("user_list")


@requires(MANAGE_CERTIFICATIONS)
def user_invite(request: HttpRequest, organisme_pk: int) -> HttpResponse:
    """A certifier invites a person into one of its partner OFs (never any other)."""
    if request.user.organisation is None:
        raise Http404
    organisme = get_object_or_404(
        Organisation.objects.habilitated_by(request.user.organisation), pk=organisme_pk
    )
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invited = invite_of_account(
                organisme,
                **form.cleaned_data,
                by=request.user,
                base_url=request.build_absolute_uri("/"),
            )
        except InvitationRefusee as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                f"Invitation envoyée à {invited.email}. Le compte ne verra que vos dossiers tant "
                f"que l'administrateur de {organisme} ne l'a pas confirmé.",
            )
            return redirect("dossiers:organisme_list")
    return render(request, "core/invitation_form.html", {"form": form, "organisme": organisme})


@requires(MANAGE_USERS)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = LogEntry.objects.select_related("actor", "content_type")
    if not request.user.is_superuser:
        entries = entries.filter(actor__organisation=request.user.organisation)
    log = table(
        request,
        entries,
        columns=[
            Column("Date", "timestamp"),
            Column("Auteur", "actor__last_name"),
            Column("Action", "action"),
            Column("Objet", "object_repr"),
            Column("Modifications"),
        ],
        search_fields=["object_repr", "actor__username", "actor__last_name"],
        default_sort="-timestamp",
        per_page=50,
    )
    return render(request, "core/audit_log.html", {"table": log})


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers and crawlers ask for /favicon.ico whatever the page says: send them to the
    static icon (its hashed name changes with it, hence not a permanent redirect)."""
    return redirect(static("core/favicon.ico"))
