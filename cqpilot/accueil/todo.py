"""« À faire »: the work waiting for each role, counted from the data (no stored flag).

Each item is a filter (a Q on one model) that both the home page counts and the list page it
links to applies, so that the list always shows exactly what the count counted. The home page
runs one aggregate query per model, whatever the number of rows.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from cqpilot.accrochage.depots import depositing_organisation
from cqpilot.accrochage.models import FichierAccrochage, PassageAccrochage, PassageStatus
from cqpilot.accueil.accompagnateur import accompagnateur_section
from cqpilot.core.french import compte
from cqpilot.core.models import Organisation, OrganisationKind, Role, User
from cqpilot.core.permissions import (
    ACCOMPAGNATEUR_VAE,
    CERTIFIER_STAFF,
    MANAGE_CERTIFICATIONS,
    PARTNER_OF,
)
from cqpilot.dossiers.models import (
    Document,
    DocumentStatus,
    Dossier,
    DossierState,
    Habilitation,
    HabilitationStatus,
    VoieAcces,
)
from cqpilot.evaluations.models import DemandeAmenagement, Epreuve, Inscription, Resultat
from cqpilot.jurys.models import (
    Deliberation,
    Jury,
    JuryMembre,
    JuryStatus,
    Recours,
    RecoursStatus,
    RoleJury,
    SignaturePV,
    SignaturesPV,
)
from cqpilot.vae.models import StatutDemande
from cqpilot.vae.rappel_conge import reponse_en_retard

PASSAGE_HORIZON_DAYS = 15
RAPPORT_WAIT_DAYS = 30
HABILITATION_HORIZON_DAYS = 60
VAE_JURY_HORIZON_DAYS = 15
VAE_NOTIFICATION_DAYS = 15
FILTER_PARAM = "a_faire"

# --- The filters, shared by the home page and the lists it links to ---------------------------


def _pieces_a_verifier(today: date, user: User) -> Q:
    return Q(
        Exists(Document.objects.filter(dossier=OuterRef("pk"), status=DocumentStatus.A_VERIFIER))
    )


def _recevabilite_vae(today: date, user: User) -> Q:
    return Q(state=DossierState.INSCRIT, voie_acces=VoieAcces.VAE)


def _sans_jury(today: date, user: User) -> Q:
    on_open_jury = Deliberation.objects.filter(
        dossier=OuterRef("pk"), jury__status__in=[JuryStatus.PREPARATION, JuryStatus.DELIBERATION]
    )
    # Enrolled in a session not over yet: still being evaluated, not ready for a jury.
    not_over = Q(session__date_fin__gte=today) | Q(
        session__date_fin=None, session__date_debut__gte=today
    )
    evaluating = Inscription.objects.filter(not_over, dossier=OuterRef("pk"))
    return Q(state=DossierState.EN_EVALUATION) & ~Q(Exists(on_open_jury)) & ~Q(Exists(evaluating))


def _jury_vae(today: date, user: User) -> Q:
    # A VAE dossier de validation whose jury deadline is within the horizon or passed, and no
    # jury sitting by that day holds the dossier (vae/validation.py).
    in_time = Deliberation.objects.filter(
        dossier=OuterRef("pk"), jury__date__lte=OuterRef("validation_vae__jury_avant_le")
    )
    return (
        Q(validation_vae__jury_avant_le__lte=today + timedelta(days=VAE_JURY_HORIZON_DAYS))
        & ~Q(state__in=_CLOSED)
        & ~Q(Exists(in_time))
    )


def _resultat_vae(today: date, user: User, *, late: bool = False) -> Q:
    # A VAE jury's result, its PV signed, not yet notified (vae/notification.py); `late`: past
    # the 15 days after the jury.
    pending = Deliberation.objects.filter(
        dossier=OuterRef("pk"), jury__status=JuryStatus.SIGNE, notification_vae__isnull=True
    )
    if late:
        pending = pending.filter(jury__date__lt=today - timedelta(days=VAE_NOTIFICATION_DAYS))
    # Under the reform's regime only, as the jury's VAE composition (vae/jury.py).
    reform = Q(voie_acces=VoieAcces.VAE, demande_recevabilite__ancien_regime=False)
    return reform & Q(Exists(pending))


def _conge_vae(today: date, user: User) -> Q:
    # A congé VAE whose employer's answer is awaited past its 15 days (vae/rappel_conge.py).
    return reponse_en_retard(today, of_dossiers=True)


def _piece_refusee(today: date, user: User) -> Q:
    # A refused pièce counts until it is deposited again: the same pièce exigée (all of them
    # have the type « autre »), or a document of the same type outside the pièces exigées.
    later = Document.objects.filter(dossier=OuterRef("dossier"), pk__gt=OuterRef("pk")).exclude(
        status=DocumentStatus.REFUSE
    )
    refused = Document.objects.filter(dossier=OuterRef("pk"), status=DocumentStatus.REFUSE).filter(
        Q(piece__isnull=False) & ~Q(Exists(later.filter(piece=OuterRef("piece"))))
        | Q(piece__isnull=True)
        & ~Q(Exists(later.filter(piece__isnull=True, type=OuterRef("type"))))
    )
    return Q(Exists(refused)) & ~Q(state__in=_CLOSED)


def _convoques(today: date, user: User) -> Q:
    upcoming = Q(session__date_fin__gte=today) | Q(
        session__date_fin=None, session__date_debut__gte=today
    )
    return Q(
        Exists(
            Inscription.objects.filter(upcoming, dossier=OuterRef("pk"), convoque_at__isnull=False)
        )
    )


def _sans_session(today: date, user: User) -> Q:
    return Q(state__in=[DossierState.RECEVABLE, DossierState.EN_FORMATION]) & ~Q(
        Exists(Inscription.objects.filter(dossier=OuterRef("pk")))
    )


_CLOSED = [
    DossierState.CERTIFIE,
    DossierState.VALIDATION_PARTIELLE,
    DossierState.NON_VALIDE,
    DossierState.ABANDON,
    DossierState.NON_RECEVABLE,
]

Filter = Callable[[date, User], Q]

DOSSIER_FILTERS: dict[str, Filter] = {
    "pieces_a_verifier": _pieces_a_verifier,
    "recevabilite_vae": _recevabilite_vae,
    "sans_jury": _sans_jury,
    "jury_vae": _jury_vae,
    "resultat_vae": _resultat_vae,
    "conge_vae": _conge_vae,
    "piece_refusee": _piece_refusee,
    "convoques": _convoques,
    "sans_session": _sans_session,
}


def _pv_a_signer_par_moi(today: date, user: User) -> Q:
    # The signers signatures.signataires requires, as a query: the president; the secretary too
    # when the rules ask for him; every present member with a vote when they ask for them all.
    rules = "jury__certification__regles_jury__signatures_pv"
    required = (
        Q(role=RoleJury.PRESIDENT)
        | Q(secretaire=True, **{rules: SignaturesPV.PRESIDENT_SECRETAIRE})
        | (Q(present=True, **{rules: SignaturesPV.MEMBRES_PRESENTS}) & ~Q(role=RoleJury.EXPERT))
    )
    mine = JuryMembre.objects.filter(required, jury=OuterRef("pk"), intervenant__user=user)
    signed = SignaturePV.objects.filter(pv__jury=OuterRef("pk"), pv__signed_at=None, user=user)
    return Q(status=JuryStatus.CLOS) & Q(Exists(mine)) & ~Q(Exists(signed))


JURY_FILTERS: dict[str, Filter] = {
    "a_preparer": lambda today, user: Q(status=JuryStatus.PREPARATION),
    "pv_a_etablir": lambda today, user: Q(status=JuryStatus.DELIBERATION),
    "pv_a_signer": lambda today, user: Q(status=JuryStatus.CLOS),
    "a_venir": lambda today, user: Q(
        date__gte=today, status__in=[JuryStatus.PREPARATION, JuryStatus.DELIBERATION]
    ),
    "a_signer_par_moi": _pv_a_signer_par_moi,
}

RECOURS_FILTERS: dict[str, Filter] = {
    "recours_a_instruire": lambda today, user: Q(status=RecoursStatus.DEPOSE),
}

_OPEN_PASSAGES = [PassageStatus.A_DEPOSER, PassageStatus.REJETE]

PASSAGE_FILTERS: dict[str, Filter] = {
    "echeance": lambda today, user: Q(
        status__in=_OPEN_PASSAGES, date_limite__lte=today + timedelta(days=PASSAGE_HORIZON_DAYS)
    ),
}


def _rapport_attendu(today: date, user: User) -> Q:
    return Q(rapport__isnull=True, created_at__date__lt=today - timedelta(days=RAPPORT_WAIT_DAYS))


FICHIER_FILTERS: dict[str, Filter] = {"accuses_attendus": _rapport_attendu}


def _habilitation_echeance(today: date, user: User) -> Q:
    ending = Habilitation.objects.visible_to(user).filter(
        status=HabilitationStatus.ACTIVE,
        date_fin__gte=today,
        date_fin__lte=today + timedelta(days=HABILITATION_HORIZON_DAYS),
    )
    return Q(pk__in=ending.values("organisme"))


# On the partner OFs (Organisation): those with one of the user's habilitations ending soon.
ORGANISME_FILTERS: dict[str, Filter] = {"habilitations_echeance": _habilitation_echeance}


def _a_saisir(today: date, user: User) -> Q:
    missing = Inscription.objects.filter(session=OuterRef("session")).exclude(
        Exists(
            Resultat.objects.filter(
                epreuve=OuterRef(OuterRef("pk")),
                dossier=OuterRef("dossier"),
                evaluateur__user=user,
            )
        )
    )
    return Q(Exists(missing))


EPREUVE_FILTERS: dict[str, Filter] = {"a_saisir": _a_saisir}

AMENAGEMENT_FILTERS: dict[str, Filter] = {
    "amenagements_a_decider": lambda today, user: Q(statut="a_decider")
}


def filtered(queryset: QuerySet, filters: dict[str, Filter], key: str, user: User) -> QuerySet:
    """The list page's half: `queryset` restricted to the item `key` (unchanged if unknown)."""
    if key not in filters:
        return queryset
    return queryset.filter(filters[key](timezone.localdate(), user))


def label_of(filters: dict[str, Filter], key: str) -> str:
    """What a list filtered by `key` shows, for its heading (empty if unknown)."""
    return LIST_LABELS.get(key, "") if key in filters else ""


LIST_LABELS = {
    "pieces_a_verifier": "dossiers ayant une pièce à vérifier",
    "recevabilite_vae": "dossiers VAE inscrits, en attente de la décision de recevabilité",
    "sans_jury": "dossiers évalués qu'aucun jury n'examine encore",
    "jury_vae": "dossiers VAE dont le jury doit siéger dans les "
    f"{VAE_JURY_HORIZON_DAYS} jours, ou aurait dû siéger, sans jury dans le délai",
    "resultat_vae": "dossiers VAE dont le résultat du jury, PV signé, reste à notifier",
    "conge_vae": "dossiers VAE dont la réponse de l'employeur au congé VAE est attendue depuis "
    "plus de 15 jours",
    "piece_refusee": "dossiers en cours dont une pièce refusée n'a pas été remplacée",
    "convoques": "dossiers convoqués à une session d'évaluation à venir",
    "sans_session": "dossiers en formation ou recevables, inscrits à aucune session",
    "a_preparer": "jurys en préparation",
    "pv_a_etablir": "jurys en délibération (PV à établir)",
    "pv_a_signer": "jurys clos dont le PV attend ses signatures",
    "a_venir": "jurys à venir",
    "a_signer_par_moi": "jurys dont le PV attend votre signature",
    "recours_a_instruire": "recours déposés par les candidats, à instruire",
    "echeance": f"passages en retard ou à déposer dans les {PASSAGE_HORIZON_DAYS} jours",
    "accuses_attendus": f"fichiers sans accusé de traitement depuis plus de {RAPPORT_WAIT_DAYS} "
    "jours",
    "habilitations_echeance": "organismes dont une habilitation prend fin dans les "
    f"{HABILITATION_HORIZON_DAYS} jours",
    "a_saisir": "épreuves dont des résultats restent à saisir",
    "amenagements_a_decider": "demandes d'aménagement d'épreuves à décider",
}

# --- The home page's half ------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    key: str
    count: int
    text: str  # « 3 dossiers ont une pièce à vérifier »
    url: str
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Item]

    @property
    def waiting(self) -> list[Item]:
        """The items with something to do: an empty list links to nothing."""
        return [item for item in self.items if item.count]


def _url(name: str, key: str) -> str:
    return f"{reverse(name)}?{FILTER_PARAM}={key}"


def _counts(queryset: QuerySet, filters: dict[str, Filter], keys: list[str], today, user, **extra):
    return queryset.order_by().aggregate(
        **{key: Count("pk", filter=filters[key](today, user)) for key in keys}, **extra
    )


def _days(days: int) -> str:
    return compte(days, "jour", "jours")


def _recevabilite_details(user: User, today: date) -> list[str]:
    """The VAE dossiers awaiting their recevabilité: the closest last day to decide, counted
    from the day each demande was complete (docs/vae.md), and those whose period does not run
    yet. One aggregate over the same rows as the count."""
    ouvertes = [StatutDemande.A_INSTRUIRE, StatutDemande.INCOMPLETE]
    vae = (
        Dossier.objects.visible_to(user)
        .filter(_recevabilite_vae(today, user))
        .aggregate(
            limite=Min(
                "demande_recevabilite__date_limite",
                filter=Q(demande_recevabilite__statut=StatutDemande.COMPLETE),
            ),
            a_completer=Count("pk", filter=Q(demande_recevabilite__statut__in=ouvertes)),
            sans_demande=Count("pk", filter=Q(demande_recevabilite__isnull=True)),
        )
    )
    details = []
    if (limite := vae["limite"]) is not None:
        left = (limite - today).days
        if left > 0:
            when = f"{_days(left)} pour décider (jusqu'au {limite:%d/%m/%Y} inclus)"
        elif left == 0:
            when = f"dernier jour pour décider (le {limite:%d/%m/%Y})"
        else:
            when = f"délai dépassé de {_days(-left)} (fini le {limite:%d/%m/%Y})"
        details.append(f"la plus proche : {when}")
    if vae["a_completer"]:
        details.append(
            compte(
                vae["a_completer"],
                "demande pas encore complète : son délai ne court pas",
                "demandes pas encore complètes : leur délai ne court pas",
            )
        )
    if vae["sans_demande"]:
        details.append(
            compte(
                vae["sans_demande"], "dossier sans demande saisie", "dossiers sans demande saisie"
            )
        )
    return details


def _jury_vae_details(limite: date | None, today: date) -> list[str]:
    if limite is None:
        return []
    left = (limite - today).days
    if left > 0:
        when = f"jury au plus tard le {limite:%d/%m/%Y} ({_days(left)})"
    elif left == 0:
        when = f"jury au plus tard aujourd'hui, le {limite:%d/%m/%Y}"
    else:
        when = f"délai dépassé de {_days(-left)} (fini le {limite:%d/%m/%Y})"
    return [f"le plus proche : {when}"]


def gestionnaire_section(user: User, today: date) -> Section:
    keys = [
        "pieces_a_verifier",
        "recevabilite_vae",
        "sans_jury",
        "jury_vae",
        "resultat_vae",
        "conge_vae",
    ]
    dossiers = _counts(
        Dossier.objects.visible_to(user),
        DOSSIER_FILTERS,
        keys,
        today,
        user,
        jury_vae_limite=Min("validation_vae__jury_avant_le", filter=_jury_vae(today, user)),
        resultat_vae_retard=Count("pk", filter=_resultat_vae(today, user, late=True)),
    )
    vae_details = _recevabilite_details(user, today)
    items = [
        Item(
            "pieces_a_verifier",
            dossiers["pieces_a_verifier"],
            compte(
                dossiers["pieces_a_verifier"],
                "dossier a une pièce à vérifier",
                "dossiers ont une pièce à vérifier",
            ),
            _url("dossiers:dossier_list", "pieces_a_verifier"),
        ),
        Item(
            "recevabilite_vae",
            dossiers["recevabilite_vae"],
            compte(
                dossiers["recevabilite_vae"],
                "recevabilité VAE à décider",
                "recevabilités VAE à décider",
            ),
            _url("dossiers:dossier_list", "recevabilite_vae"),
            vae_details,
        ),
        Item(
            "sans_jury",
            dossiers["sans_jury"],
            compte(
                dossiers["sans_jury"],
                "dossier évalué attend un jury",
                "dossiers évalués attendent un jury",
            ),
            _url("dossiers:dossier_list", "sans_jury"),
        ),
        Item(
            "jury_vae",
            dossiers["jury_vae"],
            compte(
                dossiers["jury_vae"],
                "dossier VAE attend son jury : délai proche ou dépassé",
                "dossiers VAE attendent leur jury : délai proche ou dépassé",
            ),
            _url("dossiers:dossier_list", "jury_vae"),
            _jury_vae_details(dossiers["jury_vae_limite"], today),
        ),
        Item(
            "resultat_vae",
            dossiers["resultat_vae"],
            compte(
                dossiers["resultat_vae"],
                "résultat de jury VAE à notifier (dans les 15 jours du jury)",
                "résultats de jury VAE à notifier (dans les 15 jours du jury)",
            ),
            _url("dossiers:dossier_list", "resultat_vae"),
            [f"dont {dossiers['resultat_vae_retard']} en retard"]
            if dossiers["resultat_vae_retard"]
            else [],
        ),
        Item(
            "conge_vae",
            dossiers["conge_vae"],
            compte(
                dossiers["conge_vae"],
                "congé VAE : réponse de l'employeur attendue depuis plus de 15 jours",
                "congés VAE : réponse de l'employeur attendue depuis plus de 15 jours",
            ),
            _url("dossiers:dossier_list", "conge_vae"),
        ),
    ]
    if CERTIFIER_STAFF(user):
        jury_keys = ["a_preparer", "pv_a_etablir", "pv_a_signer"]
        jurys = _counts(Jury.objects.visible_to(user), JURY_FILTERS, jury_keys, today, user)
        forms = {
            "a_preparer": ("jury à préparer", "jurys à préparer"),
            "pv_a_etablir": (
                "jury en délibération : PV à établir",
                "jurys en délibération : PV à établir",
            ),
            "pv_a_signer": ("PV à faire signer", "PV à faire signer"),
        }
        items += [
            Item(key, jurys[key], compte(jurys[key], *forms[key]), _url("jurys:jury_list", key))
            for key in jury_keys
        ]
    if MANAGE_CERTIFICATIONS(user):
        recours = _counts(
            Recours.objects.visible_to(user),
            RECOURS_FILTERS,
            ["recours_a_instruire"],
            today,
            user,
        )["recours_a_instruire"]
        items.append(
            Item(
                "recours_a_instruire",
                recours,
                compte(recours, "recours à instruire", "recours à instruire"),
                _url("jurys:recours_list", "recours_a_instruire"),
            )
        )
    organisation = depositing_organisation(user)
    if organisation is not None:
        passages = PassageAccrochage.objects.filter(organisation=organisation).aggregate(
            echeance=Count("pk", filter=PASSAGE_FILTERS["echeance"](today, user)),
            en_retard=Count("pk", filter=Q(status__in=_OPEN_PASSAGES, date_limite__lt=today)),
        )
        fichiers = (
            FichierAccrochage.objects.filter(organisation=organisation)
            .filter(_rapport_attendu(today, user))
            .count()
        )
        items += [
            Item(
                "echeance",
                passages["echeance"],
                compte(
                    passages["echeance"],
                    f"passage à déposer à la Caisse des Dépôts (en retard ou dû dans les "
                    f"{PASSAGE_HORIZON_DAYS} jours)",
                    f"passages à déposer à la Caisse des Dépôts (en retard ou dus dans les "
                    f"{PASSAGE_HORIZON_DAYS} jours)",
                ),
                _url("accrochage:a_accrocher", "echeance"),
                [f"dont {passages['en_retard']} en retard"] if passages["en_retard"] else [],
            ),
            Item(
                "accuses_attendus",
                fichiers,
                compte(
                    fichiers,
                    f"fichier déposé attend son accusé de traitement depuis plus de "
                    f"{RAPPORT_WAIT_DAYS} jours",
                    f"fichiers déposés attendent leur accusé de traitement depuis plus de "
                    f"{RAPPORT_WAIT_DAYS} jours",
                ),
                _url("accrochage:a_accrocher", "accuses_attendus"),
            ),
        ]
    if MANAGE_CERTIFICATIONS(user):
        amenagements = (
            DemandeAmenagement.objects.visible_to(user)
            .filter(AMENAGEMENT_FILTERS["amenagements_a_decider"](today, user))
            .count()
        )
        items.append(
            Item(
                "amenagements_a_decider",
                amenagements,
                compte(amenagements, "aménagement à décider", "aménagements à décider"),
                _url("evaluations:amenagement_list", "amenagements_a_decider"),
            )
        )
        organismes = (
            Organisation.objects.filter(kind=OrganisationKind.ORGANISME_FORMATION)
            .filter(_habilitation_echeance(today, user))
            .count()
        )
        items.append(
            Item(
                "habilitations_echeance",
                organismes,
                compte(
                    organismes,
                    "organisme a une habilitation qui prend fin dans les "
                    f"{HABILITATION_HORIZON_DAYS} jours",
                    "organismes ont une habilitation qui prend fin dans les "
                    f"{HABILITATION_HORIZON_DAYS} jours",
                ),
                _url("dossiers:organisme_list", "habilitations_echeance"),
            )
        )
    return Section("Gestion des certifications", items)


def evaluateur_section(user: User, today: date) -> Section:
    per_day = list(
        Epreuve.objects.assigned_to(user)
        .filter(_a_saisir(today, user))
        .order_by("session__date_debut")
        .values_list("session__date_debut")
        .annotate(n=Count("pk"))
    )
    count = sum(n for _day, n in per_day)
    details = [
        f"{compte(n, 'épreuve', 'épreuves')} de la session du {day:%d/%m/%Y}" for day, n in per_day
    ]
    item = Item(
        "a_saisir",
        count,
        compte(count, "épreuve à évaluer", "épreuves à évaluer"),
        _url("evaluations:session_list", "a_saisir"),
        details,
    )
    return Section("Évaluations", [item])


def jury_section(user: User, today: date) -> Section:
    keys = ["a_venir", "a_signer_par_moi"]
    jurys = _counts(Jury.objects.visible_to(user), JURY_FILTERS, keys, today, user)
    return Section(
        "Jurys",
        [
            Item(
                "a_venir",
                jurys["a_venir"],
                compte(jurys["a_venir"], "jury à venir", "jurys à venir"),
                _url("jurys:jury_list", "a_venir"),
            ),
            Item(
                "a_signer_par_moi",
                jurys["a_signer_par_moi"],
                compte(jurys["a_signer_par_moi"], "PV à signer", "PV à signer"),
                _url("jurys:jury_list", "a_signer_par_moi"),
            ),
        ],
    )


def of_section(user: User, today: date) -> Section:
    keys = ["piece_refusee", "convoques", "sans_session"]
    dossiers = _counts(Dossier.objects.visible_to(user), DOSSIER_FILTERS, keys, today, user)
    forms = {
        "piece_refusee": (
            "dossier a une pièce refusée à remplacer",
            "dossiers ont une pièce refusée à remplacer",
        ),
        "convoques": (
            "candidat convoqué à une session d'évaluation à venir",
            "candidats convoqués à une session d'évaluation à venir",
        ),
        "sans_session": (
            "candidat en formation n'est inscrit à aucune session d'évaluation",
            "candidats en formation ne sont inscrits à aucune session d'évaluation",
        ),
    }
    return Section(
        "Vos candidats",
        [
            Item(
                key,
                dossiers[key],
                compte(dossiers[key], *forms[key]),
                _url("dossiers:dossier_list", key),
            )
            for key in keys
        ],
    )


def sections_for(user: User, today: date | None = None) -> list[Section]:
    """The « À faire » of each of the user's roles; an item links only to a page they may open."""
    today = today or timezone.localdate()
    sections = []
    if user.is_certificateur_manager:
        sections.append(gestionnaire_section(user, today))
    if user.is_certificateur_staff and user.has_role(Role.EVALUATEUR):
        sections.append(evaluateur_section(user, today))
    if user.is_certificateur_staff and user.has_role(Role.MEMBRE_JURY):
        sections.append(jury_section(user, today))
    if PARTNER_OF(user):
        sections.append(of_section(user, today))
    if ACCOMPAGNATEUR_VAE(user):
        sections.append(accompagnateur_section(user, today, Section, Item))
    return sections
