"""The insertion survey: who is asked when, the e-mails and reminders, the signed link.

Each holder of a parchemin is asked at 6 months and at 2 years after the decision. A survey is
only opened while its answers still mean something: a holder certified three years before
cqpilot was installed is not asked how he was doing at 6 months.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cqpilot.core.french import compte
from cqpilot.core.mail import send_after_commit
from cqpilot.core.models import Organisation
from cqpilot.delivrance.models import DocumentDelivre, DocumentKind, DocumentStatus
from cqpilot.dossiers.acquis import add_months

from .models import MONTHS_AFTER_CERTIFICATION, EnqueteInsertion

ANSWER_WINDOW = timedelta(days=183)  # a survey is opened, and answered, within 6 months
REMINDER_AFTER = timedelta(days=15)
MAX_REMINDERS = 2
# The worker sends within seconds, and gives a refused message up within about 71 minutes
# (core.mail.RETRY_AFTER): an e-mail still « en attente » two days later lost its outcome (a
# worker killed mid-send, a failing callback) and is queued again.
PENDING_REQUEUED_AFTER = timedelta(days=2)
SALT = "cqpilot.pilotage.enquete"


def due_on(document: DocumentDelivre, echeance: str) -> date:
    return add_months(document.date_decision, MONTHS_AFTER_CERTIFICATION[echeance])


def token_of(enquete: EnqueteInsertion) -> str:
    return signing.dumps(enquete.pk, salt=SALT)


def enquete_of(token: str) -> EnqueteInsertion | None:
    """The survey a link designates, or None when the link was altered."""
    try:
        pk = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    return (
        EnqueteInsertion.objects.select_related(
            "document__certification", "document__dossier__candidat"
        )
        .filter(pk=pk)
        .first()
    )


def is_open(enquete: EnqueteInsertion, today: date) -> bool:
    return enquete.repondue_le is None and today <= enquete.date_prevue + ANSWER_WINDOW


def link_of(enquete: EnqueteInsertion) -> str:
    return settings.PUBLIC_URL + reverse("enquete", args=[token_of(enquete)])


def open_due(organisation: Organisation, today: date) -> list[EnqueteInsertion]:
    """Creates the surveys whose date has come for the certifier's valid parchemins."""
    parchemins = DocumentDelivre.objects.filter(
        organisation=organisation, kind=DocumentKind.PARCHEMIN, status=DocumentStatus.VALIDE
    )
    created = []
    for echeance, months in MONTHS_AFTER_CERTIFICATION.items():
        # decided between (today - months - window) and (today - months): due, still meaningful
        latest = add_months(today, -months)
        earliest = latest - ANSWER_WINDOW
        for document in (
            parchemins.filter(date_decision__gt=earliest, date_decision__lte=latest)
            .exclude(enquetes__echeance=echeance)
            .select_related("dossier__candidat")
        ):
            created.append(
                EnqueteInsertion(
                    organisation=organisation,
                    document=document,
                    echeance=echeance,
                    date_prevue=due_on(document, echeance),
                    email=document.dossier.candidat.email,
                )
            )
    return EnqueteInsertion.objects.bulk_create(created)


@dataclass
class Envoi:
    """What a run queued for the mail worker (the e-mails leave after it, see core.mail)."""

    ouvertes: int = 0
    envoyees: int = 0
    relances: int = 0
    sans_courriel: int = 0
    en_attente: int = 0  # queued by an earlier run, not sent yet

    def __str__(self) -> str:
        waiting = f", {compte(self.en_attente, 'courriel')} encore en attente"
        return (
            f"{compte(self.ouvertes, 'enquête ouverte', 'enquêtes ouvertes')}, "
            f"{compte(self.envoyees, 'courriel')} et {compte(self.relances, 'relance')} en cours "
            f"d'envoi{waiting if self.en_attente else ''}, "
            f"{compte(self.sans_courriel, 'titulaire')} sans courriel"
        )


def record_sent(enquete_pk: int, day: str, reminder: bool) -> None:
    """Called by the mail worker once the e-mail has left. The day is the run's: reminders count
    from it, and the worker sends within seconds of the run."""
    enquete = EnqueteInsertion.objects.select_for_update().get(pk=enquete_pk)
    if reminder:
        enquete.relances += 1
        enquete.derniere_relance_le = date.fromisoformat(day)
    else:
        enquete.envoyee_le = date.fromisoformat(day)
    enquete.envoi_en_attente, enquete.envoi_en_attente_depuis = False, None
    enquete.save(
        update_fields=[
            "envoyee_le",
            "relances",
            "derniere_relance_le",
            "envoi_en_attente",
            "envoi_en_attente_depuis",
        ]
    )


def record_failure(enquete_pk: int, reason: str) -> None:
    """Called by the mail worker when it gives the e-mail up: the next run queues it again."""
    EnqueteInsertion.objects.filter(pk=enquete_pk).update(
        envoi_en_attente=False, envoi_en_attente_depuis=None
    )


def _send(enquete: EnqueteInsertion, *, reminder: bool, today: date) -> None:
    document = enquete.document
    subject = f"Votre parcours depuis le {document.certification.intitule}"
    send_after_commit(
        subject=f"Rappel : {subject}" if reminder else subject,
        body=render_to_string(
            "pilotage/courriel_enquete.txt",
            {
                "enquete": enquete,
                "candidat": document.dossier.candidat,
                "certification": document.certification,
                "url": link_of(enquete),
                "reminder": reminder,
                "closes_on": enquete.date_prevue + ANSWER_WINDOW,
            },
        ),
        to=[enquete.email],
        on_sent=(record_sent, [enquete.pk, today.isoformat(), reminder]),
        on_failed=(record_failure, [enquete.pk]),
    )


def is_due(enquete: EnqueteInsertion, today: date) -> bool:
    """The first e-mail, or a reminder 15 days after the previous one (two at most)."""
    if enquete.envoyee_le is None:
        return True
    previous = enquete.derniere_relance_le or enquete.envoyee_le
    return enquete.relances < MAX_REMINDERS and today - previous >= REMINDER_AFTER


def unanswered(organisation: Organisation, today: date) -> QuerySet[EnqueteInsertion]:
    return EnqueteInsertion.objects.filter(
        organisation=organisation, repondue_le=None, date_prevue__gte=today - ANSWER_WINDOW
    ).select_related("document__certification", "document__dossier__candidat")


def _pending_too_long(enquete: EnqueteInsertion, today: date) -> bool:
    since = enquete.envoi_en_attente_depuis
    return since is None or today - since >= PENDING_REQUEUED_AFTER


@transaction.atomic
def send_due(organisation: Organisation, today: date) -> Envoi:
    """Opens the surveys that are due, queues their first e-mail and the reminders (15 days
    apart, two at most) for the mail worker. Meant to run daily (`cqpilot enquetes`), safe to
    run twice: an e-mail still waiting for the worker is not queued again."""
    envoi = Envoi(ouvertes=len(open_due(organisation, today)))
    queued = []
    for enquete in unanswered(organisation, today):
        if not enquete.email:
            envoi.sans_courriel += 1
        elif enquete.envoi_en_attente and not _pending_too_long(enquete, today):
            envoi.en_attente += 1
        elif is_due(enquete, today):
            reminder = enquete.envoyee_le is not None
            _send(enquete, reminder=reminder, today=today)
            queued.append(enquete.pk)
            envoi.relances += reminder
            envoi.envoyees += not reminder
    EnqueteInsertion.objects.filter(pk__in=queued).update(
        envoi_en_attente=True, envoi_en_attente_depuis=today
    )
    return envoi


def record_answer(
    enquete: EnqueteInsertion, *, situation: str, type_contrat: str, commentaire: str
) -> None:
    enquete.situation = situation
    enquete.type_contrat = type_contrat
    enquete.commentaire = commentaire
    enquete.repondue_le = timezone.now()
    enquete.save(update_fields=["situation", "type_contrat", "commentaire", "repondue_le"])
