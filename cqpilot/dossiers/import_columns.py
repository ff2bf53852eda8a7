"""The columns of the candidate import file: French headers, what each accepts, and the cleaners
that turn a cell (text from a CSV, or a typed value from Excel) into a value or a French error."""

from dataclasses import dataclass

from cqpilot.core.cells import normalise_header

from .models import Initiative, Sexe, Situation, VoieAcces, VoieVae


@dataclass(frozen=True)
class Column:
    header: str
    key: str
    help: str
    required: bool = False
    choices: type | None = None


COLUMNS = [
    Column(
        "Nom de naissance",
        "nom_naissance",
        "Nom de naissance, sans « épouse » ni nom d'usage.",
        True,
    ),
    Column("Nom d'usage", "nom_usage", "Nom marital ou d'usage, s'il diffère."),
    Column("Prénom", "prenom1", "Premier prénom, en entier.", True),
    Column("Deuxième prénom", "prenom2", ""),
    Column("Troisième prénom", "prenom3", ""),
    Column("Sexe", "sexe", "M ou F (ou Homme / Femme).", True, Sexe),
    Column("Jour de naissance", "jour_naissance", "1 à 31 ; vide s'il est inconnu."),
    Column("Mois de naissance", "mois_naissance", "1 à 12 ; vide s'il est inconnu."),
    Column("Année de naissance", "annee_naissance", "Quatre chiffres, par exemple 1990.", True),
    Column(
        "Code INSEE de naissance",
        "code_insee_naissance",
        "5 caractères (69123, 2A004) ; né(e) à l'étranger : 99 + code pays (99109).",
    ),
    Column("Code postal de naissance", "code_postal_naissance", "Si le code INSEE est inconnu."),
    Column("Commune de naissance", "commune_naissance", ""),
    Column("Pays de naissance", "pays_naissance", "Pour une naissance à l'étranger."),
    Column("Courriel", "email", ""),
    Column("Téléphone", "telephone", ""),
    Column(
        "Situation",
        "situation",
        "Salarié, Demandeur d'emploi, Jeune en formation initiale, Autre.",
        False,
        Situation,
    ),
    Column("SIRET de l'employeur", "employeur_siret", "14 chiffres."),
    Column("IDCC de l'employeur", "employeur_idcc", "4 chiffres."),
    Column(
        "Certification",
        "certification",
        "Code RNCP ou RS (RNCP39912), ou intitulé exact pour un CQP non enregistré.",
        True,
    ),
    Column("Voie d'accès", "voie_acces", "Voir la liste.", True, VoieAcces),
    Column("Type de VAE", "voie_vae", "Pour la VAE seulement.", False, VoieVae),
    Column(
        "Initiative de l'inscription",
        "initiative",
        "Le candidat, l'organisme de formation, France Travail, l'employeur, autre.",
        False,
        Initiative,
    ),
    Column("Date d'inscription", "date_inscription", "JJ/MM/AAAA.", True),
    Column(
        "Expérience (mois)",
        "experience_mois",
        "Pour la VAE : durée d'expérience en rapport avec la certification.",
    ),
    Column("Financé par le CPF", "cpf", "Oui ou Non."),
    Column(
        "Blocs visés",
        "blocs_vises",
        "Codes des blocs séparés par des virgules ; vide : toute la certification.",
    ),
    Column(
        "SIRET de l'organisme de formation",
        "organisme_siret",
        "Pour un import par le certificateur ; ignoré pour un organisme de formation.",
    ),
    Column("NIR", "nir", "15 caractères ; collecté par le certificateur seulement."),
]
BY_KEY = {column.key: column for column in COLUMNS}
BY_HEADER = {normalise_header(column.header): column for column in COLUMNS}
