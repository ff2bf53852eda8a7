"""The forms of the certifier's VAE pages: thin, the rules are in recevabilite.py."""

from django import forms

from cqpilot.dossiers.models import Dossier
from cqpilot.referentiels.models import Bloc

from .models import NatureExperience, NiveauEcart
from .recevabilite import EXPERIENCES_MAX, TEXTE_MAX, DemandeSaisie, EcartSaisi, ExperienceSaisie

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _texte(label: str, rows: int = 3, required: bool = False, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXTE_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class DemandeForm(forms.Form):
    blocs = forms.ModelMultipleChoiceField(
        label="Blocs de compétences visés",
        queryset=Bloc.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Aucun coché : toute la certification.",
    )
    formations = _texte("Formations suivies")
    certifications_detenues = _texte("Diplômes et certifications obtenus")
    accompagnateur = forms.CharField(
        label="Accompagnateur (architecte accompagnateur de parcours)",
        required=False,
        max_length=200,
    )
    avis_accompagnateur = _texte("Avis de l'accompagnateur", help_text="S'il y en a un.")
    reference_france_vae = forms.CharField(
        label="Référence de la candidature France VAE",
        required=False,
        max_length=60,
        help_text="Quand la candidature vient du portail France VAE.",
    )
    ancien_regime = forms.BooleanField(
        label="Formulaire Cerfa 12818 (certification absente de France VAE)", required=False
    )
    declaration_honneur = forms.BooleanField(label="", required=False)

    def __init__(self, *args, dossier: Dossier, year: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["blocs"].queryset = dossier.version.blocs.order_by("ordre", "code")
        self.fields["blocs"].label_from_instance = lambda b: f"{b.code} — {b.intitule}"
        self.initial.setdefault("blocs", list(dossier.blocs_vises.all()))
        self.fields["declaration_honneur"].label = (
            f"Le candidat déclare sur l'honneur n'avoir déposé en {year}, auprès d'aucun "
            "certificateur, ni d'autre demande de recevabilité pour cette certification, ni de "
            "demandes pour trois autres certifications (hors demandes portant sur des blocs "
            "de compétences)."
        )


class ExperienceForm(forms.Form):
    intitule = forms.CharField(label="Emploi ou fonction", max_length=200)
    structure = forms.CharField(label="Employeur ou structure", max_length=200, required=False)
    # A blank first choice: an untouched extra row stays empty, and is ignored.
    nature = forms.ChoiceField(label="Nature", choices=[("", "—"), *NatureExperience.choices])
    duree_mois = forms.IntegerField(label="Durée (mois)", min_value=1, max_value=600)
    activites = _texte("Activités exercées", rows=2)


ExperienceFormSet = forms.formset_factory(
    ExperienceForm, extra=3, min_num=1, validate_min=True, max_num=EXPERIENCES_MAX
)


def saisie_of(form: DemandeForm, experiences) -> DemandeSaisie:
    data = form.cleaned_data
    return DemandeSaisie(
        experiences=[
            ExperienceSaisie(
                intitule=row["intitule"],
                structure=row.get("structure", ""),
                nature=row["nature"],
                duree_mois=row["duree_mois"],
                activites=row.get("activites", ""),
            )
            for row in experiences.cleaned_data
            if row
        ],
        declaration_honneur=data["declaration_honneur"],
        blocs=list(data["blocs"]),
        formations=data["formations"],
        certifications_detenues=data["certifications_detenues"],
        accompagnateur=data["accompagnateur"],
        avis_accompagnateur=data["avis_accompagnateur"],
        reference_france_vae=data["reference_france_vae"],
        ancien_regime=data["ancien_regime"],
    )


class PiecesForm(forms.Form):
    pieces = _texte(
        "Pièces manquantes",
        rows=4,
        required=True,
        help_text="Une par ligne ; le candidat reçoit cette liste par courriel.",
    )


class CompleteForm(forms.Form):
    le = forms.DateField(
        label="Complète le",
        widget=DATE_WIDGET,
        help_text="Le jour où le dossier complet est parvenu : le délai de décision en part.",
    )


class DecisionForm(forms.Form):
    """The decision, with one line of gap analysis per bloc of the perimeter (required) and
    per compétence of those blocs (optional)."""

    decision = forms.ChoiceField(
        label="Décision",
        choices=[("recevable", "Recevable"), ("non_recevable", "Non recevable")],
        widget=forms.RadioSelect,
    )
    motivation = _texte("Motivation (le candidat la lira)", rows=5, required=True)
    recommande_formation = forms.BooleanField(
        label="Recommander une formation complémentaire", required=False
    )
    recommande_pmsmp = forms.BooleanField(
        label="Recommander une période de mise en situation en milieu professionnel (PMSMP)",
        required=False,
    )
    recommandations = _texte("Recommandations précisées")

    def __init__(self, *args, blocs: list[Bloc], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lignes = []  # (bloc, competence or None, niveau field name, commentaire field name)
        for bloc in blocs:
            self._ligne(bloc, None, required=True)
            for competence in bloc.competences.order_by("ordre", "code"):
                self._ligne(bloc, competence, required=False)

    def _ligne(self, bloc, competence, *, required: bool) -> None:
        key = f"{bloc.pk}" + (f"-{competence.pk}" if competence else "")
        label = (
            f"{competence.code} — {competence.intitule}"
            if competence
            else f"{bloc.code} — {bloc.intitule}"
        )
        choices = NiveauEcart.choices if required else [("", "—"), *NiveauEcart.choices]
        self.fields[f"niveau-{key}"] = forms.ChoiceField(
            label=label, choices=choices, required=required
        )
        self.fields[f"commentaire-{key}"] = _texte(f"Commentaire ({label})", rows=1)
        self.lignes.append((bloc, competence, f"niveau-{key}", f"commentaire-{key}"))

    def ecarts(self) -> list[EcartSaisi]:
        data = self.cleaned_data
        return [
            EcartSaisi(
                bloc=bloc,
                competence=competence,
                niveau=data[niveau],
                commentaire=data.get(commentaire, ""),
            )
            for bloc, competence, niveau, commentaire in self.lignes
            if data.get(niveau)
        ]

    def rows(self):
        """For the template: each line's two bound fields."""
        return [
            (bloc, competence, self[niveau], self[commentaire])
            for bloc, competence, niveau, commentaire in self.lignes
        ]


class AvisForm(forms.Form):
    avis = forms.CharField(
        label="Avis de l'accompagnateur",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Le certificateur le lit avant de décider ; il ne change plus une fois la "
        "décision prise.",
    )
