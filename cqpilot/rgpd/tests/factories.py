"""Dossiers, pièces, passages and surveys placed in time, for the retention rules."""

from datetime import date, datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from cqpilot.accrochage.models import PassageAccrochage
from cqpilot.core.tests.factories import OrganisationFactory
from cqpilot.delivrance.models import DocumentDelivre
from cqpilot.delivrance.tests.factories import DocumentDelivreFactory
from cqpilot.dossiers.models import Document, Dossier
from cqpilot.dossiers.tests.factories import DossierFactory
from cqpilot.pilotage.models import EnqueteInsertion
from cqpilot.referentiels.tests.factories import CertificationFactory

TODAY = date(2026, 11, 30)


def moment(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 12))


def certifier_and_certification():
    certifier = OrganisationFactory()
    return certifier, CertificationFactory(certificateurs=[certifier])


def dossier_at(certification, state: str, last_activity: date, candidat=None, **kwargs) -> Dossier:
    """A dossier in `state`, untouched since `last_activity` (its state changed that day)."""
    if candidat is not None:
        kwargs["candidat"] = candidat
    dossier = DossierFactory(certification=certification, **kwargs)
    Dossier.objects.filter(pk=dossier.pk).update(
        state=state, updated_at=moment(last_activity), state_changed_at=moment(last_activity)
    )
    dossier.refresh_from_db()
    return dossier


def piece(dossier: Dossier, nom: str = "cv-dupont.pdf") -> Document:
    return Document.objects.create(
        dossier=dossier, type="cv", nom=nom, fichier=ContentFile(b"%PDF-1.4 piece", name=nom)
    )


def issued(dossier: Dossier, **kwargs) -> DocumentDelivre:
    return DocumentDelivreFactory(
        dossier=dossier, organisation=dossier.certification.certificateurs.first(), **kwargs
    )


def passage(document: DocumentDelivre, status: str, since: date) -> PassageAccrochage:
    item = PassageAccrochage.objects.create(
        organisation=document.organisation,
        document=document,
        id_technique=f"cqpilot-{document.organisation_id}-{document.numero}",
        date_limite=date(2026, 9, 1),
        status=status,
    )
    PassageAccrochage.objects.filter(pk=item.pk).update(updated_at=moment(since))
    return item


def enquete(document: DocumentDelivre, repondue: date | None, **kwargs) -> EnqueteInsertion:
    kwargs.setdefault("echeance", "6_mois")
    return EnqueteInsertion.objects.create(
        organisation=document.organisation,
        document=document,
        date_prevue=repondue or date(2022, 1, 1),
        email="titulaire@exemple.fr",
        repondue_le=moment(repondue) if repondue else None,
        **kwargs,
    )
