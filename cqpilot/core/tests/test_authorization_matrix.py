"""Isolation between organisations, by construction: every URL of the application (Django's
resolver) and every operation of the API (its OpenAPI document) is tried on the objects of
another organisation by each role that must not reach them, and anonymously.

For a URL naming one of the victim's objects, every attacker must be refused (403 or 404; 405 for
a method the view does not take; the login page for the anonymous), on GET and on POST, and
nothing of the victim may change. For a URL naming none (lists, creation forms, exports), the
page, file or JSON may answer but must show none of the victim's markers, and a POST must not
touch the victim's rows. The victim's own accounts are the positive control: each mapped URL
must reach the object for them, else the mapping is wrong.

A URL or an operation with parameters that the tables below cannot map fails the test: a new page
is covered as soon as it exists. The world is built once (victim_world.py), and each request runs
in a savepoint rolled back afterwards, so that a leaking POST cannot change what the next case
sees.
"""

import io
import json
import logging
import re
import time
import zipfile
from collections.abc import Callable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connections, transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cqpilot.api.api import api
from cqpilot.api.tokens import create_token
from cqpilot.core.models import Role, RoleGrant
from cqpilot.core.tests.factories import UserFactory
from cqpilot.dossiers.models import VoieAcces

from .victim_world import MARKERS, World, build_world

pytestmark = pytest.mark.django_db

ATTACKERS = [
    "autre_administrateur",
    "autre_gestionnaire",
    "autre_evaluateur",
    "autre_membre_jury",
    "of_b",  # habilitated by the victim, owns none of its dossiers
    "of_sans_lien",
    "of_a_invite_par_autre",  # in OF A, invited by the other certifier, not yet confirmed
    # in the victim's VAE accompanist, invited by the other certifier, not yet confirmed
    "aap_invite_par_autre",
    "autre_candidat",  # the other certifier's candidate, in his espace candidat
    "anonyme",
]

# Walked elsewhere, or not about anybody's objects.
SKIPPED = {
    "admin": "the Django admin site: staff only, see test_the_admin_site_is_closed_to_non_staff",
    "api": "the API's routes: walked from the OpenAPI document (test below)",
    "logout": "ends the caller's own session, names no object",
}

# Public by design, each for a reason; keep it short.
PUBLIC = {
    "login": "the login form",
    "password_reset": "asks for a reset e-mail, answers the same for any address",
    "password_reset_done": "static confirmation page",
    "password_reset_confirm": "guarded by the signed token e-mailed to the account's owner",
    "password_reset_complete": "static confirmation page",
    "delivrance:jwks": "the public keys that verify the credentials",
    "delivrance:verifier_form": "public verification of a document, by its code",
    "delivrance:verifier": "public verification of a document, by the code printed on it",
    "delivrance:badge": "the holder's Open Badge, by the code printed on his document",
    "delivrance:emetteur": "the issuer's Open Badges profile (name and key URL)",
    "delivrance:statuts": "the issuer's revocation list, which verifiers download",
    "enquete": "the insertion survey, answered without an account from the e-mailed token",
    "sante": "the health check for monitoring: statuses and ages, nobody's data",
    "favicon": "the site's icon, which browsers ask for",
    "espace:lien_connexion": "asks for a login link, answers the same for any address",
    "espace:lien_connexion_envoye": "static confirmation page",
    "espace:lien_connexion_utiliser": "guarded by the signed one-time token e-mailed to its owner",
}


@dataclass(frozen=True)
class Variant:
    """One way to fill a URL's parameters with the victim's objects (or the attacker's own)."""

    kwargs: dict
    label: str = ""
    query: dict = field(default_factory=dict)
    payload: dict | Callable[[], dict] | None = None  # a plausible POST, beside the empty one
    owners: tuple[str, ...] = ("gestionnaire",)  # the victim's accounts that must reach it
    any_owner: bool = False  # one of the owners suffices (who keeps it is being redesigned)
    # a marker category the owners' answer must show: proves that this kind of file is read
    shows: str = ""


def v(
    label="", *, query=None, payload=None, owners=("gestionnaire",), any_owner=False, shows="", **kw
):
    return Variant(kw, label, query or {}, payload, owners, any_owner, shows)


def pdf_upload(name="cv.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 piece", content_type="application/pdf")


CONTENT_PAYLOADS = {
    "activite": lambda w: {"code": "A9", "intitule": "Activité ajoutée", "ordre": 0},
    "competence": lambda w: {
        "code": "C9",
        "intitule": "Compétence ajoutée",
        "ordre": 0,
        "criteres-TOTAL_FORMS": 0,
        "criteres-INITIAL_FORMS": 0,
    },
    "bloc": lambda w: {"code": "BC09", "intitule": "Bloc ajouté", "ordre": 0},
    "modalite": lambda w: {
        "bloc": w.victim.draft_content["bloc"].pk,
        "type": "ecrit",
        "intitule": "Écrit ajouté",
        "notation": "acquis",
        "coefficient": 1,
        "ordre": 0,
    },
    "correspondance": lambda w: {
        "bloc": w.victim.draft_content["bloc"].pk,
        "fiche_cible": "RNCP1",
        "code_bloc_cible": "RNCP1BC01",
        "kind": "totale",
    },
}


def _dossier_payload(version) -> dict:
    return {
        "version": version.pk,
        "voie_acces": VoieAcces.FORMATION_CONTINUE_HORS_CONTRAT_DE_PROFESSIONNALISATION,
        "initiative": "CERTIFIE",
        "date_inscription": "2026-11-02",
    }


def _rapport_upload(w: World) -> Callable[[], dict]:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><rapport><idFlux>'
        f"{w.victim.fichier.id_flux}</idFlux><idTraitement>2</idTraitement><PassagesKO/>"
        "<PassagesOK/></rapport>"
    ).encode()
    return lambda: {"accuse": SimpleUploadedFile("accuse.xml", content)}


def _victim_urls(w: World) -> dict[str, list[Variant]]:
    """URL name -> its variants filled with the victim's objects."""
    vic = w.victim
    cert, pub, draft = vic.certification, vic.version, vic.draft
    dossier_a, benali = vic.dossier_a, vic.benali
    jury, ouvert = vic.jury, vic.jury_ouvert
    doc = vic.documents[0]
    # the document of the holder in his espace (the partial validation he contests)
    titulaire_doc = next(
        d for d in vic.documents if d.dossier_id == vic.recours.deliberation.dossier_id
    )
    of_a_owners = ("gestionnaire", "of_a")
    return {
        # référentiels
        "referentiels:certification_detail": [v(pk=cert.pk)],
        "referentiels:certification_edit": [
            v(
                pk=cert.pk,
                payload={
                    "intitule": "CQP modifié",
                    "type": "CQP",
                    "certificateurs": [vic.branche.pk],
                    "status": "active",
                    "blocs_optionnels_requis": 0,
                },
            )
        ],
        "referentiels:certification_delete": [v(pk=cert.pk)],
        "referentiels:version_create": [v(pk=cert.pk)],
        "referentiels:version_detail": [v("publiée", pk=pub.pk), v("brouillon", pk=draft.pk)],
        "referentiels:version_edit": [v(pk=draft.pk, payload={"description": "Objet modifié"})],
        "referentiels:version_publish": [v(pk=draft.pk)],
        "referentiels:version_copy": [v(pk=pub.pk)],
        "referentiels:version_delete": [v(pk=draft.pk)],
        "referentiels:version_diff": [v(pk=draft.pk, query={"avec": pub.pk})],
        "referentiels:version_pdf": [v(pk=draft.pk, shows="brouillon")],
        "referentiels:version_xlsx": [v(pk=draft.pk, shows="brouillon")],
        "referentiels:content_create": [
            v(kind, version_pk=draft.pk, kind=kind, payload=CONTENT_PAYLOADS[kind](w))
            for kind in vic.draft_content
        ],
        "referentiels:content_edit": [
            v(kind, version_pk=draft.pk, kind=kind, pk=obj.pk, payload=CONTENT_PAYLOADS[kind](w))
            for kind, obj in vic.draft_content.items()
        ],
        "referentiels:content_delete": [
            v(kind, version_pk=draft.pk, kind=kind, pk=obj.pk)
            for kind, obj in vic.draft_content.items()
        ],
        "referentiels:rncp_import_detail": [v(pk=vic.rncp_import.pk)],
        "referentiels:rncp_import_confirm": [v(pk=vic.rncp_import.pk)],
        "referentiels:rncp_import_cancel": [v(pk=vic.rncp_import.pk)],
        "referentiels:pro_a_edit": [
            v(pk=vic.branche.pk, payload={"date_extension": "2021-01-01", "codes": "RNCP1"})
        ],
        # accrochage
        "accrochage:corriger": [v(pk=vic.passage.pk)],
        "accrochage:fichier": [v(pk=vic.fichier.pk, shows="candidat")],
        "accrochage:fichier_rapport": [v(pk=vic.fichier.pk, payload=_rapport_upload(w))],
        "accrochage:standalone_detail": [v(pk=vic.flux.pk, payload=_rapport_upload(w))],
        "accrochage:standalone_download": [v(pk=vic.flux.pk, shows="accrochage")],
        "accrochage:standalone_depot": [v(pk=vic.depot.pk)],
        "accrochage:standalone_zip": [v(pk=vic.depot.pk, shows="accrochage")],
        "accrochage:standalone_errors": [v(pk=vic.depot.pk, shows="accrochage")],
        "accrochage:standalone_rejected": [
            v(pk=vic.depot.fichiers.get(id_flux="VICFLUX02").pk, shows="accrochage")
        ],
        # API screens
        "api_ui:revoquer": [v(pk=vic.jeton.pk)],
        "api_ui:renvoyer": [v(pk=vic.livraison.pk, owners=("of_a",))],
        # jurys
        "jurys:jury_detail": [v("signé", pk=jury.pk), v("en délibération", pk=ouvert.pk)],
        "jurys:membre_add": [
            v(
                pk=ouvert.pk,
                payload={"intervenant": vic.intervenants["evaluatrice"].pk, "role": "membre"},
            )
        ],
        "jurys:membre_presence": [
            v(pk=ouvert.pk, membre_pk=vic.membre.pk, payload={"present": "0"})
        ],
        "jurys:membre_secretaire": [
            v(
                pk=ouvert.pk,
                membre_pk=ouvert.membres.get(intervenant=vic.intervenants["garnier"]).pk,
            )
        ],
        "jurys:dossiers_add": [v(pk=ouvert.pk, payload={"dossiers": [vic.dossier_libre.pk]})],
        "jurys:jury_step": [
            v("ouvrir", pk=ouvert.pk, step="ouvrir"),
            v("clore", pk=ouvert.pk, step="clore"),
            v("rouvrir", pk=jury.pk, step="rouvrir"),
            v("rectifier", pk=jury.pk, step="rectifier", payload={"motif": "Erreur de saisie"}),
        ],
        # the president signs the PV of the jury he sits on (its page says: not closed yet)
        "jurys:jury_sign": [v(pk=ouvert.pk, owners=("president",))],
        "jurys:jury_cpne": [v(pk=jury.pk, payload={"date": "15/12/2026"})],
        "jurys:pv_download": [v(pk=jury.pk, numero=1, shows="candidat")],
        "jurys:deliberation": [v(pk=ouvert.pk)],
        "jurys:deliberation_candidat": [
            v(
                pk=ouvert.pk,
                deliberation_pk=vic.deliberation.pk,
                payload={
                    "revision": "0",
                    "decision": "non_valide",
                    "unanimite": "1",
                    **{f"bloc-{b.pk}": "non_valide" for b in vic.blocs},
                },
            )
        ],
        "jurys:votes": [
            v(
                pk=ouvert.pk,
                deliberation_pk=vic.deliberation.pk,
                payload={f"vote-{vic.membre.pk}": "contre"},
            )
        ],
        "intervenants:intervenant_edit": [
            v(
                key,
                pk=vic.intervenants[key].pk,
                payload={
                    "civilite": "madame",
                    "nom": "Modifié",
                    "prenom": "Anne",
                    "college": "salaries",
                },
            )
            for key in ("salah", "evaluatrice")
        ],
        "intervenants:intervenant_candidats": [
            v(
                pk=vic.intervenants["salah"].pk,
                query={"q": "icbenal"},
                payload={"candidat": benali.pk, "action": "retirer"},
            )
        ],
        # recours: the holder's, on the signed jury; decided by the certifier's managers
        "jurys:recours_detail": [
            v(pk=vic.recours.pk, payload={"issue": "maintenue", "motivation": "Vicmotivation"})
        ],
        # VAE recevabilité: the certifier's managers only (vae.recevabilite)
        "vae:demande_create": [
            v(
                pk=vic.vae_dossier.pk,
                payload={
                    "declaration_honneur": "on",
                    "experiences-TOTAL_FORMS": "1",
                    "experiences-INITIAL_FORMS": "0",
                    "experiences-0-intitule": "Agent",
                    "experiences-0-nature": "salariee",
                    "experiences-0-duree_mois": "12",
                },
            )
        ],
        "vae:demande_detail": [v(pk=vic.vae_demande.pk, shows="candidat")],
        "vae:demande_pieces": [v(pk=vic.vae_demande.pk, payload={"pieces": "Vicpiece"})],
        "vae:demande_complete": [v(pk=vic.vae_demande.pk, payload={"le": "2026-11-02"})],
        "vae:demande_decider": [
            v(
                pk=vic.vae_demande.pk,
                payload={
                    "decision": "non_recevable",
                    "motivation": "Vicmotivation",
                    f"niveau-{vic.blocs[0].pk}": "acquis",
                },
            )
        ],
        "vae:demande_lettre": [v(pk=vic.vae_decidee.pk, shows="candidat")],
        # the accompanist's opinion: its own account, on the demandes it accompanies
        "vae:demande_avis": [
            v(pk=vic.vae_demande.pk, owners=("aap",), payload={"avis": "Vicmotivation"})
        ],
        # the certifier's list of VAE accompanists, and their naming on its dossiers
        "vae:accompagnateur_detail": [
            v(
                pk=vic.referencement.pk,
                shows="accompagnement",
                payload={"label_branche": "Vicmotivation", "nom": "Vicmotivation"},
            )
        ],
        "vae:accompagnateur_inviter": [
            v(
                pk=vic.referencement.pk,
                payload={
                    "first_name": "Vicinvite",
                    "last_name": "Vicinvite",
                    "email": "vicinvite@exemple.fr",
                },
            )
        ],
        "vae:dossier_accompagnateur": [
            v(pk=vic.vae_dossier.pk, payload={"referencement": str(vic.referencement.pk)})
        ],
        "vae:regles_jury": [
            v(
                certification_pk=cert.pk,
                payload={"membres_min": 3, "qualifies_min": 1, "professionnels_min": 0},
            )
        ],
        # VAE jury's result notified: the certifier's managers
        "vae:resultat_notifier": [v(pk=vic.vae_livret.pk, payload={"par_courrier": "on"})],
        # VAE congé of an employee: the certifier's managers and the dossier's OF
        "vae:conge_enregistrer": [
            v(
                pk=vic.vae_livret.pk,
                owners=of_a_owners,
                payload={"demande_le": "2026-10-01", "debut": "2026-11-02", "fin": "2026-11-03"},
            )
        ],
        # VAE dossier de validation: the certifier's managers and the dossier's OF
        "vae:validation_deposer": [
            v(
                pk=vic.vae_livret.pk,
                owners=of_a_owners,
                payload=lambda: {"fichier": pdf_upload(), "le": "2026-11-02"},
            )
        ],
        "jurys:regles_edit": [
            v(
                certification_pk=cert.pk,
                payload={
                    "parite": "on",
                    "membres_min_par_college": 1,
                    "quorum": 3,
                    "majorite": "absolue_presents",
                    "part_externes_min": 0,
                    "signatures_pv": "president_secretaire",
                },
            )
        ],
        # évaluations
        "evaluations:session_detail": [v(pk=vic.session.pk)],
        # the session has results: the owners are answered with the refusal, not a 404
        "evaluations:session_edit": [
            v(
                pk=vic.session.pk,
                payload={"date_debut": "2026-12-01", "deroulement": "distance", "lieu": "Ailleurs"},
            )
        ],
        "evaluations:session_delete": [v(pk=vic.session.pk, payload={"motif": "Test"})],
        "evaluations:session_enrol": [v(pk=vic.session.pk, payload={"dossiers": [dossier_a.pk]})],
        "evaluations:session_unenrol": [
            v(
                label,
                pk=vic.session.pk,
                inscription_pk=inscription.pk,
                payload={"motif": "Test"},
            )
            for label, inscription in (
                ("Benali, noté", vic.inscription),
                ("libre", vic.session.inscriptions.get(dossier=vic.dossier_libre)),
            )
        ],
        "evaluations:epreuve_assign": [
            v(
                pk=vic.session.pk,
                epreuve_pk=vic.epreuve_libre.pk,
                payload={"evaluateur": vic.intervenants["evaluatrice"].pk},
            )
        ],
        "evaluations:epreuve_unassign": [
            v(
                pk=vic.session.pk,
                epreuve_pk=vic.epreuve_notee.pk,
                affectation_pk=vic.epreuve_notee.affectations.get().pk,
            )
        ],
        "evaluations:convocations_send": [v(pk=vic.session.pk)],
        "evaluations:convocation_download": [
            v(pk=vic.session.pk, inscription_pk=vic.inscription.pk, shows="candidat")
        ],
        # aménagements: Benali's request and its justificatif, for the certifier's managers
        "evaluations:amenagement_decider": [
            v(
                pk=vic.amenagement.pk,
                payload={"statut": "accorde", "types_accordes": ["tiers_temps"]},
                shows="amenagement",
            )
        ],
        "evaluations:amenagement_justificatif": [v(pk=vic.amenagement.pk, shows="amenagement")],
        "evaluations:saisie": [
            v(
                "épreuve de l'évaluatrice",
                epreuve_pk=vic.epreuve_notee.pk,
                owners=("evaluateur",),
                payload={f"note-{dossier_a.pk}": "3"},
            ),
            # assigned to nobody: no account of the victim may enter its results either
            v(
                "épreuve sans évaluateur",
                epreuve_pk=vic.epreuve_libre.pk,
                owners=(),
                payload={f"note-{dossier_a.pk}": "3"},
            ),
        ],
        # délivrance
        "delivrance:document_detail": [v(pk=doc.pk)],
        "delivrance:document_pdf": [v(pk=doc.pk, shows="candidat")],
        "delivrance:document_cancel": [v(pk=doc.pk, payload={"motif": "Erreur"})],
        "delivrance:jury_documents": [v(jury_pk=jury.pk, payload={"courriels": "0"})],
        "delivrance:jury_zip": [v(jury_pk=jury.pk, shows="delivrance")],
        "delivrance:lot": [v(pk=vic.lot.pk)],
        # dossiers
        "dossiers:organisme_edit": [
            # OF A's record: its own administrator's, or a certifier's while redesigned
            v(
                "OF A",
                pk=vic.of_a.pk,
                owners=("of_a_admin", "gestionnaire"),
                any_owner=True,
                payload={"nom": "OF renommé", "contact_nom": "Quelqu'un d'autre"},
            ),
            v(
                "OF C",
                pk=vic.of_c.pk,
                payload={"nom": "OF renommé", "contact_nom": "Quelqu'un d'autre"},
            ),
        ],
        "dossiers:habilitation_edit": [
            v(
                label,
                pk=habilitation.pk,
                payload={
                    "organisme": habilitation.organisme_id,
                    "certification": cert.pk,
                    "scope": "les_deux",
                    "date_debut": "2020-01-01",
                    "status": "retiree",
                },
            )
            for label, habilitation in (("OF A", vic.habilitation_a), ("OF B", vic.habilitation_b))
        ],
        "dossiers:candidat_import_detail": [
            v(owner, pk=record.pk, owners=(owner,)) for owner, record in vic.imports.items()
        ],
        "dossiers:candidat_detail": [
            v("Benali", pk=benali.pk, owners=of_a_owners),
            v("libre", pk=vic.libre.pk),
        ],
        "dossiers:candidat_edit": [
            v(
                pk=benali.pk,
                owners=of_a_owners,
                payload={
                    "nom_naissance": "Modifié",
                    "prenom1": "Marie",
                    "sexe": "F",
                    "annee_naissance": 1990,
                    "situation": "autre",
                    "autre_personne": "on",
                },
            )
        ],
        "dossiers:equivalence_add": [
            v(pk=benali.pk, payload={"bloc": vic.blocs[0].pk, "date_obtention": "2026-01-05"})
        ],
        "dossiers:dossier_create": [
            v(candidat_pk=benali.pk, owners=of_a_owners, payload=_dossier_payload(pub))
        ],
        "dossiers:dossier_blocs": [
            v(
                "version publiée",
                candidat_pk=benali.pk,
                query={"version": pub.pk},
                owners=of_a_owners,
            ),
            v("brouillon", candidat_pk=benali.pk, query={"version": draft.pk}),
        ],
        "dossiers:dossier_detail": [
            v("Benali", pk=dossier_a.pk, owners=of_a_owners),
            v("libre", pk=vic.dossier_libre.pk),
        ],
        "dossiers:dossier_transition": [
            v(pk=dossier_a.pk, owners=of_a_owners, payload={"vers": "abandon", "motif": "Test"})
        ],
        "dossiers:financement_create": [
            v(
                pk=dossier_a.pk,
                owners=of_a_owners,
                payload={"dispositif": "plan", "status": "demande", "financeur": "Autre"},
            )
        ],
        "dossiers:document_add": [
            v(
                pk=dossier_a.pk,
                owners=of_a_owners,
                payload=lambda: {"type": "cv", "fichier": pdf_upload()},
            )
        ],
        "dossiers:document_download": [v(pk=vic.piece.pk, owners=of_a_owners, shows="piece")],
        "dossiers:document_check": [v(pk=vic.piece.pk, payload={"decision": "valider"})],
        "dossiers:piece_list": [v(pk=cert.pk, shows="piece")],
        "dossiers:piece_create": [
            v(
                certification_pk=cert.pk,
                payload={
                    "libelle": "Pièce ajoutée",
                    "formats": ["pdf"],
                    "depot_of": "on",
                    "visible_of": "on",
                    "ordre": 0,
                },
            )
        ],
        "dossiers:piece_edit": [
            v(
                pk=vic.piece_exigee.pk,
                shows="piece",
                payload={
                    "libelle": "Pièce modifiée",
                    "formats": ["pdf"],
                    "depot_of": "on",
                    "visible_of": "on",
                    "ordre": 0,
                },
            )
        ],
        "dossiers:piece_delete": [v(pk=vic.piece_exigee.pk)],
        # espace candidat: Benali's own, the holder's documents; the invitation by his OF
        "espace:piece_deposer": [
            v(
                pk=dossier_a.pk,
                piece_pk=vic.piece_candidat.pk,
                owners=("candidat",),
                payload=lambda: {"fichier": pdf_upload()},
            )
        ],
        "espace:document": [v(pk=vic.depot_candidat.pk, owners=("candidat",), shows="piece")],
        "espace:convocation": [v(pk=vic.inscription.pk, owners=("candidat",), shows="candidat")],
        "espace:convocation_ics": [v(pk=vic.inscription.pk, owners=("candidat",))],
        "espace:document_delivre": [
            v(pk=titulaire_doc.pk, owners=("titulaire",), shows="candidat")
        ],
        "espace:amenagement_demander": [
            v(
                pk=dossier_a.pk,
                owners=("candidat",),
                payload=lambda: {
                    "types": ["autre"],
                    "description": "Besoin",
                    "justificatif": pdf_upload(),
                },
            )
        ],
        "espace:amenagement_justificatif": [
            v(pk=vic.amenagement.pk, owners=("candidat",), shows="amenagement")
        ],
        "espace:vae_demande": [
            v(
                pk=vic.vae_dossier.pk,
                owners=("candidat_vae_saisir",),
                payload={
                    "declaration_honneur": "on",
                    "experiences-TOTAL_FORMS": "1",
                    "experiences-INITIAL_FORMS": "0",
                    "experiences-0-intitule": "Agent",
                    "experiences-0-nature": "salariee",
                    "experiences-0-duree_mois": "12",
                },
            )
        ],
        "espace:vae_lettre": [v(pk=vic.vae_decidee.pk, owners=("candidat_vae",), shows="candidat")],
        # a VAE candidate's congé VAE, recorded from his espace (espace.views_vae)
        "espace:vae_conge": [
            v(
                pk=vic.vae_dossier.pk,
                owners=("candidat_vae_saisir",),
                payload={"demande_le": "2026-10-01", "debut": "2026-11-02", "fin": "2026-11-03"},
            )
        ],
        "espace:recours_deposer": [
            v(pk=vic.recours.deliberation_id, owners=("titulaire",), payload={"motifs": "Vic"})
        ],
        "espace:inviter": [
            v(
                candidat_pk=benali.pk,
                owners=of_a_owners,
                payload={"email": "vicbenali.nouveau@exemple.fr"},
            )
        ],
        # données personnelles: the export holds the NIR in full; the erasure of Benali is
        # refused (he is before a jury), the candidat libre's would be done
        "rgpd:candidat_export": [
            v("Benali", pk=benali.pk, shows="nir"),
            v("libre", pk=vic.libre.pk, shows="candidat"),
        ],
        "rgpd:candidat_effacer": [
            v("Benali", pk=benali.pk, payload={"confirme": "on"}),
            v("libre", pk=vic.libre.pk, payload={"confirme": "on"}),
        ],
        # comptes
        "user_edit": [
            v(
                key,
                pk=vic.users[key].pk,
                owners=(owner,),
                payload={
                    "username": "repris",
                    "first_name": "Re",
                    "last_name": "Pris",
                    "email": "repris@exemple.fr",
                    "organisation": vic.users[key].organisation_id,  # where the form asks it
                    "roles": [role],
                    "is_active": "on",
                },
            )
            for key, owner, role in (
                ("gestionnaire", "administrateur", "gestionnaire"),
                ("of_a", "of_a_admin", "organisme_formation"),
            )
        ],
        "user_confirm": [v(pk=vic.users["of_a"].pk, owners=("of_a_admin",))],
        "user_invite": [
            v(
                label,
                organisme_pk=of.pk,
                payload={
                    "first_name": "Invité",
                    "last_name": "Intrus",
                    "email": "intrus@exemple.fr",
                },
            )
            for label, of in (("OF A", vic.of_a), ("OF C", vic.of_c))
        ],
    }


def _own_urls(w: World, key: str) -> dict[str, list[Variant]]:
    """The attacker's own objects, reached with the victim's objects in the query or the form:
    the page may answer, but must neither show nor touch the victim's data."""
    a, vic = w.attackers[key], w.victim
    urls: dict[str, list[Variant]] = {}
    if a.candidat:
        urls["dossiers:dossier_blocs"] = [
            v(
                "brouillon de la victime",
                candidat_pk=a.candidat.pk,
                query={"version": vic.draft.pk},
            ),
            v(
                "version publiée de la victime",
                candidat_pk=a.candidat.pk,
                query={"version": vic.version.pk},
            ),
        ]
        urls["dossiers:dossier_create"] = [
            v(
                "brouillon de la victime",
                candidat_pk=a.candidat.pk,
                payload=_dossier_payload(vic.draft),
            ),
            v(
                "version publiée de la victime",
                candidat_pk=a.candidat.pk,
                payload=_dossier_payload(vic.version),
            ),
        ]
        urls["dossiers:equivalence_add"] = [
            v(pk=a.candidat.pk, payload={"bloc": vic.blocs[0].pk, "date_obtention": "2026-01-05"})
        ]
    if a.version:
        urls["referentiels:version_diff"] = [v(pk=a.version.pk, query={"avec": vic.version.pk})]
    if a.session:
        urls["evaluations:session_enrol"] = [
            v(pk=a.session.pk, payload={"dossiers": [vic.dossier_libre.pk]})
        ]
        urls["evaluations:epreuve_assign"] = [
            v(
                pk=a.session.pk,
                epreuve_pk=a.epreuve.pk,
                payload={"evaluateur": vic.intervenants["evaluatrice"].pk},
            )
        ]
        # the attacker's own session, naming the victim's enrolment or assignment
        urls["evaluations:session_unenrol"] = [
            v(pk=a.session.pk, inscription_pk=vic.inscription.pk, payload={"motif": "Test"})
        ]
        urls["evaluations:epreuve_unassign"] = [
            v(
                pk=a.session.pk,
                epreuve_pk=a.epreuve.pk,
                affectation_pk=vic.epreuve_notee.affectations.get().pk,
            )
        ]
    if a.jury:
        urls["jurys:dossiers_add"] = [v(pk=a.jury.pk, payload={"dossiers": [vic.dossier_a.pk]})]
        urls["jurys:membre_add"] = [
            v(
                pk=a.jury.pk,
                payload={"intervenant": vic.intervenants["garnier"].pk, "role": "membre"},
            )
        ]
        # the attacker's own jury, naming a member of the victim's
        urls["jurys:membre_secretaire"] = [v(pk=a.jury.pk, membre_pk=vic.membre.pk)]
    if a.intervenant:
        urls["intervenants:intervenant_candidats"] = [
            v(pk=a.intervenant.pk, query={"q": "icbenal"}, payload={"candidat": vic.benali.pk})
        ]
    return urls


def _paramless_extras(w: World) -> dict[str, list[Variant]]:
    """Pages without parameters that take the victim's objects in the query or the form."""
    vic = w.victim
    cert = vic.certification.pk
    return {
        "pilotage:tableau_de_bord": [
            v(query={"certification": cert}),
            v(query={"certification": cert, "export": "xlsx"}),
        ],
        "pilotage:renouvellement": [
            v(query={"certification": cert}),
            v(query={"certification": cert, "export": "xlsx"}),
        ],
        # searches, for a piece of a victim's name (the whole would be echoed as a marker)
        "dossiers:dossier_list": [v(query={"certification": cert}), v(query={"q": "icbenal"})],
        "dossiers:candidat_list": [v(query={"q": "icbenal"})],
        "delivrance:registre": [v(query={"q": "icdurand"})],
        "user_list": [v(query={"q": "icgestion"})],
        "audit_log": [v(query={"q": "icbenal"})],
        # each certifier's own periods: a POST never reaches the victim's
        "rgpd:reglages": [
            v(
                payload={
                    "dossiers_sans_suite_mois": 6,
                    "pieces_mois": 3,
                    "enquetes_mois": 7,
                    "nir_mois": 3,
                    "confirme": "1",
                }
            )
        ],
        "dossiers:habilitation_create": [
            v(
                query={"organisme": vic.of_c.pk},
                payload={
                    "organisme": vic.of_c.pk,
                    "certification": cert,
                    "scope": "les_deux",
                    "date_debut": "2026-01-01",
                    "status": "active",
                },
            )
        ],
        "evaluations:session_create": [
            v(
                payload={
                    "certification": cert,
                    "version": vic.version.pk,
                    "date_debut": "2026-12-01",
                    "deroulement": "presentiel",
                }
            )
        ],
        "jurys:jury_create": [
            v(payload={"certification": cert, "date": "2026-12-01", "lieu": "Ailleurs"})
        ],
        "intervenants:intervenant_create": [
            v(
                payload={
                    "civilite": "monsieur",
                    "nom": "Recrue",
                    "prenom": "Jean",
                    "college": "salaries",
                    "user": vic.users["evaluateur"].pk,
                    "organismes": [vic.of_c.pk],
                }
            )
        ],
        "accrochage:deposer": [
            v(
                payload={
                    "quoi": "",
                    "passages": list(vic.fichier.passages.values_list("pk", flat=True)),
                }
            ),
            v(payload={"quoi": "retirer", "passages": [vic.passage.pk]}),
        ],
        "user_create": [
            v(
                payload={
                    "username": "recrue",
                    "first_name": "Re",
                    "last_name": "Crue",
                    "email": "recrue@exemple.fr",
                    "organisation": vic.branche.pk,
                    "roles": ["gestionnaire"],
                    "is_active": "on",
                    "password": "motdepasse-solide-2026",
                }
            )
        ],
    }


@dataclass(frozen=True)
class Allowed:
    """A legitimate access by design, for one (case, attacker)."""

    reason: str
    markers: frozenset[str] = frozenset()  # marker categories it may show
    status: bool = False  # it may answer (the object is shared by design)
    writes: bool = False  # it may write rows that name the victim's objects


PUBLISHED = frozenset({"referentiel_publie"})
ALLOWED: dict[tuple, Allowed] = {
    # OF A is the other certifier's partner too (victim_world): it invites accounts into it,
    # limited to its own dossiers.
    **{
        ("user_invite", attacker, "OF A"): Allowed(
            "OF A is the other certifier's partner too: it may invite accounts into it",
            status=True,
            writes=True,
        )
        for attacker in ("autre_administrateur", "autre_gestionnaire")
    },
    # OF B, habilitated by the victim, opens dossiers on its published référentiels.
    ("dossiers:dossier_create", "of_b", "version publiée de la victime"): Allowed(
        "OF B is habilitated on the victim's certification: it opens its own candidates' "
        "dossiers on the published version",
        markers=PUBLISHED,
        writes=True,
    ),
    ("dossiers:dossier_create", "of_b", "brouillon de la victime"): Allowed(
        "the form lists the published versions OF B may open dossiers on", markers=PUBLISHED
    ),
    ("dossiers:dossier_blocs", "of_b", "version publiée de la victime"): Allowed(
        "the blocs of a published version OF B is habilitated for", markers=PUBLISHED
    ),
    ("dossiers:candidat_import_template", "of_b", ""): Allowed(
        "the template lists the certifications OF B is habilitated for", markers=PUBLISHED
    ),
    ("GET /api/v1/versions", "of_b", ""): Allowed(
        "the published versions OF B may open dossiers on", markers=PUBLISHED
    ),
    ("POST /api/v1/dossiers", "of_b", "own candidate, victim's published version"): Allowed(
        "OF B is habilitated on the victim's certification: it opens its own candidates' "
        "dossiers on the published version",
        markers=PUBLISHED,
        writes=True,
    ),
}


def allowed(name: str, attacker: str, label: str) -> Allowed | None:
    return ALLOWED.get((name, attacker, label))


# --- The API: operations, their objects and bodies --------------------------------------------


@dataclass(frozen=True)
class ApiVariant:
    kwargs: dict
    label: str = ""
    owners: tuple[str, ...] = ("gestionnaire",)


def _api_objects(w: World) -> dict[str, list[ApiVariant]]:
    vic = w.victim
    of_a_owners = ("gestionnaire", "of_a")
    dossiers = [
        ApiVariant({"pk": vic.dossier_a.pk}, "Benali", of_a_owners),
        ApiVariant({"pk": vic.dossier_libre.pk}, "libre"),
    ]
    return {
        "/api/v1/candidats/{pk}": [
            ApiVariant({"pk": vic.benali.pk}, "Benali", of_a_owners),
            ApiVariant({"pk": vic.libre.pk}, "libre"),
        ],
        "/api/v1/dossiers/{pk}": dossiers,
        "/api/v1/dossiers/{pk}/transitions": dossiers,
        "/api/v1/dossiers/{pk}/pieces": dossiers,
        "/api/v1/epreuves/{pk}/resultats": [
            ApiVariant({"pk": vic.epreuve_notee.pk}, "épreuve de l'évaluatrice", ("evaluateur",)),
            ApiVariant({"pk": vic.epreuve_libre.pk}, "épreuve sans évaluateur", ()),
        ],
    }


def _api_bodies(w: World, attacker: str) -> dict[tuple[str, str], list[tuple[str, object]]]:
    """(method, path) -> plausible bodies (label, body), beside the empty one."""
    vic, own = w.victim, w.attackers[attacker].candidat

    def dossier(candidat, version):
        return {
            "candidat": candidat.pk if candidat else 0,
            "version": version.pk,
            "voie_acces": "CANDIDAT_LIBRE",
            "date_inscription": "2026-11-02",
        }

    return {
        ("PATCH", "/api/v1/candidats/{pk}"): [("téléphone", {"telephone": "0600000000"})],
        ("PATCH", "/api/v1/dossiers/{pk}"): [("CPF", {"cpf": True})],
        ("POST", "/api/v1/dossiers/{pk}/transitions"): [
            ("abandon", {"etat": "abandon", "motif": "Test"})
        ],
        ("POST", "/api/v1/dossiers/{pk}/pieces"): [("pièce", "multipart")],
        ("POST", "/api/v1/epreuves/{pk}/resultats"): [
            ("note", {"dossier": vic.dossier_a.pk, "note": 3})
        ],
        # creates in the caller's own scope: nothing of the victim to name but the homonym check
        ("POST", "/api/v1/candidats"): [],
        ("POST", "/api/v1/dossiers"): [
            ("victim's candidate", dossier(vic.benali, vic.version)),
            ("own candidate, victim's draft", dossier(own, vic.draft)),
            ("own candidate, victim's published version", dossier(own, vic.version)),
        ],
    }


def _api_lists(w: World) -> dict[str, tuple[str, str, dict[int, str]] | None]:
    """List path -> (the owner that must see them, the key of a row, the victim's ids by
    marker category); None for a read of the caller's own account."""
    vic = w.victim

    def ids(objects, category):
        return {o.pk: category for o in objects}

    return {
        "/api/v1/moi": None,
        "/api/v1/versions": (
            "gestionnaire",
            "id",
            {vic.version.pk: "referentiel_publie", vic.draft.pk: "brouillon"},
        ),
        "/api/v1/candidats": (
            "gestionnaire",
            "id",
            ids([vic.benali, vic.libre, *(d.dossier.candidat for d in vic.documents)], "candidat"),
        ),
        "/api/v1/dossiers": (
            "gestionnaire",
            "id",
            ids(
                [vic.dossier_a, vic.dossier_libre, *(d.dossier for d in vic.documents)], "candidat"
            ),
        ),
        "/api/v1/epreuves": ("evaluateur", "id", ids([vic.epreuve_notee], "session")),
        "/api/v1/sessions": ("gestionnaire", "id", ids([vic.session], "session")),
        "/api/v1/jurys": ("gestionnaire", "id", ids([vic.jury, vic.jury_ouvert], "jury")),
        "/api/v1/decisions": (
            "gestionnaire",
            "dossier",
            ids([d.dossier for d in vic.documents], "jury"),
        ),
        "/api/v1/documents-delivres": ("gestionnaire", "id", ids(vic.documents, "delivrance")),
        "/api/v1/accrochage/passages": (
            "gestionnaire",
            "id",
            ids(vic.fichier.passages.all(), "accrochage"),
        ),
        "/api/v1/accrochage/fichiers": ("gestionnaire", "id", ids([vic.fichier], "accrochage")),
    }


# --- Requests in a rolled-back savepoint, and what they wrote ---------------------------------

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Tables any request may write, whoever asks: never the victim's data.
IGNORED_TABLES = {
    "django_session": "the caller's own session",
    "axes_accessattempt": "failed-login throttling (django-axes)",
    "axes_accesslog": "login log (django-axes)",
    "axes_accessfailurelog": "failed-login log (django-axes)",
}
IGNORED_STATEMENTS = [
    # the token's last use, at most once a minute: the caller's own token
    re.compile(r'^UPDATE "api_jetonapi" SET "last_used_at" = ', re.IGNORECASE),
]


@dataclass
class Outcome:
    status: int
    location: str
    text: str  # lower case: page, JSON or the text of a file (xlsx, zip, pdf), headers, messages
    victim_writes: list[str]
    error: str = ""
    json: dict = field(default_factory=dict)  # an API's answer


def _pdf_text(raw: bytes) -> str:
    from pypdf import PdfReader

    try:
        return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(raw)).pages)
    except Exception as error:  # a broken PDF is shown as such, never taken for a clean one
        return f"<pdf illisible : {error}>"


def _file_text(raw: bytes) -> str:
    if raw[:4] == b"PK\x03\x04":  # xlsx, zip of PDFs
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            return " ".join(_file_text(archive.read(name)) for name in archive.namelist())
    if raw[:5] == b"%PDF-":  # its text, and its bytes (an uploaded pièce need not be a real PDF)
        return _pdf_text(raw) + " " + raw.decode("latin-1")
    return raw.decode("utf-8", "replace")


RANDOM_RUN = re.compile(r"[A-Za-z0-9]{32,}")


def _response_text(response) -> tuple[str, dict]:
    # The test client closes the response once read (streamed to its end): closing it here
    # again would send request_finished, which closes PostgreSQL's connection in a transaction.
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    texts = [_file_text(raw), *response.headers.values()]  # a file's name too
    storage = getattr(getattr(response, "wsgi_request", None), "_messages", None)
    if storage is not None:  # messages go to the next page: read them with this answer
        texts += [str(m) for m in getattr(storage, "_queued_messages", [])]
    is_json = response.get("Content-Type", "").startswith("application/json")
    data = json.loads(raw) if is_json else {}
    # Random tokens (CSRF, hashes) could spell a marker by chance: words are shorter.
    text = RANDOM_RUN.sub(" ", " ".join(texts)).lower()
    return text, data if isinstance(data, dict) else {}


class Tables:
    """Snapshots of the tables a request wrote to, to tell which rows it changed and whether
    they are (or name) the victim's."""

    def __init__(self, victim_rows: dict[str, set]) -> None:
        self.victim_rows = victim_rows
        self.models = {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}
        self.baseline: dict[str, dict] = {}

    def rows(self, table: str) -> dict:
        model = self.models[table]
        names = [f.attname for f in model._meta.concrete_fields]
        return {row[model._meta.pk.attname]: row for row in model._base_manager.values(*names)}

    def foreign_keys(self, table: str) -> dict[str, str]:
        return {
            f.attname: f.related_model._meta.db_table
            for f in self.models[table]._meta.concrete_fields
            if f.is_relation
        }

    def victim_changes(self, table: str, after: dict) -> list[str]:
        before = self.baseline[table]
        mine = self.victim_rows.get(table, set())
        fks = self.foreign_keys(table)
        changes = []
        for pk in before.keys() | after.keys():
            old, new = before.get(pk), after.get(pk)
            if old == new:
                continue
            names_victim = any(
                row is not None and row.get(column) in self.victim_rows.get(target, ())
                for row in (old, new)
                for column, target in fks.items()
            )
            if pk in mine or names_victim:
                what = "inserted" if old is None else "deleted" if new is None else "updated"
                changes.append(f"{what} {table} #{pk}")
        return changes


class Probe:
    def __init__(self, world: World) -> None:
        self.tables = Tables(world.victim_rows)

    def send(self, client: Client, method: str, path: str, data=None, **extra) -> Outcome:
        for connection in connections.all():
            connection.queries_log.clear()  # the log keeps 9000 queries, then warns
        with transaction.atomic():
            with ExitStack() as stack:
                captured = [
                    stack.enter_context(CaptureQueriesContext(c)) for c in connections.all()
                ]
                response = getattr(client, method.lower())(path, data, **extra)
                text, data = _response_text(response)
            written = sorted(
                {
                    match.group(1)
                    for queries in captured
                    for query in queries.captured_queries
                    if (match := WRITE.match(query["sql"]))
                    and match.group(1) not in IGNORED_TABLES
                    and not any(p.match(query["sql"]) for p in IGNORED_STATEMENTS)
                }
            )
            after, error = {}, ""
            try:
                after = {table: self.tables.rows(table) for table in written}
            except (DatabaseError, KeyError) as problem:  # an aborted transaction, a raw table
                error = f"writes to {written} not inspectable: {problem}"
            transaction.set_rollback(True)
        changes = []
        for table, rows in after.items():
            if table not in self.tables.baseline:
                self.tables.baseline[table] = self.tables.rows(table)  # rolled back: pristine
            changes += self.tables.victim_changes(table, rows)
        client.cookies.pop("messages", None)  # read above; the next case starts clean
        location = response.get("Location", "")
        return Outcome(response.status_code, location, text, changes, error, data)


def markers_in(text: str, tolerated: frozenset[str] = frozenset()) -> list[str]:
    return sorted(
        category
        for category, words in MARKERS.items()
        if category not in tolerated and any(word in text for word in words)
    )


# --- Walking the URLs and the operations --------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: frozenset[str]


def walk(resolver: URLResolver | None = None, prefix="", namespace="") -> list[Route]:
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = entry.pattern
        params = set(getattr(pattern, "converters", {})) | set(pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            if entry.namespace in SKIPPED:
                continue
            routes += [
                Route(r.name, r.route, r.params | params)
                for r in walk(entry, prefix + str(pattern), inner)
            ]
        elif isinstance(entry, URLPattern):
            name = ":".join(filter(None, [namespace, entry.name or f"<unnamed {pattern}>"]))
            routes.append(Route(name, prefix + str(pattern), frozenset(params)))
    return routes


def operations() -> list[tuple[str, str, list[str], bool]]:
    """(method, path, path parameters, multipart) of every operation of the OpenAPI document."""
    found = []
    for path, item in api.get_openapi_schema()["paths"].items():
        for method, operation in item.items():
            params = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
            content = operation.get("requestBody", {}).get("content", {})
            found.append((method.upper(), path, params, "multipart/form-data" in content))
    return found


def stale(world: World) -> list[str]:
    """Entries of the tables that name no URL or operation any more: harmless (a renamed URL
    is unmapped under its new name), printed so that the tables can be kept tidy."""
    names = {route.name for route in walk()}
    paths = {path for _m, path, _p, _mp in operations()}
    return sorted((set(_victim_urls(world)) | set(PUBLIC)) - names) + sorted(
        (set(_api_objects(world)) | set(_api_lists(world))) - paths
    )


def unmapped(world: World) -> list[str]:
    victim_urls = _victim_urls(world)
    problems = []
    routes = walk()
    for route in routes:
        if route.name in PUBLIC or route.name in SKIPPED:
            continue
        if route.name.startswith("<unnamed") or route.name.endswith(">"):
            problems.append(f"URL {route.route} has no name: the matrix cannot reverse it")
        elif route.params and route.name not in victim_urls:
            problems.append(f"URL « {route.name} » ({route.route}): no victim object mapped")
        for variant in victim_urls.get(route.name, []):
            if set(variant.kwargs) != route.params:
                problems.append(
                    f"URL « {route.name} »: mapped {sorted(variant.kwargs)}, "
                    f"expects {sorted(route.params)}"
                )
    objects, lists = _api_objects(world), _api_lists(world)
    bodies = _api_bodies(world, "of_b")
    for method, path, params, _multipart in operations():
        if params and path not in objects:
            problems.append(f"API {method} {path}: no victim object mapped")
        if not params and method == "GET" and path not in lists:
            problems.append(f"API GET {path}: the victim's ids of this list are not declared")
        if method != "GET" and (method, path) not in bodies:
            problems.append(f"API {method} {path}: no plausible body declared")
    return problems


# --- The matrix ---------------------------------------------------------------------------------

LOGIN_PATH = resolve_url(settings.LOGIN_URL)
REFUSED = {403, 404, 405}


def is_login_redirect(outcome: Outcome) -> bool:
    return outcome.status in (301, 302) and outcome.location.startswith(LOGIN_PATH)


def is_refused(outcome: Outcome, anonymous: bool) -> bool:
    return outcome.status in REFUSED or (
        anonymous and (outcome.status == 401 or is_login_redirect(outcome))
    )


def reauthenticated(client: Client) -> None:
    """Each account has just confirmed its own password: a page behind a re-authentication
    (a download with NIRs, a signature) shows the attacker what it would show him, not the
    confirmation page, and the owners reach the file itself."""
    try:
        from cqpilot.core.accounts.reauth import SESSION_KEY
    except ImportError:  # no re-authentication in this version
        return
    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()


@dataclass
class Report:
    failures: dict[str, list[str]] = field(default_factory=dict)  # by URL or operation
    controls: list[str] = field(default_factory=list)
    # 5xx on a page naming none of the victim's objects: a bug to fix, not a leak
    server_errors: dict[str, int] = field(default_factory=dict)  # by URL or operation
    cases: int = 0
    control_count: int = 0

    def fail(self, name: str, message: str) -> None:
        self.failures.setdefault(name, []).append(message)

    def text(self) -> str:
        lines = []
        if self.controls:
            lines += ["POSITIVE CONTROLS (the mapping does not reach the object):"]
            lines += [f"  {line}" for line in self.controls]
        for name in sorted(self.failures):
            lines.append(f"{name}:")
            lines += [f"  {line}" for line in self.failures[name]]
        return "\n".join(lines)


class Matrix:
    def __init__(self, world: World) -> None:
        self.world = world
        self.probe = Probe(world)
        self.report = Report()
        self.clients = {key: self._client(a.user) for key, a in world.attackers.items()}
        self.owners = {key: self._client(u) for key, u in world.victim.users.items()}

    @staticmethod
    def _client(user) -> Client:
        client = Client(raise_request_exception=False)
        if user is not None:
            client.force_login(user)
            reauthenticated(client)
        return client

    @staticmethod
    def _requests(variant: Variant) -> list[tuple[str, str, dict | None]]:
        """(method, label, body): GET, an empty POST, and the plausible POST if any."""
        requests = [("GET", "GET", None), ("POST", "POST vide", {})]
        if variant.payload is not None:
            payload = variant.payload() if callable(variant.payload) else variant.payload
            requests.append(("POST", "POST plausible", payload))
        return requests

    @staticmethod
    def _url(name: str, variant: Variant) -> str:
        url = reverse(name, kwargs=variant.kwargs)
        return f"{url}?{urlencode(variant.query, doseq=True)}" if variant.query else url

    def _control(self, name: str, variant: Variant, url: str) -> None:
        results = {}
        for owner in variant.owners:
            self.report.control_count += 1
            outcome = self.probe.send(self.owners[owner], "GET", url)
            if outcome.status == 405:  # a POST-only view: the action itself must be reachable
                body = self._requests(variant)[-1][2] or {}
                outcome = self.probe.send(self.owners[owner], "POST", url, body)
            results[owner] = outcome
        reached = {
            owner: not is_refused(o, anonymous=True) and o.status < 500
            for owner, o in results.items()
        }
        if results and (
            not any(reached.values()) if variant.any_owner else not all(reached.values())
        ):
            statuses = ", ".join(f"{o} → {r.status}" for o, r in results.items())
            self.report.controls.append(f"{name} [{variant.label}] {url}: {statuses}")
        for owner, outcome in results.items():
            if variant.shows and variant.shows not in markers_in(outcome.text):
                self.report.controls.append(
                    f"{name} {url}: {owner}'s answer does not show its {variant.shows} "
                    "markers (the file is not read)"
                )

    def victim_case(self, name: str, variant: Variant) -> None:
        url = self._url(name, variant)
        self._control(name, variant, url)
        for attacker in ATTACKERS:
            exempt = allowed(name, attacker, variant.label)
            anonymous = attacker == "anonyme"
            for method, what, body in self._requests(variant):
                self.report.cases += 1
                outcome = self.probe.send(self.clients[attacker], method, url, body)
                problems = []
                if not is_refused(outcome, anonymous) and not (exempt and exempt.status):
                    problems.append(f"status {outcome.status} {outcome.location}".strip())
                if leaked := markers_in(outcome.text, exempt.markers if exempt else frozenset()):
                    problems.append(f"shows {', '.join(leaked)}")
                if outcome.victim_writes and not (exempt and exempt.writes):
                    problems.append(f"writes {'; '.join(outcome.victim_writes)}")
                if outcome.error:
                    problems.append(outcome.error)
                if problems:
                    label = f" [{variant.label}]" if variant.label else ""
                    self.report.fail(
                        name, f"{attacker} {what}{label} {url}: {' — '.join(problems)}"
                    )

    def own_case(self, name: str, attacker: str, variant: Variant) -> None:
        """A URL without the victim's objects in its path: it may answer, but neither show nor
        touch the victim's data; the anonymous goes to the login page."""
        url = self._url(name, variant)
        exempt = allowed(name, attacker, variant.label)
        anonymous = attacker == "anonyme"
        for method, what, body in self._requests(variant):
            self.report.cases += 1
            outcome = self.probe.send(self.clients[attacker], method, url, body)
            problems = []
            if anonymous and not is_refused(outcome, anonymous):
                problems.append(f"status {outcome.status} for the anonymous")
            if outcome.status >= 500:
                self.report.server_errors[name] = self.report.server_errors.get(name, 0) + 1
            if leaked := markers_in(outcome.text, exempt.markers if exempt else frozenset()):
                problems.append(f"shows {', '.join(leaked)}")
            if outcome.victim_writes and not (exempt and exempt.writes):
                problems.append(f"writes {'; '.join(outcome.victim_writes)}")
            if outcome.error:
                problems.append(outcome.error)
            if problems:
                label = f" [{variant.label}]" if variant.label else ""
                self.report.fail(name, f"{attacker} {what}{label} {url}: {' — '.join(problems)}")

    def run_urls(self) -> None:
        victim_urls = _victim_urls(self.world)
        extras = _paramless_extras(self.world)
        own = {key: _own_urls(self.world, key) for key in ATTACKERS}
        for route in walk():
            if route.name in PUBLIC or route.name in SKIPPED or route.name.endswith(">"):
                continue
            if route.params:
                for variant in victim_urls.get(route.name, []):
                    self.victim_case(route.name, variant)
                for attacker in ATTACKERS:
                    for variant in own[attacker].get(route.name, []):
                        self.own_case(route.name, attacker, variant)
            else:
                for variant in [v(), *extras.get(route.name, [])]:
                    for attacker in ATTACKERS:
                        self.own_case(route.name, attacker, variant)

    # --- API ---

    def _api_clients(self) -> tuple[dict[str, Client], dict[str, Client]]:
        def client(user) -> Client:
            if user is None:
                return Client(raise_request_exception=False)
            _jeton, key = create_token(user, "Matrice d'autorisation")
            return Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {key}")

        attackers = {key: client(a.user) for key, a in self.world.attackers.items()}
        owners = {key: client(u) for key, u in self.world.victim.users.items()}
        return attackers, owners

    def _api_send(self, client, method, path, body, multipart) -> Outcome:
        if method == "GET":
            return self.probe.send(client, "GET", path)
        if multipart:
            data = {"type": "cv", "fichier": pdf_upload()} if body == "multipart" else body or {}
            return self.probe.send(client, method, path, data)
        return self.probe.send(
            client, method, path, json.dumps(body or {}), content_type="application/json"
        )

    def run_api(self) -> None:
        attackers, owners = self._api_clients()
        objects, lists = _api_objects(self.world), _api_lists(self.world)
        for method, template, params, multipart in operations():
            name = f"{method} {template}"
            if params:
                for variant in objects.get(template, []):
                    self._api_object_case(
                        name, method, template, variant, multipart, attackers, owners
                    )
            elif method == "GET":
                self._api_list_case(name, template, lists.get(template), attackers, owners)
            else:
                for attacker in ATTACKERS:
                    bodies = _api_bodies(self.world, attacker).get((method, template), [])
                    for label, body in [("", {}), *bodies]:
                        self.report.cases += 1
                        outcome = self._api_send(
                            attackers[attacker], method, template, body, multipart
                        )
                        self._api_check(name, attacker, label, template, outcome, refuse=False)

    def _api_check(self, name, attacker, label, path, outcome, *, refuse, empty=False) -> None:
        exempt = allowed(name, attacker, label)
        anonymous = attacker == "anonyme"
        problems = []
        expected = {401} if anonymous else {403, 404} | ({422} if empty else set())
        if (refuse or anonymous) and outcome.status not in expected:
            if not (exempt and exempt.status):
                problems.append(f"status {outcome.status}")
        elif outcome.status >= 500:
            self.report.server_errors[name] = self.report.server_errors.get(name, 0) + 1
        if leaked := markers_in(outcome.text, exempt.markers if exempt else frozenset()):
            problems.append(f"shows {', '.join(leaked)}")
        if outcome.victim_writes and not (exempt and exempt.writes):
            problems.append(f"writes {'; '.join(outcome.victim_writes)}")
        if outcome.error:
            problems.append(outcome.error)
        if problems:
            what = f" [{label}]" if label else ""
            self.report.fail(name, f"{attacker}{what} {path}: {' — '.join(problems)}")

    def _api_object_case(self, name, method, template, variant, multipart, attackers, owners):
        path = template.format(**variant.kwargs)
        if method == "GET" or template.endswith("/resultats"):  # the only operation on its path
            for owner in variant.owners:
                self.report.control_count += 1
                bodies = _api_bodies(self.world, "of_b").get((method, template), [])
                body = bodies[0][1] if bodies else None
                outcome = self._api_send(owners[owner], method, path, body, multipart)
                if outcome.status in (401, 403, 404) or outcome.status >= 500:
                    self.report.controls.append(
                        f"{name} [{variant.label}] {path}: {owner} → {outcome.status}"
                    )
        for attacker in ATTACKERS:
            calls = [("", None)]
            if method != "GET":
                calls = [("vide", None), *_api_bodies(self.world, attacker)[(method, template)]]
            for label, body in calls:
                self.report.cases += 1
                outcome = self._api_send(attackers[attacker], method, path, body, multipart)
                what = ", ".join(filter(None, [variant.label, label]))
                self._api_check(
                    name,
                    attacker,
                    what,
                    path,
                    outcome,
                    refuse=True,
                    empty=method != "GET" and body is None,
                )

    def _api_list_case(self, name, path, declared, attackers, owners) -> None:
        if declared is not None:
            owner, key, victim_ids = declared
            self.report.control_count += 1
            outcome = self.probe.send(owners[owner], "GET", path)
            seen = {row[key] for row in outcome.json.get("items", [])}
            if not seen & set(victim_ids):
                self.report.controls.append(f"{name}: {owner} sees none of {sorted(victim_ids)}")
        for attacker in ATTACKERS:
            self.report.cases += 1
            outcome = self.probe.send(attackers[attacker], "GET", path)
            self._api_check(name, attacker, "", path, outcome, refuse=False)
            if declared is None or outcome.status != 200:
                continue
            exempt = allowed(name, attacker, "")
            tolerated = exempt.markers if exempt else frozenset()
            rows = outcome.json.get("items", [])
            listed = sorted(
                f"#{row[key]} ({victim_ids[row[key]]})"
                for row in rows
                if row.get(key) in victim_ids and victim_ids[row[key]] not in tolerated
            )
            if listed:
                self.report.fail(name, f"{attacker} {path}: lists the victim's {', '.join(listed)}")


@contextmanager
def quiet_request_log():
    """Every refusal is logged as a warning by django.request: thousands of lines otherwise."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_every_url_and_api_operation_with_parameters_is_mapped(media):
    assert unmapped(build_world()) == []


def test_no_role_of_another_organisation_reaches_the_victims_objects(media, capsys):
    started = time.monotonic()
    world = build_world()
    built = time.monotonic() - started
    matrix = Matrix(world)
    for problem in unmapped(world):
        matrix.report.fail("(mapping)", problem)
    with quiet_request_log():
        matrix.run_urls()
        matrix.run_api()
    report = matrix.report
    with capsys.disabled():
        print(
            f"\nAuthorization matrix: {report.cases} cases (URL × role × method) and "
            f"{report.control_count} positive controls in {time.monotonic() - started:.1f} s "
            f"(world built in {built:.1f} s); {sum(map(len, report.failures.values()))} "
            f"failing cases on {len(report.failures)} URLs or operations, "
            f"{len(report.controls)} failing controls."
        )
        if unused := stale(world):
            print(f"Mapped but absent from the application: {', '.join(unused)}")
        if report.server_errors:
            print(
                "Server errors on pages naming none of the victim's objects (bugs, not leaks): "
                + ", ".join(f"{n} ({c} requests)" for n, c in sorted(report.server_errors.items()))
            )
    assert not (report.failures or report.controls), "\n" + report.text()


def test_the_roles_every_organisation_shares_are_never_the_victims(media):
    """A transactional test run earlier on the same worker empties the roles table (its rows
    come from a data migration): the world must not count them as the victim's when it creates
    them again, or any account given a role would "write on the victim's rows"."""
    RoleGrant.objects.all().delete()
    assert not build_world().victim_rows.get(RoleGrant._meta.db_table)


def test_the_admin_site_is_closed_to_non_staff(client):
    """The matrix skips Django's admin: it lets in staff accounts only, whatever their roles in
    their organisation."""
    for user in (UserFactory(roles=[Role.ADMINISTRATEUR]), None):
        client.logout()
        if user is not None:
            client.force_login(user)
        for path in ("/admin/", "/admin/core/user/", "/admin/dossiers/candidat/"):
            response = client.get(path)
            assert response.status_code == 302, path
            assert response["Location"].startswith("/admin/login/"), path
