import re

from django import forms
from django.db import transaction
from django.db.models import Max

from cqpilot.core.french import accorde
from cqpilot.core.models import CERTIFICATEUR_KINDS, Organisation, User

from .models import (
    Activite,
    Bloc,
    Certification,
    CertificationCode,
    CertificationType,
    CodeKind,
    Competence,
    CorrespondanceBloc,
    CritereEvaluation,
    ListeProA,
    Modalite,
    ReferentielVersion,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CODE_FIELDS = {
    "codes_nsf": CodeKind.NSF,
    "codes_rome": CodeKind.ROME,
    "formacodes": CodeKind.FORMACODE,
}
CODE_PATTERNS = {
    CodeKind.NSF: (
        re.compile(r"^\d{3}[a-z]?$"),
        "trois chiffres et une lettre éventuelle (ex. 251r)",
    ),
    CodeKind.ROME: (re.compile(r"^[A-N]\d{4}$"), "une lettre et quatre chiffres (ex. I1304)"),
    CodeKind.FORMACODE: (re.compile(r"^\d{5}$"), "cinq chiffres (ex. 23054)"),
}


VAE_SETTINGS = (
    "delai_recevabilite_vae_mois",
    "silence_recevabilite_vae",
    "validite_recevabilite_vae_mois",
)


class CertificationForm(forms.ModelForm):
    codes_nsf = forms.CharField(
        label="Codes NSF",
        required=False,
        help_text="Séparés par des virgules, par exemple 251r, 250.",
    )
    codes_rome = forms.CharField(
        label="Codes ROME", required=False, help_text="Séparés par des virgules, par exemple I1304."
    )
    formacodes = forms.CharField(
        label="Formacodes", required=False, help_text="Séparés par des virgules, par exemple 23054."
    )

    class Meta:
        model = Certification
        fields = [
            "intitule",
            "type",
            "code_rncp_rs",
            "niveau",
            "certificateurs",
            "status",
            "date_decision",
            "date_fin_enregistrement",
            "vae_ouverte",
            "experience_min_vae_mois",
            "validite_blocs_mois",
            "blocs_optionnels_requis",
            "delai_recours_mois",
            "delai_recevabilite_vae_mois",
            "silence_recevabilite_vae",
            "validite_recevabilite_vae_mois",
        ]
        widgets = {
            "intitule": forms.TextInput(),
            "certificateurs": forms.CheckboxSelectMultiple,
            "date_decision": DATE_WIDGET,
            "date_fin_enregistrement": DATE_WIDGET,
        }

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.by = by
        self.fields["delai_recours_mois"].required = False
        for name in VAE_SETTINGS:
            self.fields[name].required = False
        self.fields["certificateurs"].queryset = Organisation.objects.filter(
            kind__in=CERTIFICATEUR_KINDS
        )
        if self.instance.pk:
            for name, kind in CODE_FIELDS.items():
                self.fields[name].initial = ", ".join(
                    c.code for c in self.instance.codes.all() if c.kind == kind
                )
        elif by.organisation is not None:
            self.fields["certificateurs"].initial = [by.organisation.pk]

    def _clean_codes(self, name: str) -> list[str]:
        kind = CODE_FIELDS[name]
        pattern, expected = CODE_PATTERNS[kind]
        codes = [
            c.strip() for c in self.cleaned_data[name].replace(";", ",").split(",") if c.strip()
        ]
        wrong = [c for c in codes if not pattern.match(c)]
        if wrong:
            raise forms.ValidationError(
                f"{accorde(len(wrong), 'Code')} {', '.join(wrong)} "
                f"{accorde(len(wrong), 'mal formé', 'mal formés')} : attendu {expected}."
            )
        return list(dict.fromkeys(codes))

    def clean_codes_nsf(self) -> list[str]:
        return self._clean_codes("codes_nsf")

    def clean_codes_rome(self) -> list[str]:
        return self._clean_codes("codes_rome")

    def clean_formacodes(self) -> list[str]:
        return self._clean_codes("formacodes")

    def clean_delai_recours_mois(self) -> int:
        # Left empty (or absent from an older form): the documented default, 2 months.
        value = self.cleaned_data.get("delai_recours_mois")
        default = Certification._meta.get_field("delai_recours_mois").default
        return default if value is None else value

    def _default_if_empty(self, name: str):
        # Left empty (or absent from an older form): the documented default (docs/vae.md).
        value = self.cleaned_data.get(name)
        return Certification._meta.get_field(name).default if value in (None, "") else value

    def clean_delai_recevabilite_vae_mois(self) -> int:
        return self._default_if_empty("delai_recevabilite_vae_mois")

    def clean_silence_recevabilite_vae(self) -> str:
        return self._default_if_empty("silence_recevabilite_vae")

    def clean_validite_recevabilite_vae_mois(self) -> int:
        return self._default_if_empty("validite_recevabilite_vae_mois")

    def clean(self) -> dict:
        data = super().clean()
        owners = data.get("certificateurs")
        if owners is not None:
            if data.get("type") == CertificationType.CQPI and owners.count() < 2:
                self.add_error(
                    "certificateurs",
                    "Un CQPI est porté par au moins deux branches professionnelles.",
                )
            organisation = self.by.organisation
            if not self.by.is_superuser and organisation not in owners:
                self.add_error(
                    "certificateurs",
                    f"{organisation} doit rester parmi les certificateurs, sinon vous perdriez "
                    "l'accès à cette certification.",
                )
            # A co-certifier never takes a CQPI from its partners: only the super-administrator
            # (or the certifier itself, by its own managers) removes a certifier.
            removed = (
                set(self.instance.certificateurs.exclude(pk=getattr(organisation, "pk", None)))
                - set(owners)
                if self.instance.pk and not self.by.is_superuser
                else set()
            )
            if removed:
                names = ", ".join(sorted(str(o) for o in removed))
                self.add_error(
                    "certificateurs",
                    f"Vous ne pouvez pas retirer {names} : seul l'administrateur de la plateforme "
                    "retire un certificateur.",
                )
        return data

    @transaction.atomic
    def save(self, commit: bool = True) -> Certification:
        certification = super().save(commit=True)
        for name, kind in CODE_FIELDS.items():
            wanted = self.cleaned_data[name]
            certification.codes.filter(kind=kind).exclude(code__in=wanted).delete()
            existing = set(certification.codes.filter(kind=kind).values_list("code", flat=True))
            CertificationCode.objects.bulk_create(
                CertificationCode(certification=certification, kind=kind, code=code)
                for code in wanted
                if code not in existing
            )
        return certification


class ListeProAForm(forms.ModelForm):
    codes = forms.CharField(
        label="Certifications de la liste (codes RNCP)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Les codes RNCP que l'accord étendu ouvre à la Pro-A, séparés par des virgules "
        "ou des retours à la ligne, par exemple RNCP39912, RNCP38345.",
    )

    class Meta:
        model = ListeProA
        fields = ["accord", "date_extension", "codes"]
        widgets = {"accord": forms.TextInput(), "date_extension": DATE_WIDGET}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["codes"].initial = ", ".join(self.instance.codes_rncp)

    def clean_codes(self) -> list[str]:
        text = self.cleaned_data["codes"].upper()
        codes = ["".join(c.split()) for c in re.split(r"[,;\n]", text) if c.strip()]
        # Pro-A leads to an RNCP certification only (L6324-3 Code du travail; docs/domaine.md §4.1).
        wrong = [c for c in codes if not re.fullmatch(r"RNCP\d{1,6}", c)]
        if wrong:
            raise forms.ValidationError(
                f"{', '.join(wrong)} : la Pro-A ne concerne que des certifications enregistrées "
                "au RNCP (codes de la forme RNCP12345)."
            )
        return list(dict.fromkeys(codes))

    def save(self, commit: bool = True) -> ListeProA:
        self.instance.codes_rncp = self.cleaned_data["codes"]
        return super().save(commit)


class VersionForm(forms.ModelForm):
    class Meta:
        model = ReferentielVersion
        fields = ["description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class VersionContentForm(forms.ModelForm):
    """Base of the forms editing a draft version's content."""

    def __init__(self, *args, version: ReferentielVersion, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        if hasattr(self.instance, "version_id") and not self.instance.version_id:
            self.instance.version = version
        for name in ("activite", "bloc"):
            if name in self.fields:
                model = Activite if name == "activite" else Bloc
                self.fields[name].queryset = model.objects.filter(version=version)
        if "ordre" in self.fields and not self.instance.pk:
            self.initial.setdefault("ordre", self._next_ordre())

    def _next_ordre(self) -> int:
        """New content goes after the version's last one (0 would put it before the first)."""
        model = self._meta.model
        siblings = (
            model.objects.filter(bloc__version=self.version)
            if model is Modalite
            else model.objects.filter(version=self.version)
        )
        return (siblings.aggregate(last=Max("ordre"))["last"] or 0) + 1

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        duplicates = self._meta.model.objects.filter(version=self.version, code=code)
        if self.instance.pk:
            duplicates = duplicates.exclude(pk=self.instance.pk)
        if duplicates.exists():
            raise forms.ValidationError(f"Le code {code} est déjà utilisé dans cette version.")
        return code


class ActiviteForm(VersionContentForm):
    class Meta:
        model = Activite
        fields = ["code", "intitule", "description", "ordre"]
        widgets = {"intitule": forms.TextInput(), "description": forms.Textarea(attrs={"rows": 3})}


class CompetenceForm(VersionContentForm):
    class Meta:
        model = Competence
        fields = ["activite", "code", "intitule", "ordre"]
        labels = {"activite": "Activité"}
        widgets = {"intitule": forms.Textarea(attrs={"rows": 2})}


CritereFormSet = forms.inlineformset_factory(
    Competence,
    CritereEvaluation,
    fields=["intitule", "indicateurs", "ordre"],
    widgets={
        "intitule": forms.Textarea(attrs={"rows": 2}),
        "indicateurs": forms.Textarea(attrs={"rows": 2}),
    },
    extra=2,
    can_delete=True,
)


class BlocForm(VersionContentForm):
    class Meta:
        model = Bloc
        fields = [
            "code",
            "intitule",
            "est_optionnel",
            "competences",
            "competences_texte",
            "modalites_texte",
            "ordre",
        ]
        labels = {"competences": "Compétences"}
        widgets = {
            "intitule": forms.TextInput(),
            "competences": forms.CheckboxSelectMultiple,
            "competences_texte": forms.Textarea(attrs={"rows": 4}),
            "modalites_texte": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competences"].queryset = Competence.objects.filter(version=self.version)

    def clean(self) -> dict:
        data = super().clean()
        if refusal := self.version.certification.bloc_refusal():
            raise forms.ValidationError(refusal)
        return data


class ModaliteForm(VersionContentForm):
    class Meta:
        model = Modalite
        fields = [
            "bloc",
            "type",
            "intitule",
            "description",
            "duree_minutes",
            "notation",
            "note_sur",
            "seuil",
            "coefficient",
            "ordre",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class CorrespondanceForm(VersionContentForm):
    class Meta:
        model = CorrespondanceBloc
        fields = ["bloc", "bloc_cible", "fiche_cible", "code_bloc_cible", "kind", "commentaire"]
        widgets = {"commentaire": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "bloc_cible": "Un bloc d'une autre certification gérée dans cqpilot, ou bien…",
            "fiche_cible": "…le numéro de la fiche RNCP/RS d'une certification d'un autre "
            "certificateur, et le code de son bloc.",
        }

    def __init__(self, *args, by: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bloc_cible"].queryset = (
            Bloc.objects.filter(version__certification__in=Certification.objects.visible_to(by))
            .exclude(version__certification=self.version.certification)
            .select_related("version__certification")
        )
        self.fields["bloc_cible"].label_from_instance = lambda bloc: (
            f"{bloc.version.certification.intitule} v{bloc.version.numero} — "
            f"{bloc.code} {bloc.intitule}"
        )

    def clean_fiche_cible(self) -> str:
        return self.cleaned_data["fiche_cible"].strip().upper()


class RncpImportForm(forms.Form):
    fichier = forms.FileField(
        label="Export France compétences (XML ou zip)",
        help_text="Le fichier export_fiches_RNCP_V4_1_….xml ou export_fiches_RS_V4_1_….xml, "
        "ou le zip publié sur data.gouv.fr.",
    )
    fiche = forms.CharField(
        label="Fiche à importer",
        required=False,
        max_length=12,
        help_text="Par exemple RNCP38001. Vide : toutes les fiches du fichier.",
    )
    importer_valides = forms.BooleanField(
        label="Importer les fiches valides même si d'autres sont en erreur",
        required=False,
    )
    comme_modele = forms.BooleanField(
        label="Importer quand même comme modèle les fiches dont votre organisation n'est pas "
        "certificatrice",
        required=False,
        help_text="Chacune devient une certification de votre organisation seule, sans numéro "
        "RNCP ou RS, pour servir de point de départ à votre propre référentiel. La certification "
        "d'un autre certificateur n'est jamais modifiée.",
    )

    def __init__(self, *args, organisation: Organisation | None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.organisation = organisation

    def clean_comme_modele(self) -> bool:
        if self.cleaned_data["comme_modele"] and self.organisation is None:
            raise forms.ValidationError(
                "Un modèle appartient à une organisation : vous n'en avez pas."
            )
        return self.cleaned_data["comme_modele"]

    def clean_fiche(self) -> str:
        fiche = self.cleaned_data["fiche"].strip().upper()
        if fiche and not re.match(r"^(RNCP|RS)\d{1,6}$", fiche):
            raise forms.ValidationError("Le numéro de fiche a la forme RNCP12345 ou RS1234.")
        return fiche
