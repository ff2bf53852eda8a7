"""The reminder of an employer's answer awaited (docs/vae.md, « Le congé VAE »): the employer
answers a congé VAE request within 15 days of receiving it (conge.py). From the day after that
last day, while no answer is recorded, `cqpilot vae-rappels-conge` (daily) e-mails the candidate
and the dossier's OF and accompanist, once per request day (`CongeVae.rappel_envoye_le`; a
corrected request day gives a new period and a new reminder). The reference gives the employer's
silence no effect that cqpilot could state: the message says the answer is awaited, nothing
more. The gestionnaires' « À faire » home counts the same congés (accueil/todo.py). No HTTP.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from cqpilot.core.french import compte
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import Role, User
from cqpilot.dossiers.models import Dossier, VoieAcces
from cqpilot.dossiers.workflow import FINAL_STATES

from .conge import REPONSE_JOURS, reponse_avant_le
from .models import CongeVae
from .recevabilite import candidate_email, today


def reponse_en_retard(on: date, *, of_dossiers: bool = False) -> Q:
    """The congés (of_dossiers: the dossiers) whose employer's answer is awaited past its last
    day, on an open VAE dossier."""
    conge, dossier = ("conge_vae__", "") if of_dossiers else ("", "dossier__")
    return Q(
        **{
            f"{conge}reponse": "",
            f"{conge}demande_le__lt": on - timedelta(days=REPONSE_JOURS),
            f"{dossier}voie_acces": VoieAcces.VAE,
        }
    ) & ~Q(**{f"{dossier}state__in": FINAL_STATES})


def destinataires(dossier: Dossier) -> list[str]:
    """The candidate, the accounts of the dossier's OF and of its accompanist that see it."""
    roles = [
        (dossier.organisme_id, Role.ORGANISME_FORMATION),
        (dossier.accompagnateur_id, Role.ACCOMPAGNATEUR_VAE),
    ]
    wanted = Q(pk__in=[])  # nobody when the dossier has neither (never organisation IS NULL)
    for organisation, role in roles:
        if organisation is not None:
            wanted |= Q(organisation=organisation, roles__code=role)
    # an account awaiting its organisation's confirmation sees its inviting certifier's only
    sees_it = Q(limited_to_certifier=None) | Q(
        limited_to_certifier__in=dossier.certification.certificateurs.all()
    )
    partners = User.objects.filter(wanted, sees_it, is_active=True).exclude(email="")
    emails = {candidate_email(dossier)} | set(partners.values_list("email", flat=True))
    return sorted(email for email in emails if email)


def _message(conge: CongeVae) -> str:
    dossier = conge.dossier
    url = settings.PUBLIC_URL + reverse("espace:accueil")
    return (
        "Bonjour,\n\n"
        f"La demande de congé VAE de {dossier.candidat} (« {dossier.certification.intitule} »), "
        f"pour une absence du {conge.debut:%d/%m/%Y} au {conge.fin:%d/%m/%Y}, a été reçue par "
        f"l'employeur le {conge.demande_le:%d/%m/%Y} : sa réponse était attendue au plus tard "
        f"le {reponse_avant_le(conge.demande_le):%d/%m/%Y} ({REPONSE_JOURS} jours), et aucune "
        "n'est enregistrée dans cqpilot.\n\n"
        "Si l'employeur a répondu, indiquez sa réponse et son jour sur le dossier (le candidat, "
        f"depuis son espace : {url}).\n"
    )


@transaction.atomic
def rappeler(conge: CongeVae, on: date) -> bool:
    """E-mails the reminder of this congé if still due; False when not (answered or reminded
    meanwhile, no address to write to)."""
    conge = (
        CongeVae.objects.select_for_update(of=("self",))
        .select_related("dossier__candidat__compte", "dossier__certification")
        .filter(reponse_en_retard(on), rappel_envoye_le__isnull=True)
        .filter(pk=conge.pk)
        .first()
    )
    if conge is None or not (to := destinataires(conge.dossier)):
        return False
    send_after_commit(
        subject=f"Congé VAE de {conge.dossier.candidat} : réponse de l'employeur attendue",
        body=_message(conge),
        to=to,
    )
    conge.rappel_envoye_le = on
    conge.save(update_fields=["rappel_envoye_le", "updated_at"])
    return True


@dataclass
class BilanRappels:
    envoyes: list[CongeVae] = field(default_factory=list)
    sans_adresse: list[CongeVae] = field(default_factory=list)

    def __str__(self) -> str:
        text = compte(len(self.envoyes), "rappel envoyé", "rappels envoyés")
        if self.sans_adresse:
            text += ", " + compte(
                len(self.sans_adresse), "congé sans adresse à prévenir", "congés sans adresse"
            )
        return text


def rappels_conge(on: date | None = None) -> BilanRappels:
    """The daily job: each congé whose answer is overdue and not yet reminded, each in its own
    transaction."""
    on = on or today()
    bilan = BilanRappels()
    due = CongeVae.objects.filter(reponse_en_retard(on), rappel_envoye_le__isnull=True)
    for conge in due.order_by("demande_le", "pk"):
        (bilan.envoyes if rappeler(conge, on) else bilan.sans_adresse).append(conge)
    return bilan
