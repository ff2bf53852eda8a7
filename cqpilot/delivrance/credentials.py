"""Open Badges 3.0 credentials (W3C Verifiable Credentials), signed with the certifier's Ed25519
key as a JWS (VC-JOSE), verifiable offline with the published JWKS; revocation through a
Bitstring Status List."""

import base64
import gzip
import hashlib
import secrets
import uuid
from datetime import UTC, datetime

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.urls import reverse

from cqpilot.core.models import Organisation

from .models import CleSignature, DocumentDelivre, DocumentKind, DocumentStatus

STATUS_LIST_SIZE = 131_072  # bits: the minimum the Bitstring Status List spec asks, for privacy
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def signing_key(organisation: Organisation) -> CleSignature:
    """The certifier's key, created on first use."""
    existing = CleSignature.objects.filter(organisation=organisation).first()
    if existing:
        return existing
    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return CleSignature.objects.create(
        organisation=organisation,
        kid=f"cqpilot-{organisation.pk}-{secrets.token_hex(4)}",
        private_pem=pem,
        public_x=_b64url(public),
    )


def jwks() -> dict:
    return {
        "keys": [
            {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": key.public_x,
                "kid": key.kid,
                "alg": "EdDSA",
                "use": "sig",
            }
            for key in CleSignature.objects.order_by("pk")
        ]
    }


def _url(name: str, *args) -> str:
    return settings.PUBLIC_URL + reverse(name, args=args)


def _sign(payload: dict, key: CleSignature, typ: str) -> str:
    private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
    return jwt.encode(payload, private, algorithm="EdDSA", headers={"kid": key.kid, "typ": typ})


def identity_hash(email_or_name: str, salt: str) -> str:
    """The holder is named in the credential by a salted hash, so that the badge alone does not
    disclose personal data; the holder proves it is theirs with the clear value and the salt."""
    return "sha256$" + hashlib.sha256((email_or_name + salt).encode()).hexdigest()


def build_credential(document: DocumentDelivre) -> dict:
    certification = document.certification
    candidat = document.dossier.candidat
    blocs = list(document.blocs.all())
    alignments = []
    if certification.code_rncp_rs:
        number = certification.code_rncp_rs.removeprefix("RNCP").removeprefix("RS")
        registry = "rncp" if certification.is_rncp else "rs"
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": certification.intitule,
                "targetUrl": f"https://www.francecompetences.fr/recherche/{registry}/{number}/",
                "targetCode": certification.code_rncp_rs,
                "targetFramework": "RNCP" if certification.is_rncp else "Répertoire spécifique",
                "targetType": "ext:FranceCompetences",
            }
        )
    for bloc in blocs:
        alignments.append(
            {
                "type": ["Alignment"],
                "targetName": bloc.intitule,
                "targetUrl": _url("delivrance:verifier", document.code) + f"#{bloc.code}",
                "targetCode": bloc.code,
                "targetFramework": certification.code_rncp_rs or certification.intitule,
            }
        )
    if document.kind == DocumentKind.PARCHEMIN:
        name = certification.intitule
        description = f"{certification.intitule} — validation totale"
    else:
        name = f"Attestation de blocs — {certification.intitule}"
        description = "Blocs de compétences validés : " + ", ".join(
            f"{b.code} {b.intitule}" for b in blocs
        )
    salt = secrets.token_hex(8)
    holder = f"{candidat.prenom1} {candidat.nom_naissance}".lower()
    issuer_url = _url("delivrance:emetteur", document.organisation_id)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": name,
        "issuer": {"id": issuer_url, "type": ["Profile"], "name": document.organisation.nom},
        "validFrom": datetime.combine(document.date_delivrance, datetime.min.time(), UTC)
        .isoformat()
        .replace("+00:00", "Z"),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(holder, salt),
                    "identityType": "name",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": f"{issuer_url}/certifications/{certification.pk}",
                "type": ["Achievement"],
                "achievementType": "Certificate",
                "name": name,
                "description": description,
                "criteria": {
                    "narrative": "Décision du jury paritaire, selon le référentiel "
                    f"d'évaluation version {document.version.numero}."
                },
                "alignment": alignments,
            },
        },
        "evidence": [
            {
                "type": ["Evidence"],
                "id": _url("delivrance:verifier", document.code),
                "name": f"{document.get_kind_display()} n° {document.numero}",
            }
        ],
        "credentialStatus": {
            "id": _url("delivrance:statuts", document.organisation_id)
            + f"#{document.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(document.status_index),
            "statusListCredential": _url("delivrance:statuts", document.organisation_id),
        },
    }


def sign_credential(document: DocumentDelivre) -> str:
    credential = build_credential(document)
    key = signing_key(document.organisation)
    claims = {
        **credential,
        "iss": credential["issuer"]["id"],
        "jti": credential["id"],
        "nbf": int(
            datetime.combine(document.date_delivrance, datetime.min.time(), UTC).timestamp()
        ),
    }
    return _sign(claims, key, "vc+jwt")


def status_list(organisation: Organisation) -> str:
    """The certifier's revocation list: one bit per document, set when it is cancelled; a signed
    BitstringStatusListCredential."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in DocumentDelivre.objects.filter(
        organisation=organisation, status=DocumentStatus.ANNULE
    ).values_list("status_index", flat=True):
        bits[index // 8] |= 0x80 >> (index % 8)  # left-most bit first, as the spec says
    url = _url("delivrance:statuts", organisation.pk)
    credential = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": _url("delivrance:emetteur", organisation.pk),
        "validFrom": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": "u" + _b64url(gzip.compress(bytes(bits))),
        },
    }
    return _sign({**credential, "iss": credential["issuer"]}, signing_key(organisation), "vc+jwt")
