"""The regulatory vault's keys and encrypted files, as DIDWW's v3 API has them and its SDK uses them.

- ``public_keys``: two RSA keys (4096 bits), made once on first use and kept in the database, the
  private halves encrypted with ``ENCRYPTION_KEYS`` (``portal/crypto.py``). Their ids are their
  fingerprints: the SHA-1 of the key's DER encoding, as the SDK computes it.
- An encrypted file is what the SDK uploads (multipart ``encrypted_files[file]``,
  ``encrypted_files[encryption_fingerprint]``, ``encrypted_files[description]``): the file's AES-256 key
  and IV encrypted with RSA-OAEP (SHA-256) for each public key, one after the other, then the file
  encrypted with AES-256-CBC (PKCS#7 padding). The fingerprint names both keys (``<a>:::<b>``). On
  arrival it is opened and must be a PDF, JPEG or PNG no larger than a document may be; it is then kept
  as it came (encrypted) until a proof turns it into a compliance document, for ``FILE_DAYS`` days; the
  periodic sweep (``files_expire``) deletes it once those have passed.
- A reseller key sees its account's files; a client key only its client's.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from typing import Any

from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import padding as asymmetric_padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.actor import Actor
from portal.errors import NotFound, ValidationFailed
from portal.jsonapi import Resource, timestamp

from ..regulatory import services as regulatory
from ..regulatory.models import DocumentType
from .models import EncryptedFile, VaultKey

KEY_BITS = 4096
FILE_DAYS = 7
FIELD = "encrypted_files[file]"
AES_CREDENTIALS = 32 + 16  # key and IV


# --- Keys ----------------------------------------------------------------------------------------


def _fingerprint(public_key: Any) -> str:
    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha1(der).hexdigest()  # noqa: S324 (the fingerprint DIDWW's SDK computes)


def vault_keys() -> list[VaultKey]:
    """The two vault keys, made the first time they are asked for (whoever asks first makes them)."""
    keys = list(VaultKey.objects.order_by("slot"))
    if len(keys) == 2:
        return keys
    for slot in (1, 2):
        if any(k.slot == slot for k in keys):
            continue
        private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
        public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        private_pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        VaultKey.objects.get_or_create(
            slot=slot,
            defaults={
                "public_pem": public_pem.decode("ascii"),
                "private_pem": private_pem.decode("ascii"),
                "fingerprint": _fingerprint(private.public_key()),
            },
        )
    return list(VaultKey.objects.order_by("slot"))


def public_key_resource(key: VaultKey) -> Resource:
    return Resource("public_keys", key.fingerprint, {"key": key.public_pem})


def public_key_get(key_id: str) -> VaultKey:
    key = next((k for k in vault_keys() if k.fingerprint == key_id), None)
    if key is None:
        raise NotFound(_("No such public key."))
    return key


def expected_fingerprint() -> str:
    return ":::".join(k.fingerprint for k in vault_keys())


def decrypt(blob: bytes) -> bytes:
    """The file inside an upload encrypted for the vault keys (``ValidationFailed`` if it does not open)."""
    refused = ValidationFailed(
        _("The file could not be decrypted: encrypt it with the keys of /public_keys, as the SDK does."),
        fields={FIELD: [_("This is not a file encrypted for our public keys.")]},
    )
    credentials = None
    offset = 0
    for key in vault_keys():
        private = serialization.load_pem_private_key(key.private_pem.encode("ascii"), password=None)
        assert isinstance(private, rsa.RSAPrivateKey)
        size = private.key_size // 8
        part = blob[offset : offset + size]
        offset += size
        if credentials is None and len(part) == size:
            try:
                credentials = private.decrypt(
                    part,
                    asymmetric_padding.OAEP(
                        mgf=asymmetric_padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
                    ),
                )
            except ValueError:
                credentials = None
    body = blob[offset:]
    if credentials is None or len(credentials) != AES_CREDENTIALS or not body or len(body) % 16:
        raise refused
    decryptor = Cipher(algorithms.AES(credentials[:32]), modes.CBC(credentials[32:])).decryptor()
    padded = decryptor.update(body) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise refused from None


# --- Encrypted files -----------------------------------------------------------------------------


def file_resource(item: EncryptedFile) -> Resource:
    return Resource(
        "encrypted_files",
        str(item.uid),
        {"description": item.description or None, "expires_at": timestamp(item.expires_at)},
    )


def file_list(*, actor: Actor) -> QuerySet[EncryptedFile]:
    """The actor's encrypted files not yet expired, newest first."""
    qs = EncryptedFile.objects.filter(account=actor.account, expires_at__gt=timezone.now())
    if actor.client is not None:
        qs = qs.filter(client=actor.client)
    return qs.defer("content").order_by("-created_at", "-id")


def file_get(*, actor: Actor, file_id: str) -> EncryptedFile:
    try:
        uid = uuid.UUID(str(file_id))
    except ValueError:
        uid = None
    item = file_list(actor=actor).defer(None).filter(uid=uid).first() if uid else None
    if item is None:
        raise NotFound(_("Encrypted file not found."))
    return item


def file_open(item: EncryptedFile, *, document_type: str, field: str) -> regulatory.Upload:
    """The file inside, as a checked upload of ``document_type``."""
    content = decrypt(bytes(item.content))
    return regulatory.decrypted_upload(
        content=content, name=item.description or item.file_name, document_type=document_type, field=field
    )


def file_create(*, actor: Actor, upload: Any, fingerprint: Any, description: Any) -> EncryptedFile:
    """Keep an encrypted file the SDK uploaded, once it is known to open into a PDF, JPEG or PNG."""
    actor.require_write()
    if upload is None or not hasattr(upload, "read"):
        raise ValidationFailed(fields={FIELD: [_("Choose a file to upload.")]})
    description = str(description or "").strip()
    if len(description) > 200:
        raise ValidationFailed(fields={"encrypted_files[description]": [_("At most %(n)d characters.") % {"n": 200}]})
    if str(fingerprint or "").strip() != expected_fingerprint():
        raise ValidationFailed(
            _("The file was encrypted for other keys: fetch /public_keys again and encrypt it with those."),
            fields={"encrypted_files[encryption_fingerprint]": [_("Not the fingerprint of our public keys.")]},
        )
    limit = settings.REGULATORY_DOCUMENT_MAX_BYTES + 2 * KEY_BITS // 8 + 16
    if (upload.size or 0) > limit:
        mb = settings.REGULATORY_DOCUMENT_MAX_BYTES // (1024 * 1024)
        raise ValidationFailed(fields={FIELD: [_("At most %(mb)d MB.") % {"mb": mb}]})
    blob = upload.read()
    regulatory.decrypted_upload(
        content=decrypt(blob), name=description or upload.name, document_type=DocumentType.OTHER, field=FIELD
    )
    now = timezone.now()
    with transaction.atomic():
        return EncryptedFile.objects.create(
            account=actor.account,
            client=actor.client,
            description=description,
            file_name=str(upload.name or "file.enc")[:200],
            fingerprint=expected_fingerprint(),
            content=blob,
            expires_at=now + timedelta(days=FILE_DAYS),
        )


def files_expire(*, now=None) -> int:
    """Delete the encrypted files past their expiry (uploaded, never used by a proof): they hold someone's
    documents, and nothing may open them any more. One statement; running twice deletes nothing more."""
    deleted, _per_model = EncryptedFile.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted


def file_delete(*, actor: Actor, item: EncryptedFile) -> None:
    actor.require_write()
    EncryptedFile.objects.filter(pk=item.pk).delete()
