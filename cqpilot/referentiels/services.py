"""Business operations on certifications and référentiel versions: delete, publish, copy,
compare."""

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max, Prefetch, ProtectedError, RestrictedError
from django.utils import timezone

from cqpilot.core.french import compte
from cqpilot.core.models import User

from .models import (
    Activite,
    Bloc,
    Certification,
    Competence,
    CorrespondanceBloc,
    CritereEvaluation,
    Modalite,
    ReferentielVersion,
    VersionStatus,
)


class OperationRefusee(Exception):
    """A business rule refuses the operation; `problems` are French sentences for the user."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


def deletion_problems(certification: Certification, *, by: User) -> list[str]:
    """What prevents `by` from deleting the certification, as sentences; empty when it may.

    A certification is deleted only while nothing records its use (a dossier, a session, a jury),
    and only by its sole certifier: deleting a shared one would take it from the others."""
    problems = []
    others = [o for o in certification.certificateurs.all() if o.pk != by.organisation_id]
    if others and not by.is_superuser:
        problems.append(
            f"La certification est aussi portée par {', '.join(str(o) for o in others)} : seul "
            "un super-administrateur peut la supprimer."
        )
    uses = [
        f"{count} {singular if count == 1 else plural}"
        for count, singular, plural in (
            (certification.dossiers.count(), "dossier", "dossiers"),
            (
                certification.sessions_evaluation.count(),
                "session d'évaluation",
                "sessions d'évaluation",
            ),
            (certification.jurys.count(), "jury", "jurys"),
        )
        if count
    ]
    if uses:
        problems.append(
            f"La certification a {' et '.join(uses)} : elle ne peut plus être supprimée. "
            "Passez-la plutôt au statut « Inactive / archivée »."
        )
    return problems


@transaction.atomic
def delete_certification(certification: Certification, *, by: User) -> None:
    """Delete the certification with its versions, codes and habilitations (each removal is
    written in the journal by auditlog)."""
    # Locked: a dossier created meanwhile waits for the deletion, then finds no certification.
    certification = Certification.objects.select_for_update().get(pk=certification.pk)
    problems = deletion_problems(certification, by=by)
    if problems:
        raise OperationRefusee(problems)
    try:
        certification.delete()
    except (ProtectedError, RestrictedError) as error:
        raise OperationRefusee(
            ["La certification est encore utilisée dans cqpilot : elle ne peut pas être supprimée."]
        ) from error


def publication_problems(version: ReferentielVersion) -> list[str]:
    """What prevents publishing this version, as sentences a gestionnaire can act on."""
    problems = []
    if version.is_published:
        return ["Cette version est déjà publiée."]
    blocs = list(version.blocs.prefetch_related("modalites"))
    certification = version.certification
    if refusal := certification.bloc_refusal():
        if blocs:
            codes = ", ".join(bloc.code for bloc in blocs)
            plural = "s" if len(blocs) > 1 else ""
            return [f"{refusal} Supprimez le{plural} bloc{plural} {codes} avant de publier."]
        if not version.competences.exists():
            return [
                "Le référentiel doit décrire au moins une compétence (les capacités attestées "
                "de la fiche RS)."
            ]
        return []
    if not blocs:
        problems.append("Le référentiel doit comporter au moins un bloc de compétences.")
    for bloc in blocs:
        if not bloc.modalites.all() and not bloc.modalites_texte.strip():
            problems.append(f"Le bloc {bloc.code} n'a aucune modalité d'évaluation.")
    optionnels = sum(1 for bloc in blocs if bloc.est_optionnel)
    requis = certification.blocs_optionnels_requis
    if requis > optionnels:
        problems.append(
            f"La certification exige {compte(requis, 'bloc optionnel', 'blocs optionnels')} "
            "mais cette version n'en "
            f"propose que {optionnels}."
        )
    return problems


@transaction.atomic
def publish_version(version: ReferentielVersion, *, by: User) -> ReferentielVersion:
    version = ReferentielVersion.objects.select_for_update().get(pk=version.pk)
    problems = publication_problems(version)
    if problems:
        raise OperationRefusee(problems)
    version.status = VersionStatus.PUBLIEE
    version.published_at = timezone.now()
    version.published_by = by
    version.save()
    return version


def draft_of(certification: Certification) -> ReferentielVersion | None:
    return certification.versions.filter(status=VersionStatus.BROUILLON).first()


def next_version_number(certification: Certification) -> int:
    return (certification.versions.aggregate(m=Max("numero"))["m"] or 0) + 1


@transaction.atomic
def create_empty_version(
    certification: Certification, *, by: User, description: str = ""
) -> ReferentielVersion:
    existing = draft_of(certification)
    if existing:
        raise OperationRefusee(
            [f"La version {existing.numero} est encore en brouillon : terminez-la d'abord."]
        )
    return ReferentielVersion.objects.create(
        certification=certification,
        numero=next_version_number(certification),
        description=description,
        source="Saisie",
    )


@transaction.atomic
def copy_version(source: ReferentielVersion, *, by: User) -> ReferentielVersion:
    """Start a new draft version holding a copy of everything in `source`."""
    certification = source.certification
    existing = draft_of(certification)
    if existing:
        raise OperationRefusee(
            [f"La version {existing.numero} est encore en brouillon : terminez-la d'abord."]
        )
    copy = ReferentielVersion.objects.create(
        certification=certification,
        numero=next_version_number(certification),
        description=f"Nouvelle version établie à partir de la version {source.numero}.",
        copied_from=source,
        source=f"Copie de la version {source.numero}",
    )
    activites = {}
    for activite in source.activites.all():
        activites[activite.pk] = Activite.objects.create(
            version=copy,
            code=activite.code,
            intitule=activite.intitule,
            description=activite.description,
            ordre=activite.ordre,
        )
    competences = {}
    for competence in source.competences.prefetch_related("criteres"):
        competences[competence.pk] = new = Competence.objects.create(
            version=copy,
            activite=activites.get(competence.activite_id),
            code=competence.code,
            intitule=competence.intitule,
            ordre=competence.ordre,
        )
        CritereEvaluation.objects.bulk_create(
            CritereEvaluation(
                competence=new,
                intitule=critere.intitule,
                indicateurs=critere.indicateurs,
                ordre=critere.ordre,
            )
            for critere in competence.criteres.all()
        )
    blocs = source.blocs.prefetch_related("competences", "modalites", "correspondances")
    for bloc in blocs:
        new_bloc = Bloc.objects.create(
            version=copy,
            code=bloc.code,
            intitule=bloc.intitule,
            est_optionnel=bloc.est_optionnel,
            competences_texte=bloc.competences_texte,
            modalites_texte=bloc.modalites_texte,
            ordre=bloc.ordre,
        )
        new_bloc.competences.set([competences[c.pk] for c in bloc.competences.all()])
        for modalite in bloc.modalites.all():
            Modalite.objects.create(
                bloc=new_bloc,
                type=modalite.type,
                intitule=modalite.intitule,
                description=modalite.description,
                duree_minutes=modalite.duree_minutes,
                notation=modalite.notation,
                note_sur=modalite.note_sur,
                seuil=modalite.seuil,
                coefficient=modalite.coefficient,
                ordre=modalite.ordre,
            )
        for correspondance in bloc.correspondances.all():
            CorrespondanceBloc.objects.create(
                bloc=new_bloc,
                bloc_cible=correspondance.bloc_cible,
                fiche_cible=correspondance.fiche_cible,
                code_bloc_cible=correspondance.code_bloc_cible,
                kind=correspondance.kind,
                commentaire=correspondance.commentaire,
            )
    return copy


# --- Comparing two versions -------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    before: str
    after: str


@dataclass
class ItemChange:
    kind: str  # "ajout", "suppression" or "modification"
    code: str
    label: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class VersionDiff:
    activites: list[ItemChange]
    competences: list[ItemChange]
    blocs: list[ItemChange]

    @property
    def is_empty(self) -> bool:
        return not (self.activites or self.competences or self.blocs)


def _compare(
    before: dict[str, dict[str, str]], after: dict[str, dict[str, str]], labels: dict[str, str]
) -> list[ItemChange]:
    changes = []
    for code in sorted(before.keys() | after.keys()):
        old, new = before.get(code), after.get(code)
        if old is None:
            changes.append(ItemChange("ajout", code, new["intitule"]))
        elif new is None:
            changes.append(ItemChange("suppression", code, old["intitule"]))
        else:
            fields = [
                FieldChange(label, old[key], new[key])
                for key, label in labels.items()
                if old[key] != new[key]
            ]
            if fields:
                changes.append(ItemChange("modification", code, new["intitule"], fields))
    return changes


def _snapshot(version: ReferentielVersion) -> dict[str, dict[str, dict[str, str]]]:
    activites = {
        a.code: {"intitule": a.intitule, "description": a.description}
        for a in version.activites.all()
    }
    competences = {
        c.code: {
            "intitule": c.intitule,
            "activite": c.activite.code if c.activite else "",
            "criteres": "\n".join(cr.intitule for cr in c.criteres.all()),
        }
        for c in version.competences.select_related("activite").prefetch_related("criteres")
    }
    blocs = {}
    for bloc in version.blocs.prefetch_related(
        Prefetch("competences", queryset=Competence.objects.order_by("code")), "modalites"
    ):
        blocs[bloc.code] = {
            "intitule": bloc.intitule,
            "est_optionnel": "optionnel" if bloc.est_optionnel else "obligatoire",
            "competences": ", ".join(c.code for c in bloc.competences.all()),
            "modalites": "\n".join(
                f"{m.get_type_display()} : {m.intitule}"
                + (f" ({m.duree_minutes} min)" if m.duree_minutes else "")
                + (f", seuil {float(m.seuil):g}/{m.note_sur}" if m.notation == "note" else "")
                for m in bloc.modalites.all()
            ),
            "competences_texte": bloc.competences_texte,
            "modalites_texte": bloc.modalites_texte,
        }
    return {"activites": activites, "competences": competences, "blocs": blocs}


def diff_versions(before: ReferentielVersion, after: ReferentielVersion) -> VersionDiff:
    old, new = _snapshot(before), _snapshot(after)
    return VersionDiff(
        activites=_compare(
            old["activites"],
            new["activites"],
            {"intitule": "Intitulé", "description": "Description"},
        ),
        competences=_compare(
            old["competences"],
            new["competences"],
            {"intitule": "Intitulé", "activite": "Activité", "criteres": "Critères"},
        ),
        blocs=_compare(
            old["blocs"],
            new["blocs"],
            {
                "intitule": "Intitulé",
                "est_optionnel": "Caractère",
                "competences": "Compétences",
                "modalites": "Modalités d'évaluation",
                "competences_texte": "Compétences (texte)",
                "modalites_texte": "Modalités (texte)",
            },
        ),
    )
