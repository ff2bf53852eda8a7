from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from cqpilot.referentiels.models import Certification, VersionStatus

from .forms import UserForm
from .models import Organisation, User
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
    return render(request, "core/home.html", {"certifications": certifications})


def _users_visible_to(user: User):
    users = User.objects.select_related("organisation").prefetch_related("roles")
    if user.is_superuser:
        return users
    return users.filter(organisation__in=Organisation.objects.managed_by(user))


def _require_user_manager(request: HttpRequest) -> None:
    if not request.user.can_manage_users:
        raise PermissionDenied("Réservé aux administrateurs.")


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    _require_user_manager(request)
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


@login_required
def user_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_user_manager(request)
    instance = get_object_or_404(_users_visible_to(request.user), pk=pk) if pk else None
    form = UserForm(request.POST or None, instance=instance, by=request.user)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        messages.success(request, f"Utilisateur {user} enregistré.")
        return redirect("user_list")
    return render(request, "core/user_form.html", {"form": form, "edited": instance})


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    _require_user_manager(request)
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
