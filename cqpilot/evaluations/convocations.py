"""Convocations to an evaluation session: a PDF for each candidate, an e-mail with a calendar
invitation (ICS) for candidates and évaluateurs, sent by the mail worker (core.mail)."""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from icalendar import Calendar, Event

from cqpilot.core.mail import Attachment, send_after_commit
from cqpilot.core.pdf import html_to_pdf

from . import services
from .amenagements import granted_for
from .models import Affectation, Inscription, SessionEvaluation
from .services import EvaluationRefus

PARIS = ZoneInfo("Europe/Paris")


def _lieu(session: SessionEvaluation) -> str:
    if session.deroulement == "distance":
        return "À distance"
    return ", ".join(p for p in (session.lieu, session.code_postal) if p)


def session_ics(session: SessionEvaluation, *, uid: str, summary: str, description: str) -> bytes:
    """A calendar invitation for the session: timed when the convocation hour is known."""
    event = Event()
    event.add("uid", f"{uid}@cqpilot")
    event.add("dtstamp", timezone.now())
    event.add("summary", summary)
    event.add("description", description)
    if location := _lieu(session):
        event.add("location", location)
    last_day = session.date_fin or session.date_debut
    if session.heure:
        start = datetime.combine(session.date_debut, session.heure, tzinfo=PARIS)
        event.add("dtstart", start)
        event.add("dtend", datetime.combine(last_day, time(17, 30), tzinfo=PARIS))
    else:
        event.add("dtstart", session.date_debut)
        event.add("dtend", last_day + timedelta(days=1))  # all-day events end the day after
    calendar = Calendar()
    calendar.add("prodid", "-//cqpilot//convocations//FR")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical()


def convocation_context(inscription: Inscription) -> dict:
    session = inscription.session
    epreuves = session.epreuves.select_related("modalite__bloc")
    vises = {b.pk for b in inscription.dossier.blocs_vises.all()}
    return {
        "session": session,
        "candidat": inscription.dossier.candidat,
        "dossier": inscription.dossier,
        "epreuves": [e for e in epreuves if not vises or e.modalite.bloc_id in vises],
        "lieu": _lieu(session),
        # the measures granted, for the candidate and whoever checks the convocation at the door
        "amenagements": granted_for([inscription.dossier_id]).get(inscription.dossier_id, []),
    }


def convocation_pdf(inscription: Inscription, *, base_url: str = "") -> bytes:
    # base_url is no longer used: a PDF loads nothing from the server (core/pdf.py).
    html = render_to_string("evaluations/convocation_pdf.html", convocation_context(inscription))
    return html_to_pdf(html)


def convocation_refusal(session: SessionEvaluation) -> str:
    """Convocations are sent until the session's last day, not after."""
    last_day = session.date_fin or session.date_debut
    if last_day < services.today():
        return (
            f"La session s'est terminée le {last_day:%d/%m/%Y} : les convocations ne sont "
            "plus envoyées."
        )
    return ""


@dataclass
class Envoi:
    candidats: int = 0
    evaluateurs: int = 0
    sans_courriel: list[str] = field(default_factory=list)


def record_inscription_convoquee(inscription_pk: int) -> None:
    """Called by the mail worker once the candidate's convocation has left."""
    Inscription.objects.filter(pk=inscription_pk).update(convoque_at=timezone.now())


def record_evaluateur_convoque(affectation_pks: list[int]) -> None:
    """Called by the mail worker once the évaluateur's convocation has left."""
    Affectation.objects.filter(pk__in=affectation_pks).update(convoque_at=timezone.now())


@transaction.atomic
def send_convocations(session: SessionEvaluation, *, base_url: str = "") -> Envoi:
    """E-mail every candidate (PDF + ICS) and every évaluateur (ICS) from the worker, after the
    commit; each is recorded as convoqué once their e-mail has left. People without an e-mail
    address are listed, their convocation is printed from the session page. Refused once the
    session is over."""
    if refusal := convocation_refusal(session):
        raise EvaluationRefus(refusal)
    envoi = Envoi()
    subject = f"Convocation — {session.certification.intitule} — {session.date_debut:%d/%m/%Y}"
    inscriptions = list(
        session.inscriptions.select_related("dossier__candidat", "session__certification")
    )
    for inscription in inscriptions:
        candidat = inscription.dossier.candidat
        if not candidat.email:
            envoi.sans_courriel.append(f"{candidat} (candidat)")
            continue
        ics = session_ics(
            session,
            uid=f"inscription-{inscription.pk}",
            summary=f"Évaluation {session.certification.intitule}",
            description=subject,
        )
        send_after_commit(
            subject=subject,
            body=render_to_string(
                "evaluations/convocation_candidat.txt", convocation_context(inscription)
            ),
            to=[candidat.email],
            attachments=[
                Attachment.of_bytes(
                    convocation_pdf(inscription, base_url=base_url),
                    filename="convocation.pdf",
                    mimetype="application/pdf",
                ),
                Attachment.of_bytes(ics, filename="convocation.ics", mimetype="text/calendar"),
            ],
            on_sent=(record_inscription_convoquee, [inscription.pk]),
        )
        envoi.candidats += 1
    affectations = list(
        Affectation.objects.filter(epreuve__session=session).select_related(
            "evaluateur__user", "epreuve__modalite__bloc"
        )
    )
    by_person: dict[int, list[Affectation]] = {}
    for affectation in affectations:
        by_person.setdefault(affectation.evaluateur_id, []).append(affectation)
    for assigned in by_person.values():
        person = assigned[0].evaluateur
        address = person.email or (person.user.email if person.user else "")
        if not address:
            envoi.sans_courriel.append(f"{person} (évaluateur)")
            continue
        body = render_to_string(
            "evaluations/convocation_evaluateur.txt",
            {
                "session": session,
                "evaluateur": person,
                "epreuves": [a.epreuve for a in assigned],
                "candidats": len(inscriptions),
                "lieu": _lieu(session),
            },
        )
        ics = session_ics(
            session,
            uid=f"evaluateur-{session.pk}-{person.pk}",
            summary=f"Évaluer — {session.certification.intitule}",
            description=subject,
        )
        send_after_commit(
            subject=subject,
            body=body,
            to=[address],
            attachments=[
                Attachment.of_bytes(ics, filename="convocation.ics", mimetype="text/calendar")
            ],
            on_sent=(record_evaluateur_convoque, [[a.pk for a in assigned]]),
        )
        envoi.evaluateurs += 1
    return envoi
