from collections.abc import Sequence
from datetime import date

from django import forms
from django.conf import settings

from cqpilot.core.cells import CellError, refuse_control_characters
from cqpilot.core.french import accorde
from cqpilot.core.models import Organisation, OrganisationKind, User
from cqpilot.core.permissions import is_accompagnateur_vae
from cqpilot.core.uploads import megabytes, size_problem
from cqpilot.core.validators import normalise_nir, siret_problem
from cqpilot.referentiels.models import Bloc, Certification, ReferentielVersion, VersionStatus

from .eligibility import eligibility
from .identity import find_duplicates, identity_problems
from .models import (
    BlocAcquis,
    Candidat,
    DocumentType,
    Dossier,
    Financement,
    Habilitation,
    PieceExigee,
    PieceFormat,
    VoieAcces,
)
from .pieces import formats_label, pieces_of

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganismeForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = [
            "nom",
            "siret",
            "nda",
            "qualiopi",
            "qualiopi_date_fin",
            "contact_nom",
            "contact_email",
            "contact_telephone",
        ]
        widgets = {"qualiopi_date_fin": DATE_WIDGET}

    def save(self, commit: bool = True) -> Organisation:
        self.instance.kind = OrganisationKind.ORGANISME_FORMATION
        return super().save(commit)


class HabilitationForm(forms.ModelForm):
    class Meta:
        model = Habilitation
        fields = [
            "organisme",
            "certification",
            "scope",
            "blocs",
            "date_debut",
            "date_fin",
            "status",
        ]
        widgets = {
            "date_debut": DATE_WIDGET,
            "date_fin": DATE_WIDGET,
            "blocs": forms.CheckboxSelectMultiple,
        }
        labels = {"blocs": "Limitée aux blocs"}

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisme"].queryset = Organisation.objects.filter(
            kind=OrganisationKind.ORGANISME_FORMATION
        )
        certifications = Certification.objects.visible_to(by)
        self.fields["certification"].queryset = certifications
        self.fields["blocs"].queryset = Bloc.objects.filter(
            version__certification__in=certifications, version__status=VersionStatus.PUBLIEE
        ).select_related("version__certification")
        self.fields["blocs"].label_from_instance = lambda b: (
            f"{b.version.certification.intitule} v{b.version.numero} — {b.code} {b.intitule}"
        )

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_debut"), data.get("date_fin")
        if start and end and end < start:
            self.add_error("date_fin", "La fin de l'habilitation précède son début.")
        certification = data.get("certification")
        strangers = [
            b.code
            for b in data.get("blocs") or []
            if b.version.certification_id != getattr(certification, "pk", None)
        ]
        if strangers:
            self.add_error(
                "blocs",
                f"{accorde(len(strangers), 'Bloc')} {', '.join(strangers)} d'une autre certification.",
            )
        return data


IDENTITY_FIELDS = [
    "nom_naissance",
    "nom_usage",
    "prenom1",
    "prenom2",
    "prenom3",
    "sexe",
    "jour_naissance",
    "mois_naissance",
    "annee_naissance",
    "code_insee_naissance",
    "code_postal_naissance",
    "commune_naissance",
    "pays_naissance",
]


def no_control_character(value: str) -> None:
    """A control character typed or pasted into the identity is invisible on screen, and the
    CDC's XML cannot carry it: refused here rather than at the deposit, months later."""
    try:
        refuse_control_characters(value)
    except CellError as error:
        # The spreadsheet's wording (« retapez la cellule »), said of a field.
        message = str(error).replace("la cellule", "le champ")
        raise forms.ValidationError(message[:1].upper() + message[1:]) from error


def can_handle_nir(user: User) -> bool:
    # One policy point for the NIR: the certifier collects it for the CDC (docs/domaine.md §7.1).
    return user.is_certificateur_manager


class CandidatForm(forms.ModelForm):
    nouveau_nir = forms.CharField(
        label="NIR (numéro de sécurité sociale)",
        required=False,
        max_length=21,
        help_text="15 caractères, clé comprise. Facultatif ; transmis uniquement à la Caisse des "
        "Dépôts, stocké chiffré. Laissez vide pour conserver celui déjà enregistré.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    autre_personne = forms.BooleanField(
        label="J'ai vérifié : il s'agit bien d'une autre personne",
        required=False,
    )

    class Meta:
        model = Candidat
        fields = [
            *IDENTITY_FIELDS,
            "email",
            "telephone",
            "adresse",
            "situation",
            "employeur_siret",
            "employeur_idcc",
        ]
        widgets = {"adresse": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        for name in IDENTITY_FIELDS:
            if isinstance(self.fields[name], forms.CharField):
                self.fields[name].validators.append(no_control_character)
        # The NIR is collected by the certifier only, for the CDC (docs/domaine.md §7.1).
        if not can_handle_nir(by):
            del self.fields["nouveau_nir"]
        self.duplicates: list[Candidat] = []
        self.warnings: list[str] = []

    def clean(self) -> dict:
        data = super().clean()
        # A field refused already leaves out only the checks that need it: every other fault is
        # told at once, on the screen as in the API's 422.
        refused = set(self.errors)
        candidat = self.instance
        for name in IDENTITY_FIELDS:
            if name not in refused:
                setattr(candidat, name, data.get(name))
        nir = normalise_nir(data.get("nouveau_nir", ""))
        if nir:
            candidat.nir = nir
        birth = {"jour_naissance", "mois_naissance", "annee_naissance"}
        for problem in identity_problems(candidat):
            field = "nouveau_nir" if problem.field == "nir" else problem.field
            if field in refused or (field in birth and refused & birth):
                continue
            if not problem.blocking:
                self.warnings.append(problem.message)
            elif field in self.fields:
                self.add_error(field, problem.message)
            else:
                self.add_error(None, problem.message)
        if refused:
            return data  # a duplicate is looked for with a whole identity
        self.duplicates = find_duplicates(candidat, Candidat.objects.visible_to(self.by))
        if self.duplicates and not data.get("autre_personne"):
            self.add_error(
                "autre_personne",
                "Cette personne semble déjà inscrite (même nom de naissance, prénom et date de "
                "naissance). Vérifiez avant de créer un doublon.",
            )
        return data

    def clean_employeur_siret(self) -> str:
        siret = self.cleaned_data["employeur_siret"].strip()
        if siret and (problem := siret_problem(siret)):
            raise forms.ValidationError(problem)
        return siret

    def save(self, commit: bool = True) -> Candidat:
        if self.instance.pk is None:
            self.instance.created_by_organisation = self.by.organisation
        return super().save(commit)


def referencing_certifiers(structure: Organisation, on: date):
    """The certifiers that list this VAE accompanist as certified Qualiopi or labelled on `on`."""
    from cqpilot.vae.accompagnement import reconnu_le  # vae builds on dossiers
    from cqpilot.vae.models import Referencement

    return Referencement.objects.filter(reconnu_le(on), structure=structure).values("certificateur")


def accompaniment_holds(dossier: Dossier) -> bool:
    """A VAE dossier whose certification's certifier lists its accompanist."""
    if dossier.voie_acces != VoieAcces.VAE:
        return False
    from cqpilot.vae.models import Referencement

    return Referencement.objects.filter(
        structure=dossier.accompagnateur_id,
        certificateur__in=dossier.certification.certificateurs.all(),
    ).exists()


def enrollable_versions(user: User):
    """Published référentiels a user may open dossiers on: its own certifications for a
    certifier, those it is habilitated for for a partner OF, those open to VAE of the certifiers
    that list it for a VAE accompanist."""
    published = ReferentielVersion.objects.filter(status=VersionStatus.PUBLIEE).select_related(
        "certification"
    )
    organisation = user.organisation
    if user.is_superuser:
        versions = published
    elif organisation is not None and organisation.is_certificateur:
        versions = published.filter(certification__certificateurs=organisation)
    elif is_accompagnateur_vae(user):
        # a VAE accompanist: the certifications open to VAE of the certifiers that list it as
        # certified Qualiopi or labelled today
        certifiers = Organisation.objects.filter(
            pk__in=referencing_certifiers(organisation, date.today())
        )
        if user.limited_to_certifier_id:
            certifiers = certifiers.filter(pk=user.limited_to_certifier_id)
        versions = published.filter(
            certification__vae_ouverte=True,
            certification__certificateurs__in=certifiers.values("pk"),
        ).distinct()
    else:
        habilitations = Habilitation.objects.visible_to(user)
        versions = published.filter(
            certification__in=habilitations.values("certification")
        ).distinct()
    return versions.order_by("certification__intitule", "-numero")


class DossierForm(forms.ModelForm):
    class Meta:
        model = Dossier
        fields = [
            "version",
            "organisme",
            "voie_acces",
            "voie_vae",
            "initiative",
            "date_inscription",
            "experience_mois",
            "cpf",
            "blocs_vises",
        ]
        labels = {"version": "Certification et version du référentiel"}
        widgets = {
            "date_inscription": DATE_WIDGET,
            "blocs_vises": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        self.warnings: list[str] = []  # shown, never blocking (eligibility's avertissements)
        organisation = by.organisation
        self.fields["version"].queryset = enrollable_versions(by)
        self.fields["version"].label_from_instance = lambda v: (
            f"{v.certification} — version {v.numero}"
        )
        self.fields["version"].widget.attrs.update(
            {
                "hx-get": "blocs/",
                "hx-target": "#id_blocs_vises",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )
        self.accompagne = is_accompagnateur_vae(by)
        if self.accompagne:
            # an accompanist opens VAE dossiers, which it accompanies, with no OF
            self.fields["voie_acces"].choices = [(VoieAcces.VAE, VoieAcces.VAE.label)]
            self.initial["voie_acces"] = VoieAcces.VAE
        if organisation is not None and not organisation.is_certificateur and not by.is_superuser:
            del self.fields["organisme"]
        else:
            # the partners it habilitates, not every OF of the platform
            self.fields["organisme"].queryset = (
                Organisation.objects.filter(kind=OrganisationKind.ORGANISME_FORMATION)
                if by.is_superuser
                else Organisation.objects.habilitated_by(organisation)
            )
        version_id = self.data.get("version") or (
            self.instance.version_id if self.instance.pk else None
        )
        # only the blocs of a référentiel the user may open dossiers on (never another
        # certifier's draft, whatever `?version=` says)
        self.fields["blocs_vises"].queryset = (
            Bloc.objects.filter(
                version__in=self.fields["version"]
                .queryset.filter(pk=version_id)
                .order_by()
                .values("pk")
            )
            if str(version_id or "").isdigit()
            else Bloc.objects.none()
        )
        if self.instance.pk is None:
            self.initial["date_inscription"] = self.initial.get("date_inscription") or date.today()

    def clean(self) -> dict:
        data = super().clean()
        version = data.get("version")
        if self.errors or version is None:
            return data
        organisme = data.get("organisme") if "organisme" in self.fields else self.by.organisation
        if self.accompagne:
            # its own dossier has no OF; an OF's dossier it edits keeps its OF, checked as such
            organisme = self.instance.organisme if self.instance.pk else None
        outcome = eligibility(
            certification=version.certification,
            version=version,
            voie_acces=data["voie_acces"],
            date_inscription=data["date_inscription"],
            organisme=organisme,
            experience_mois=data.get("experience_mois"),
            cpf=data.get("cpf", False),
            blocs_vises=list(data.get("blocs_vises") or []),
            voie_vae=data.get("voie_vae", ""),
        )
        for refus in outcome.refus:
            self.add_error(refus.field if refus.field in self.fields else None, refus.message)
        self.warnings = [str(avertissement) for avertissement in outcome.avertissements]
        return data

    def save(self, commit: bool = True) -> Dossier:
        dossier = self.instance
        dossier.certification = self.cleaned_data["version"].certification
        if self.accompagne:
            if dossier.pk is None:  # the dossier it opens: accompanied by it, with no OF
                dossier.organisme = None
                dossier.accompagnateur = self.by.organisation
        elif "organisme" not in self.fields:
            dossier.organisme = self.by.organisation
        if dossier.accompagnateur_id and not accompaniment_holds(dossier):
            # moved off VAE, or to a certifier that does not list its accompanist: it leaves
            dossier.accompagnateur = None
        if dossier.pk is None:
            dossier.created_by = self.by
        return super().save(commit)


class FinancementForm(forms.ModelForm):
    class Meta:
        model = Financement
        fields = [
            "dispositif",
            "financeur",
            "frais_pedagogiques",
            "remuneration",
            "heures",
            "numero_prise_en_charge",
            "status",
        ]


class CandidatImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier des candidats (xlsx ou csv)",
        help_text="Partez du modèle : une ligne par candidat et par certification visée.",
    )
    lignes_valides = forms.BooleanField(
        label="Importer seulement les lignes valides (les lignes en erreur sont ignorées)",
        required=False,
    )

    def clean_fichier(self):
        upload = self.cleaned_data["fichier"]
        if problem := size_problem(upload, settings.IMPORT_MAX_SIZE):
            raise forms.ValidationError(f"{problem} Découpez-le.")
        return upload


class DocumentForm(forms.Form):
    """The pièces exigées the user may deposit first (`piece:<id>`), then the free types: all
    of them while the certification has no pièce exigée, « Autre » once it has."""

    type = forms.ChoiceField(label="Type de document", choices=DocumentType.choices)
    fichier = forms.FileField(label="Fichier")

    def __init__(
        self,
        *args,
        pieces: Sequence[PieceExigee] = (),
        has_pieces: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        limit = megabytes(settings.PIECE_MAX_SIZE)
        self.fields["fichier"].help_text = f"PDF, image ou document bureautique, {limit} au plus."
        self.pieces = {f"piece:{p.pk}": p for p in pieces}
        others = [(DocumentType.AUTRE.value, "Autre document")] if has_pieces else None
        if self.pieces:
            self.fields["type"].choices = [
                (
                    "Pièces exigées",
                    [(key, f"{p.libelle} ({formats_label(p)})") for key, p in self.pieces.items()],
                ),
                ("Autres documents", others or DocumentType.choices),
            ]
        elif others:
            self.fields["type"].choices = others

    @classmethod
    def for_dossier(cls, dossier: Dossier, user: User, *args, **kwargs) -> "DocumentForm":
        from .documents import depositable_pieces  # documents → workflow → forms' siblings

        return cls(
            *args,
            pieces=depositable_pieces(dossier, user),
            has_pieces=bool(pieces_of(dossier)),
            **kwargs,
        )

    @property
    def piece(self) -> PieceExigee | None:
        return self.pieces.get(self.cleaned_data["type"])


class EquivalenceForm(forms.ModelForm):
    class Meta:
        model = BlocAcquis
        fields = ["bloc", "date_obtention", "commentaire"]
        labels = {"bloc": "Bloc acquis par équivalence"}
        widgets = {"date_obtention": DATE_WIDGET, "commentaire": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bloc"].queryset = Bloc.objects.filter(
            version__status=VersionStatus.PUBLIEE,
            version__certification__in=Certification.objects.visible_to(by),
        ).select_related("version__certification")
        self.fields["bloc"].label_from_instance = lambda b: (
            f"{b.version.certification.intitule} v{b.version.numero} — {b.code} {b.intitule}"
        )


class PieceExigeeForm(forms.ModelForm):
    formats = forms.MultipleChoiceField(
        label="Formats acceptés",
        choices=PieceFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[PieceFormat.PDF],
    )
    voies_acces = forms.MultipleChoiceField(
        label="Voies d'accès concernées",
        choices=VoieAcces.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Aucune cochée : toutes les voies d'accès.",
    )

    class Meta:
        model = PieceExigee
        fields = [
            "libelle",
            "formats",
            "etat_requis",
            "voies_acces",
            "depot_of",
            "depot_certificateur",
            "depot_candidat",
            "visible_of",
            "ordre",
            "archivee",
        ]
        help_texts = {
            "depot_candidat": "Le candidat la dépose depuis son espace candidat.",
            "visible_of": "Décochée : l'organisme ne voit ni la pièce ni ses documents.",
            "ordre": "Les pièces s'affichent dans cet ordre.",
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["etat_requis"].choices = [("", "Jamais (pièce facultative)")] + [
            c for c in self.fields["etat_requis"].choices if c[0]
        ]

    def clean_libelle(self) -> str:
        libelle = self.cleaned_data["libelle"].strip()
        no_control_character(libelle)
        return libelle

    def clean(self) -> dict:
        data = super().clean()
        if not (
            data.get("depot_of") or data.get("depot_certificateur") or data.get("depot_candidat")
        ):
            raise forms.ValidationError("Indiquez qui peut déposer cette pièce.")
        if data.get("depot_of") and not data.get("visible_of"):
            self.add_error(
                "visible_of", "L'organisme dépose cette pièce : elle doit lui être visible."
            )
        return data
