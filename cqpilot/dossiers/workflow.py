"""The dossier's state machine: one table of allowed transitions, one function applying them.

brouillon → inscrit → (VAE: recevable | non recevable) → en formation → en évaluation →
présenté au jury → certifié | validation partielle | non validé ; abandon from any open state.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from cqpilot.core.models import Role, User

from .eligibility import eligibility
from .models import Dossier, DossierState, DossierTransition, VoieAcces
from .pieces import refusal_for

S = DossierState
CERTIFICATEUR = "certificateur"  # a gestionnaire or administrateur of a certifier of the dossier
OF = "of"  # a user of the dossier's organisme de formation
# a user of the VAE accompanist (AAP) the certifier named on the dossier: files its demande, its
# pièces and its livret 2, like the OF; moves it no further than « inscrit »
ACCOMPAGNATEUR = "accompagnateur"
CANDIDAT = "candidat"  # the dossier's candidate, from their espace: deposits pièces, nothing else
# No user: a rule of law applied by the daily job (VAE: the certifier's silence at the end of the
# recevabilité period is an acceptance, vae.recevabilite). Never a button, never the API.
SYSTEME = "systeme"

FINAL_STATES = frozenset(
    {S.CERTIFIE, S.VALIDATION_PARTIELLE, S.NON_VALIDE, S.ABANDON, S.NON_RECEVABLE}
)
OPEN_STATES = frozenset(set(S) - FINAL_STATES)


@dataclass(frozen=True)
class Transition:
    from_states: frozenset[str]
    to_state: str
    actors: frozenset[str]
    label: str
    vae: bool | None = None  # True: VAE dossiers only; False: never for VAE; None: any
    # False: no button and no API call moves a dossier this way, only the service that owns the
    # move (unenrolment from an evaluation session sends the dossier back where it was).
    shown: bool = True


TRANSITIONS = [
    Transition(
        frozenset({S.BROUILLON}),
        S.INSCRIT,
        frozenset({CERTIFICATEUR, OF, ACCOMPAGNATEUR}),
        "Inscrire",
    ),
    # A VAE dossier's recevabilité is decided on its demande (vae.recevabilite), with the gap
    # analysis, the letter and the journal: no button and no API call, only that service.
    Transition(
        frozenset({S.INSCRIT}),
        S.RECEVABLE,
        frozenset({CERTIFICATEUR}),
        "Déclarer recevable",
        vae=True,
        shown=False,
    ),
    Transition(
        frozenset({S.INSCRIT}),
        S.RECEVABLE,
        frozenset({SYSTEME}),
        "Recevable (acceptation tacite)",
        vae=True,
        shown=False,
    ),
    Transition(
        frozenset({S.INSCRIT}),
        S.NON_RECEVABLE,
        frozenset({CERTIFICATEUR}),
        "Déclarer non recevable",
        vae=True,
        shown=False,
    ),
    Transition(
        frozenset({S.INSCRIT}),
        S.EN_FORMATION,
        frozenset({CERTIFICATEUR, OF}),
        "Entrée en formation",
        vae=False,
    ),
    Transition(
        frozenset({S.RECEVABLE}),
        S.EN_FORMATION,
        frozenset({CERTIFICATEUR, OF}),
        "Entrée en parcours",
        vae=True,
    ),
    Transition(
        frozenset({S.INSCRIT}),
        S.EN_EVALUATION,
        frozenset({CERTIFICATEUR}),
        "Présenter aux évaluations",
        vae=False,
    ),
    Transition(
        frozenset({S.RECEVABLE, S.EN_FORMATION}),
        S.EN_EVALUATION,
        frozenset({CERTIFICATEUR, OF}),
        "Présenter aux évaluations",
    ),
    Transition(
        frozenset({S.EN_EVALUATION}),
        S.PRESENTE_JURY,
        frozenset({CERTIFICATEUR}),
        "Présenter au jury",
    ),
    Transition(
        frozenset({S.PRESENTE_JURY}),
        S.CERTIFIE,
        frozenset({CERTIFICATEUR}),
        "Certifié (validation totale)",
    ),
    Transition(
        frozenset({S.PRESENTE_JURY}),
        S.VALIDATION_PARTIELLE,
        frozenset({CERTIFICATEUR}),
        "Validation partielle",
    ),
    Transition(
        frozenset({S.PRESENTE_JURY}), S.NON_VALIDE, frozenset({CERTIFICATEUR}), "Non validé"
    ),
    Transition(OPEN_STATES, S.ABANDON, frozenset({CERTIFICATEUR, OF}), "Abandon"),
    # Unenrolment (evaluations.changes) returns the dossier to the state enrolment took it from.
    *(
        Transition(
            frozenset({S.EN_EVALUATION}),
            back_to,
            frozenset({CERTIFICATEUR}),
            "Retirer de la session d'évaluation",
            vae=vae,
            shown=False,
        )
        for back_to, vae in ((S.INSCRIT, False), (S.RECEVABLE, True), (S.EN_FORMATION, None))
    ),
]


RECEVABILITE = frozenset({S.RECEVABLE, S.NON_RECEVABLE})
PAR_LA_DEMANDE = (
    "La recevabilité d'un dossier VAE se décide sur sa demande de recevabilité, avec l'analyse "
    "des écarts et la lettre au candidat : ouvrez « Recevabilité VAE » sur la page du dossier."
)


class TransitionRefusee(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def actor_of(user: User, dossier: Dossier) -> str | None:
    """In which capacity `user` acts on this dossier, if any."""
    if user.is_superuser:
        return CERTIFICATEUR
    organisation = user.organisation
    if organisation is None:
        return CANDIDAT if dossier.candidat.compte_id == user.pk else None
    if organisation.is_certificateur:
        if (
            user.is_certificateur_manager
            and dossier.certification.certificateurs.filter(pk=organisation.pk).exists()
        ):
            return CERTIFICATEUR
        return None
    if dossier.organisme_id == organisation.pk and user.has_role(Role.ORGANISME_FORMATION):
        return OF
    if dossier.accompagnateur_id == organisation.pk and user.has_role(Role.ACCOMPAGNATEUR_VAE):
        return ACCOMPAGNATEUR
    return None


def _applies(transition: Transition, dossier: Dossier) -> bool:
    if dossier.state not in transition.from_states:
        return False
    is_vae = dossier.voie_acces == VoieAcces.VAE
    return transition.vae is None or transition.vae == is_vae


def available_transitions(
    dossier: Dossier, user: User, *, include_hidden: bool = False
) -> list[Transition]:
    actor = actor_of(user, dossier)
    return [
        t
        for t in TRANSITIONS
        if actor in t.actors and _applies(t, dossier) and (t.shown or include_hidden)
    ]


def transitions_with_refusals(dossier: Dossier, user: User) -> list[tuple[Transition, str]]:
    """The buttons of the dossier's page: each transition the user may make, with the reason
    it is refused for now (pièces exigées missing or refused), empty when it is not."""
    return [
        (t, refusal_for(dossier, t.to_state) or "") for t in available_transitions(dossier, user)
    ]


@transaction.atomic
def transition(
    dossier: Dossier,
    to_state: str,
    *,
    by: User | None,
    motif: str = "",
    allow_hidden: bool = False,
) -> Dossier:
    """Move the dossier to `to_state`, or raise TransitionRefusee saying why not. Hidden
    transitions are for the service that owns them (`allow_hidden`), never for a button;
    `by=None` is the daily job applying a rule of law (SYSTEME), on hidden transitions only."""
    dossier = (
        Dossier.objects.select_for_update()
        .select_related("certification", "version")
        .get(pk=dossier.pk)
    )
    target = DossierState(to_state)
    candidates = [
        t
        for t in TRANSITIONS
        if t.to_state == target and _applies(t, dossier) and (t.shown or allow_hidden)
    ]
    if (
        not candidates
        and target in RECEVABILITE
        and dossier.state == S.INSCRIT
        and dossier.voie_acces == VoieAcces.VAE
    ):
        raise TransitionRefusee(PAR_LA_DEMANDE)
    if not candidates:
        raise TransitionRefusee(
            f"Un dossier « {dossier.get_state_display()} » ne peut pas passer à « {target.label} »."
        )
    actor = SYSTEME if by is None else actor_of(by, dossier)
    if not any(actor in t.actors for t in candidates):
        raise TransitionRefusee(f"Vous ne pouvez pas faire passer ce dossier à « {target.label} ».")
    if target == S.INSCRIT:
        refus = eligibility(
            certification=dossier.certification,
            version=dossier.version,
            voie_acces=dossier.voie_acces,
            date_inscription=dossier.date_inscription,
            organisme=dossier.organisme,
            experience_mois=dossier.experience_mois,
            cpf=dossier.cpf,
            blocs_vises=list(dossier.blocs_vises.all()),
            voie_vae=dossier.voie_vae,
        ).refus
        if refus:
            raise TransitionRefusee(" ".join(str(r) for r in refus))
    # The law's effect does not wait for the pièces cqpilot asks for.
    if actor != SYSTEME and (refusal := refusal_for(dossier, target)):
        raise TransitionRefusee(refusal)
    if target in (S.NON_RECEVABLE, S.ABANDON) and not motif.strip():
        raise TransitionRefusee(f"Indiquez le motif ({target.label.lower()}).")
    DossierTransition.objects.create(
        dossier=dossier, from_state=dossier.state, to_state=target, by=by, motif=motif.strip()
    )
    dossier.state = target
    dossier.state_changed_at = timezone.now()
    dossier.save(update_fields=["state", "state_changed_at", "updated_at"])
    return dossier


JURY_STATES = frozenset({S.CERTIFIE, S.VALIDATION_PARTIELLE, S.NON_VALIDE})


def record_jury_decision(dossier: Dossier, to_state: str, *, by: User, motif: str) -> None:
    """The dossier's state set by a signed jury decision (or its rectification): from « présenté
    au jury », or from an earlier jury decision when a rectified PV changes it."""
    if to_state not in JURY_STATES:
        raise ValueError(to_state)
    if dossier.state == to_state:
        return
    if dossier.state != S.PRESENTE_JURY and dossier.state not in JURY_STATES:
        raise TransitionRefusee(
            f"Le dossier de {dossier.candidat} est « {dossier.get_state_display()} » : "
            "la décision du jury ne peut pas s'y appliquer."
        )
    DossierTransition.objects.create(
        dossier=dossier, from_state=dossier.state, to_state=to_state, by=by, motif=motif
    )
    dossier.state = to_state
    dossier.state_changed_at = timezone.now()
    dossier.save(update_fields=["state", "state_changed_at", "updated_at"])
