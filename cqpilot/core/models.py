"""Organisations, users and their roles.

A user belongs to one organisation: a certificateur (branche / CPNE or organisme certificateur)
or a partner organisme de formation. What a user may see is always derived from that organisation;
what a user may do comes from the roles.
"""

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models

from .validators import siret_problem


def of_own_organisation(queryset: models.QuerySet, user: "User") -> models.QuerySet:
    """Records (imports, generated files…) kept per organisation: the user's own, all for a
    super-administrator."""
    return queryset if user.is_superuser else queryset.filter(organisation=user.organisation)


class CertifierRecordsQuerySet(models.QuerySet):
    """Records a certifier keeps for itself (juries, sessions, documents issued…): its managers
    see them, partner OFs never; a super-administrator sees all. Least privilege by default: an
    area opens some records to another role by overriding visible_to (a jury member: their
    juries)."""

    def visible_to(self, user: "User") -> "CertifierRecordsQuerySet":
        if user.is_superuser:
            return self
        if not user.is_certificateur_manager:
            return self.none()
        return self.filter(organisation=user.organisation)


class OrganisationKind(models.TextChoices):
    BRANCHE = "branche", "Branche professionnelle / CPNE"
    ORGANISME_CERTIFICATEUR = "organisme_certificateur", "Organisme certificateur"
    ORGANISME_FORMATION = "organisme_formation", "Organisme de formation"
    # An architecte accompagnateur de parcours (AAP) of VAE candidates: it follows and fills the
    # dossiers it accompanies (Dossier.accompagnateur), scoped like a partner OF.
    ACCOMPAGNATEUR_VAE = "accompagnateur_vae", "Accompagnateur VAE (AAP)"


CERTIFICATEUR_KINDS = (OrganisationKind.BRANCHE, OrganisationKind.ORGANISME_CERTIFICATEUR)

siret_format = RegexValidator(r"^\d{14}$", "Le SIRET comporte exactement 14 chiffres.")


class OrganisationQuerySet(models.QuerySet):
    def managed_by(self, user: "User") -> "OrganisationQuerySet":
        """Organisations whose accounts `user` administers: only its own (every organisation for
        the platform's super-administrator). A certifier never manages a partner OF's accounts:
        it invites them (core.invitations), and the OF's administrator confirms them."""
        if user.is_superuser:
            return self
        if not user.can_manage_users:
            return self.none()
        return self.filter(pk=user.organisation_id)

    def habilitated_by(self, certifier: "Organisation") -> "OrganisationQuerySet":
        """Partner OFs holding a habilitation, whatever its status, on one of its certifications."""
        return self.filter(
            kind=OrganisationKind.ORGANISME_FORMATION,
            pk__in=self.model.objects.filter(
                habilitations__certification__certificateurs=certifier
            ).values("pk"),
        )

    def editable_by(self, user: "User") -> "OrganisationQuerySet":
        """Partner OFs whose record (raison sociale, SIRET, contacts) `user` may change: the OF's
        own administrator, the super-administrator, and the certifier that created the record as
        long as the OF has no administrator of its own and no other certifier habilitates it (a
        typo at creation can be corrected; another branch's partner cannot be rewritten)."""
        ofs = self.filter(kind=OrganisationKind.ORGANISME_FORMATION)
        if user.is_superuser:
            return ofs
        organisation = user.organisation
        if organisation is None or not user.has_role(Role.ADMINISTRATEUR, Role.GESTIONNAIRE):
            return ofs.none()
        if not organisation.is_certificateur:
            return ofs.filter(pk=organisation.pk) if user.can_manage_users else ofs.none()
        with_own_admin = User.objects.filter(
            roles__code=Role.ADMINISTRATEUR, limited_to_certifier=None
        ).values("organisation")
        other_certifiers = self.model.objects.filter(
            habilitations__certification__certificateurs__in=self.model.objects.exclude(
                pk=organisation.pk
            )
        )
        return (
            ofs.filter(created_by=organisation)
            .exclude(pk__in=with_own_admin)
            .exclude(pk__in=other_certifiers.values("pk"))
        )


class Organisation(models.Model):
    nom = models.CharField("raison sociale", max_length=250)
    kind = models.CharField("type", max_length=30, choices=OrganisationKind.choices)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[siret_format])
    idcc = models.CharField(
        "IDCC de la branche", max_length=4, blank=True, help_text="Pour une branche uniquement."
    )
    # Organismes de formation only.
    nda = models.CharField(
        "numéro de déclaration d'activité",
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^\d{11}$", "Le NDA comporte 11 chiffres.")],
    )
    qualiopi = models.BooleanField("certifié Qualiopi", default=False)
    qualiopi_date_fin = models.DateField("fin de validité Qualiopi", null=True, blank=True)
    contact_nom = models.CharField("contact", max_length=200, blank=True)
    contact_email = models.EmailField("courriel du contact", blank=True)
    contact_telephone = models.CharField("téléphone du contact", max_length=20, blank=True)
    created_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="fiche créée par",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["nom"]
        verbose_name = "organisation"

    def __str__(self) -> str:
        return self.nom

    def clean(self) -> None:
        if self.siret and (problem := siret_problem(self.siret)):
            raise ValidationError({"siret": problem})

    @property
    def is_certificateur(self) -> bool:
        return self.kind in CERTIFICATEUR_KINDS


class Role(models.TextChoices):
    ADMINISTRATEUR = "administrateur", "Administrateur"
    GESTIONNAIRE = "gestionnaire", "Gestionnaire de certification"
    EVALUATEUR = "evaluateur", "Évaluateur"
    MEMBRE_JURY = "membre_jury", "Membre de jury"
    ORGANISME_FORMATION = "organisme_formation", "Organisme de formation"
    ACCOMPAGNATEUR_VAE = "accompagnateur_vae", "Accompagnateur VAE"


class RoleGrant(models.Model):
    """One row per role, so that roles can be granted through a plain many-to-many."""

    code = models.CharField(max_length=30, primary_key=True, choices=Role.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = "rôle"

    def __str__(self) -> str:
        return Role(self.code).label


class UserQuerySet(models.QuerySet):
    def manageable_by(self, user: "User") -> "UserQuerySet":
        """Accounts `user` administers: those of its own organisation (every account for the
        platform's super-administrator)."""
        return self.filter(organisation__in=Organisation.objects.managed_by(user))


class AccountManager(UserManager.from_queryset(UserQuerySet)):
    # a named class: migrations serialise managers by their import path
    use_in_migrations = True


class User(AbstractUser):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    roles = models.ManyToManyField(RoleGrant, blank=True, related_name="users")
    # An account a certifier invited into a partner OF sees only that certifier's dossiers until
    # the OF's own administrator confirms it (README, « Qui voit quoi »).
    limited_to_certifier = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invited_accounts",
        verbose_name="invité par (à confirmer par l'OF)",
    )

    objects = AccountManager()

    class Meta:
        ordering = ["last_name", "first_name", "username"]
        verbose_name = "utilisateur"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.roles.values_list("code", flat=True))

    def has_role(self, *roles: Role) -> bool:
        return bool(self.role_codes.intersection(roles))

    @property
    def is_certificateur_staff(self) -> bool:
        return self.organisation is not None and self.organisation.is_certificateur

    @property
    def is_certificateur_manager(self) -> bool:
        """An administrateur or gestionnaire of a certificateur: who manages référentiels,
        partner OFs, dossiers' decisions and the accrochage."""
        if self.is_superuser:
            return True
        return self.is_certificateur_staff and self.has_role(Role.ADMINISTRATEUR, Role.GESTIONNAIRE)

    @property
    def can_manage_users(self) -> bool:
        return self.is_superuser or (
            self.organisation is not None
            and self.limited_to_certifier_id is None
            and self.has_role(Role.ADMINISTRATEUR)
        )

    @property
    def awaits_confirmation(self) -> bool:
        return self.limited_to_certifier_id is not None


class RateCounter(models.Model):
    """Requests counted per key (a hashed address, token or e-mail) and fixed time window, by
    one atomic statement (core.ratelimits): exact under concurrent requests and processes,
    which the file cache's read-then-write is not."""

    key = models.CharField(max_length=64)
    window_start = models.BigIntegerField()  # Unix time
    expires_at = models.BigIntegerField(db_index=True)
    hits = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="one_counter_per_window")
        ]

    def __str__(self) -> str:
        return f"{self.key[:8]}… {self.hits}"
