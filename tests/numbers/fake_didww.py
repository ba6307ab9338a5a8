"""A small DIDWW API v3 in a thread: the JSON:API shapes the official SDK reads, for the endpoints the
``didww`` carrier uses, with every request recorded for the tests to assert on.

It sells what ``groups`` lists; orders complete (or are cancelled, or stay pending: ``order_outcome``);
``down`` makes every request answer 503, as an outage would. Its regulatory vault keeps identities,
addresses, encrypted files (decrypted with its own two keys, ``vault_keys``), proofs and address
verifications, whose status a test sets (``verdict``); ``refuse`` names a type whose creation answers 422.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class FakeGroup:
    id: str
    country: str
    type: str
    prefix: str
    area_name: str
    monthly: str
    setup: str
    numbers: list[str]
    features: tuple[str, ...] = ("voice_in",)
    needs_address: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    body: dict | None
    headers: dict = field(default_factory=dict)


@dataclass
class FakeDidww:
    groups: list[FakeGroup] = field(default_factory=list)
    order_outcome: str = "completed"
    down: bool = False
    requests: list[Recorded] = field(default_factory=list)
    dids: dict[str, dict] = field(default_factory=dict)
    orders: dict[str, dict] = field(default_factory=dict)
    trunks: dict[str, dict] = field(default_factory=dict)
    reservations: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (available DID id, description)
    fail_orders: int = 0  # the next this many order placements answer 503
    vault: dict[str, dict[str, dict]] = field(default_factory=dict)  # type -> id -> resource
    vault_keys: list = field(default_factory=list)  # (private key, PEM of the public key), made on first use
    files: dict[str, bytes] = field(default_factory=dict)  # encrypted file id -> what it decrypts to
    refuse: str = ""  # creating a resource of this type answers 422
    verdict: dict[str, tuple[str, list[str] | None]] = field(default_factory=dict)  # verification -> status
    url: str = ""
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def next_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids)}"

    def requests_to(self, method: str, path_start: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_start)]

    # --- resources ---------------------------------------------------------------------------------

    def available(self) -> dict[str, tuple[FakeGroup, str]]:
        """available DID id -> (group, digits)"""
        out = {}
        for g in self.groups:
            for i, number in enumerate(g.numbers):
                out[f"ad-{g.id}-{i}"] = (g, number.lstrip("+"))
        return out

    def did_doc(self, did: dict) -> dict:
        return {
            "id": did["id"],
            "type": "dids",
            "attributes": {
                "number": did["number"],
                "terminated": did["terminated"],
                "billing_cycles_count": did["billing_cycles_count"],
                "description": None,
            },
            "relationships": {
                "voice_in_trunk": {"data": {"type": "voice_in_trunks", "id": did["trunk"]} if did["trunk"] else None}
            },
        }

    def answer(self, method: str, path: str, query: dict, body: dict | None) -> tuple[int, dict | None]:
        if self.down:
            return 503, {"errors": [{"title": "Service Unavailable", "detail": "maintenance", "status": "503"}]}
        parts = path.strip("/").split("/")
        if parts[0] == "v3":
            parts = parts[1:]
        name = parts[0]
        key = parts[1] if len(parts) > 1 else None
        vaulted = self.vault_answer(method, name, key, body)
        if vaulted is not None:
            return vaulted
        if method == "GET" and name == "countries":
            isos = sorted({g.country for g in self.groups})
            data = [{"id": f"c-{c}", "type": "countries", "attributes": {"iso": c, "name": c}} for c in isos]
            return 200, {"data": data, "meta": {"total_records": len(data)}}
        if method == "GET" and name == "did_groups":
            wanted = query.get("filter[country.id]", "").removeprefix("c-")
            data, included = [], []
            for g in self.groups:
                if wanted and g.country != wanted:
                    continue
                data.append({
                    "id": g.id,
                    "type": "did_groups",
                    "attributes": {"prefix": g.prefix, "area_name": g.area_name, "features": list(g.features)},
                    "relationships": {
                        "did_group_type": {"data": {"type": "did_group_types", "id": f"t-{g.type}"}},
                        "stock_keeping_units": {"data": [{"type": "stock_keeping_units", "id": f"sku-{g.id}"}]},
                        "address_requirement": {
                            "data": {"type": "address_requirements", "id": "ar-1"} if g.needs_address else None
                        },
                    },
                })  # fmt: skip
                included.append({"id": f"t-{g.type}", "type": "did_group_types", "attributes": {"name": g.type}})
                included.append({
                    "id": f"sku-{g.id}",
                    "type": "stock_keeping_units",
                    "attributes": {"setup_price": g.setup, "monthly_price": g.monthly, "channels_included_count": 2},
                })  # fmt: skip
            return 200, {"data": data, "included": included, "meta": {"total_records": len(data)}}
        if method == "GET" and name == "available_dids":
            gid = query.get("filter[did_group.id]")
            reserved = {held for held, _d in self.reservations.values()}
            data = [
                {"id": ad, "type": "available_dids", "attributes": {"number": number},
                 "relationships": {"did_group": {"data": {"type": "did_groups", "id": g.id}}}}
                for ad, (g, number) in self.available().items()
                if (not gid or g.id == gid) and ad not in reserved
                and number not in {d["number"] for d in self.dids.values()}
            ]  # fmt: skip
            return 200, {"data": data, "meta": {"total_records": len(data)}}
        if method == "GET" and name == "did_reservations":
            data = [
                {"id": rid, "type": "did_reservations", "attributes": {"description": description}}
                for rid, (_ad, description) in self.reservations.items()
            ]
            return 200, {"data": data, "meta": {"total_records": len(data)}}
        if method == "POST" and name == "did_reservations":
            ad = body["data"]["relationships"]["available_did"]["data"]["id"]
            if ad not in self.available() or ad in {held for held, _d in self.reservations.values()}:
                return 422, {"errors": [{"title": "is invalid", "detail": "available_did is gone", "code": "100"}]}
            rid = self.next_id("res")
            self.reservations[rid] = (ad, body["data"]["attributes"].get("description"))
            return 201, {"data": {"id": rid, "type": "did_reservations", "attributes": {}}}
        if method == "GET" and name == "orders":
            ref = query.get("filter[external_reference_id]")
            data = [o for o in self.orders.values() if not ref or o["attributes"]["external_reference_id"] == ref]
            return 200, {"data": data, "meta": {"total_records": len(data)}}
        if method == "POST" and name == "orders" and self.fail_orders:
            self.fail_orders -= 1
            return 503, {"errors": [{"title": "Service Unavailable", "status": "503"}]}
        if method == "POST" and name == "orders":
            attrs = body["data"]["attributes"]
            oid = self.next_id("ord")
            order = {"id": oid, "type": "orders", "attributes": {
                "status": self.order_outcome, "external_reference_id": attrs.get("external_reference_id"),
                "amount": "0", "items": attrs["items"]}}  # fmt: skip
            self.orders[oid] = order
            if self.order_outcome == "completed":
                self.complete(order)
            return 201, {"data": order}
        if method == "GET" and name == "dids":
            wanted = query.get("filter[number]")
            data = [self.did_doc(d) for d in self.dids.values() if not wanted or d["number"] == wanted]
            return 200, {"data": data, "meta": {"total_records": len(data)}}
        if method == "PATCH" and name == "dids":
            did = self.dids.get(key)
            if did is None:
                return 404, {"errors": [{"title": "Not found", "status": "404"}]}
            attrs = body["data"].get("attributes", {})
            for a in ("terminated", "billing_cycles_count"):
                if a in attrs:
                    did[a] = attrs[a]
            rel = body["data"].get("relationships", {}).get("voice_in_trunk")
            if rel is not None:
                did["trunk"] = rel["data"]["id"] if rel["data"] else None
            return 200, {"data": self.did_doc(did)}
        if method == "GET" and name == "voice_in_trunks":
            wanted = query.get("filter[name]")
            data = [t for t in self.trunks.values() if not wanted or t["attributes"]["name"] == wanted]
            return 200, {"data": data, "meta": {"total_records": len(data)}}
        if method == "POST" and name == "voice_in_trunks":
            tid = self.next_id("trunk")
            trunk = {"id": tid, "type": "voice_in_trunks", "attributes": body["data"]["attributes"]}
            self.trunks[tid] = trunk
            return 201, {"data": trunk}
        return 404, {"errors": [{"title": "Not found", "status": "404"}]}

    # --- the regulatory vault ----------------------------------------------------------------------

    PROOF_TYPES = (("pt-passport", "Passport", "Personal"), ("pt-extract", "Company extract", "Business"),
                   ("pt-bill", "Utility bill", "Address"))  # fmt: skip

    def keys(self) -> list:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        while len(self.vault_keys) < 2:
            private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            self.vault_keys.append((private, pem.decode()))
        return self.vault_keys

    def decrypt(self, blob: bytes) -> bytes:
        """What the SDK's ``Encrypt`` made for our keys (the first key's part opens it)."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        private = self.keys()[0][0]
        oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
        credentials = private.decrypt(blob[:256], oaep)
        decryptor = Cipher(algorithms.AES(credentials[:32]), modes.CBC(credentials[32:])).decryptor()
        padded = decryptor.update(blob[512:]) + decryptor.finalize()
        return padded[: -padded[-1]]

    def vault_answer(self, method: str, name: str, key: str | None, body) -> tuple[int, dict | None] | None:
        if method == "GET" and name == "public_keys":
            data = [{"id": f"pk-{i}", "type": "public_keys", "attributes": {"key": pem}}
                    for i, (_private, pem) in enumerate(self.keys())]  # fmt: skip
            return 200, {"data": data, "meta": {"total_records": 2}}
        if method == "GET" and name == "proof_types":
            data = [{"id": i, "type": "proof_types", "attributes": {"name": n, "entity_type": e}}
                    for i, n, e in self.PROOF_TYPES]  # fmt: skip
            return 200, {"data": data, "meta": {"total_records": len(data)}}
        kinds = ("identities", "addresses", "proofs", "address_verifications", "encrypted_files")
        if name not in kinds:
            return None
        if method == "POST" and self.refuse == name:
            detail = f"{name} refused: company_reg_number is invalid"
            return 422, {"errors": [{"title": "is invalid", "detail": detail, "code": "100", "status": "422"}]}
        if method == "POST" and name == "encrypted_files":
            rid = self.next_id("ef")
            self.files[rid] = self.decrypt(body["file"])
            self.vault.setdefault(name, {})[rid] = {"id": rid, "type": name, "attributes": {}}
            return 201, {"data": {"id": rid, "type": name, "attributes": {}}}
        if method == "POST":
            rid = self.next_id(name[:4])
            resource = {"id": rid, "type": name, "attributes": body["data"].get("attributes", {}),
                        "relationships": body["data"].get("relationships", {})}  # fmt: skip
            self.vault.setdefault(name, {})[rid] = resource
            if name == "address_verifications":
                self.verdict.setdefault(rid, ("pending", None))
            return 201, {"data": self.vault_doc(resource)}
        if method == "GET" and key is not None:
            resource = self.vault.get(name, {}).get(key)
            if resource is None:
                return 404, {"errors": [{"title": "Not found", "status": "404"}]}
            return 200, {"data": self.vault_doc(resource)}
        return None

    def vault_doc(self, resource: dict) -> dict:
        """As DIDWW answers: attributes, and no relationship data unless included (none is, here)."""
        doc = {"id": resource["id"], "type": resource["type"], "attributes": dict(resource["attributes"])}
        if resource["type"] == "address_verifications":
            status, reasons = self.verdict.get(resource["id"], ("pending", None))
            doc["attributes"].update(status=status, reject_reasons=reasons)
        return doc

    def complete(self, order: dict) -> None:
        order["attributes"]["status"] = "completed"
        for item in order["attributes"]["items"]:
            attrs = item["attributes"]
            held = self.reservations.get(attrs.get("did_reservation_id", ""))
            ad = held[0] if held else attrs.get("available_did_id")
            _group, number = self.available()[ad]
            did_id = self.next_id("did")
            self.dids[did_id] = {"id": did_id, "number": number, "terminated": False,
                                 "billing_cycles_count": None, "trunk": None}  # fmt: skip


def serve(fake: FakeDidww) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _handle(self, method: str) -> None:
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if self.headers.get("Content-Type", "").startswith("multipart/form-data"):
                body = _multipart(self.headers["Content-Type"], raw)
            else:
                body = json.loads(raw) if raw else None
            headers = {k: v for k, v in self.headers.items() if k.lower() in ("idempotency-key", "content-type")}
            fake.requests.append(Recorded(method, split.path.removeprefix("/v3"), query, body, headers))
            if self.headers.get("Api-Key") != "test-key" and not split.path.startswith("/v3/public_keys"):
                status, doc = 401, {"errors": [{"title": "Unauthorized", "status": "401"}]}
            else:
                status, doc = fake.answer(method, split.path, query, body)
            payload = json.dumps(doc).encode() if doc is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/vnd.api+json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):  # noqa: N802
            self._handle("GET")

        def do_POST(self):  # noqa: N802
            self._handle("POST")

        def do_PATCH(self):  # noqa: N802
            self._handle("PATCH")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v3"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _multipart(content_type: str, raw: bytes) -> dict:
    """The fields of a multipart body (``encrypted_files[file]`` as ``file``, bytes; the others as text)."""
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
    fields: dict = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition") or ""
        value = part.get_payload(decode=True)
        short = name.removeprefix("encrypted_files[").removesuffix("]")
        fields[short] = value if short == "file" else value.decode()
    return fields
