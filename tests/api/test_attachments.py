"""A driver's phone uploads proof-of-delivery photos and signatures under ids it made, whenever it has
a signal: whole or chunk by chunk, resuming after the app was closed, repeating safely. The server
judges the file by its bytes, keeps it whole or not at all, and shows it only to who may see it."""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import uuid
from pathlib import Path

import pytest
from litestar.testing import TestClient
from PIL import Image

from tests.support import create_user, db_config, login


def _image(fmt: str, size: tuple[int, int] = (64, 48), seed: int = 0) -> bytes:
    """A real image file; a noisy one for a bigger file."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3) if seed else bytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


JPEG = _image("JPEG")
PNG = _image("PNG")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _new_id() -> str:
    return str(uuid.uuid4())


def _headers(auth: dict, data: bytes, kind: str = "photo", content_range: str | None = None, **extra) -> dict:
    headers = {**auth, "X-Content-SHA256": _sha(data), "X-Attachment-Kind": kind, **extra}
    if content_range is not None:
        headers["Content-Range"] = content_range
    return headers


def _app(folder: Path):
    from server.app import create_app
    from server.settings import Settings

    return create_app(Settings(attachment_dir=str(folder)))


def _row(attachment_id: str):
    from server.db import Database

    async def read():
        db = Database(db_config())
        await db.start()
        try:
            return await db.fetchrow("SELECT * FROM attachment WHERE id = ?", attachment_id)
        finally:
            await db.close()

    return asyncio.run(read())


ROLES_OF = {"dana": "driver", "dev": "driver", "sue": "supervisor", "ada": "admin", "pia": "picker", "pat": "packer"}


class _Logins(dict):
    """Each user's auth headers, the user created and logged in when first asked for (Argon2 is slow)."""

    def __init__(self, client: TestClient):
        super().__init__()
        self.client = client

    def __missing__(self, name: str) -> dict[str, str]:
        self[name] = login(self.client, name, create_user(name, ROLES_OF[name]))
        return self[name]


class Phones:
    """The app on a test client, with a folder of its own, and everyone's logins."""

    def __init__(self, client: TestClient, folder: Path):
        self.client = client
        self.folder = folder
        self.users = _Logins(client)

    def put(self, attachment_id: str, body: bytes, headers: dict):
        return self.client.put(f"/api/attachments/{attachment_id}", content=body, headers=headers)

    def file(self, attachment_id: str) -> Path:
        return self.folder / attachment_id[:2] / attachment_id

    def partials(self) -> list[str]:
        folder = self.folder / "partial"
        return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def phones(clean_db, tmp_path):
    folder = tmp_path / "attachments"
    with TestClient(_app(folder)) as client:
        yield Phones(client, folder)


def test_a_photo_uploaded_whole_is_stored_under_its_id(phones):
    driver = phones.users["dana"]
    device = phones.client.post("/api/devices", json={"name": "Van 3 phone"}, headers=driver).json()["device_id"]
    photo_id = _new_id()
    response = phones.put(photo_id, JPEG, _headers(driver, JPEG))
    assert response.status_code == 201, response.text
    assert response.json() == {
        "id": photo_id,
        "sha256": _sha(JPEG),
        "size": len(JPEG),
        "content_type": "image/jpeg",
        "kind": "photo",
        "complete": True,
        "stored": True,
    }
    assert phones.file(photo_id).read_bytes() == JPEG
    row = _row(photo_id)
    assert row["uploaded_by"] == phones.client.get("/api/auth/me", headers=driver).json()["id"]
    assert row["device_id"] == device
    assert phones.partials() == []


def test_uploading_the_same_file_again_changes_nothing(phones):
    driver = phones.users["dana"]
    photo_id = _new_id()
    assert phones.put(photo_id, JPEG, _headers(driver, JPEG)).status_code == 201
    before = phones.file(photo_id).stat()
    again = phones.put(photo_id, JPEG, _headers(driver, JPEG))
    assert again.status_code == 200, again.text
    assert again.json()["stored"] is False and again.json()["complete"] is True and again.json()["sha256"] == _sha(JPEG)
    after = phones.file(photo_id).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    # The body of a repeat is not even read: announcing the same hash is enough.
    assert phones.put(photo_id, b"ignored", _headers(driver, JPEG)).status_code == 200


def test_other_bytes_under_an_id_already_held_are_a_conflict(phones):
    driver = phones.users["dana"]
    photo_id = _new_id()
    assert phones.put(photo_id, JPEG, _headers(driver, JPEG)).status_code == 201
    other = _image("JPEG", seed=1)
    response = phones.put(photo_id, other, _headers(driver, other))
    assert response.status_code == 409 and response.json()["error"] == "attachment_conflict", response.text
    assert phones.file(photo_id).read_bytes() == JPEG
    assert _row(photo_id)["sha256"] == _sha(JPEG)
    assert phones.client.get(f"/api/attachments/{photo_id}", headers=phones.users["sue"]).content == JPEG


def test_a_chunked_upload_resumes_after_the_app_was_closed(phones, tmp_path):
    driver = phones.users["dana"]
    photo = _image("JPEG", (160, 120), seed=1)
    total = len(photo)
    cuts = [0, total // 3, 2 * total // 3, total]
    photo_id = _new_id()

    def chunk(client, i):
        start, end = cuts[i], cuts[i + 1]
        return client.put(
            f"/api/attachments/{photo_id}",
            content=photo[start:end],
            headers=_headers(driver, photo, content_range=f"bytes {start}-{end - 1}/{total}"),
        )

    first = chunk(phones.client, 0)
    assert first.status_code == 202, first.text
    assert first.json() == {"id": photo_id, "received": cuts[1], "total": total, "complete": False}
    # The app is closed mid-upload (the server restarts too); on the next start the phone asks how far it got.
    phones.client.__exit__(None, None, None)
    with TestClient(_app(phones.folder)) as client:
        status = client.get(f"/api/attachments/{photo_id}/status", headers=driver)
        assert status.status_code == 200
        assert status.json() == {"id": photo_id, "received": cuts[1], "total": total, "complete": False}
        head = client.head(f"/api/attachments/{photo_id}/status", headers=driver)
        assert head.status_code == 200 and head.headers["x-attachment-received"] == str(cuts[1])
        assert head.headers["x-attachment-total"] == str(total) and head.headers["x-attachment-complete"] == "false"
        assert _row(photo_id) is None and not phones.file(photo_id).exists()

        second = chunk(client, 1)
        assert second.status_code == 202 and second.json()["received"] == cuts[2]
        last = chunk(client, 2)
        assert last.status_code == 201, last.text
        assert last.json()["sha256"] == _sha(photo) and last.json()["size"] == total and last.json()["stored"] is True
        assert phones.file(photo_id).read_bytes() == photo
        assert phones.partials() == []
        done = client.get(f"/api/attachments/{photo_id}/status", headers=driver).json()
        assert done == {"id": photo_id, "received": total, "total": total, "complete": True}
        # The last chunk sent again after a lost answer: the file is complete, so it is a repeat.
        assert chunk(client, 2).status_code == 200


def test_a_chunk_that_does_not_start_where_the_server_stopped_is_told_where_to_resume(phones):
    driver = phones.users["dana"]
    photo_id = _new_id()
    total = len(JPEG)
    assert phones.put(photo_id, JPEG[:100], _headers(driver, JPEG, content_range=f"bytes 0-99/{total}")).status_code == 202
    for start in (50, 150, 0):  # overlapping, leaving a gap, and the first chunk sent twice
        response = phones.put(
            photo_id, JPEG[start : start + 50], _headers(driver, JPEG, content_range=f"bytes {start}-{start + 49}/{total}")
        )
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "range_mismatch" and response.json()["received"] == 100
    rest = phones.put(photo_id, JPEG[100:], _headers(driver, JPEG, content_range=f"bytes 100-{total - 1}/{total}"))
    assert rest.status_code == 201 and phones.file(photo_id).read_bytes() == JPEG


def test_a_chunk_of_another_file_under_an_unfinished_id_is_a_conflict(phones):
    driver = phones.users["dana"]
    photo_id = _new_id()
    assert phones.put(photo_id, JPEG[:100], _headers(driver, JPEG, content_range=f"bytes 0-99/{len(JPEG)}")).status_code == 202
    response = phones.put(photo_id, PNG[:10], _headers(driver, PNG, content_range=f"bytes 0-9/{len(PNG)}"))
    assert response.status_code == 409 and response.json()["error"] == "attachment_conflict"


def test_bytes_that_do_not_hash_to_the_announced_sha256_are_discarded(phones):
    driver = phones.users["dana"]
    photo_id = _new_id()
    wrong = {**_headers(driver, JPEG), "X-Content-SHA256": _sha(b"something else")}
    response = phones.put(photo_id, JPEG, wrong)
    assert response.status_code == 400 and response.json()["error"] == "sha256_mismatch", response.text
    assert response.json()["field"] == "X-Content-SHA256"
    assert _row(photo_id) is None and not phones.file(photo_id).exists()
    # Chunked: the last chunk reveals it, and the partial bytes go too.
    total = len(JPEG)
    range_headers = {**wrong, "Content-Range": f"bytes 0-99/{total}"}
    assert phones.put(photo_id, JPEG[:100], range_headers).status_code == 202
    response = phones.put(photo_id, JPEG[100:], {**wrong, "Content-Range": f"bytes 100-{total - 1}/{total}"})
    assert response.status_code == 400 and response.json()["error"] == "sha256_mismatch"
    assert _row(photo_id) is None and not phones.file(photo_id).exists() and phones.partials() == []
    assert phones.client.get(f"/api/attachments/{photo_id}/status", headers=driver).status_code == 404


def test_the_type_comes_from_the_content_not_the_name_or_the_header(phones):
    driver = phones.users["dana"]
    photo_id = _new_id()
    disguised = _headers(driver, PNG, **{"Content-Type": "image/jpeg", "Content-Disposition": 'attachment; filename="p.jpg"'})
    response = phones.put(photo_id, PNG, disguised)
    assert response.status_code == 201 and response.json()["content_type"] == "image/png"
    assert phones.client.get(f"/api/attachments/{photo_id}", headers=driver).headers["content-type"] == "image/png"


@pytest.mark.parametrize(
    "kind, body",
    [
        ("photo", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("photo", b"just some text, not a picture at all"),
        ("signature", JPEG),  # a signature is a PNG
        ("signature", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ],
    ids=["html photo", "text photo", "jpeg signature", "svg signature"],
)
def test_content_that_is_not_an_allowed_image_is_refused(phones, kind, body):
    attachment_id = _new_id()
    response = phones.put(attachment_id, body, _headers(phones.users["dana"], body, kind=kind))
    assert response.status_code == 415 and response.json()["error"] == "unsupported_type", response.text
    assert _row(attachment_id) is None and not phones.file(attachment_id).exists() and phones.partials() == []


def test_a_file_over_the_limit_is_refused_before_its_body_is_stored(phones):
    driver = phones.users["dana"]
    photo_id = _new_id()
    big = _image("PNG", (400, 300), seed=1)
    assert len(big) > 307_200
    # Announced by Content-Range: refused at the first chunk.
    response = phones.put(photo_id, big[:1000], _headers(driver, big, content_range=f"bytes 0-999/{len(big)}"))
    assert response.status_code == 413 and response.json()["error"] == "too_large", response.text
    assert "307200" in response.json()["message"]
    # Whole, by Content-Length.
    assert phones.put(photo_id, big, _headers(driver, big)).status_code == 413
    assert phones.partials() == [] and not phones.file(photo_id).exists()
    assert phones.client.get(f"/api/attachments/{photo_id}/status", headers=driver).status_code == 404
    # A signature's limit is 102,400 bytes.
    signature = phones.put(_new_id(), b"x", _headers(driver, b"x", kind="signature", content_range="bytes 0-0/102401"))
    assert signature.status_code == 413


def test_pickers_and_packers_may_neither_upload_nor_read(phones):
    photo_id = _new_id()
    assert phones.put(photo_id, JPEG, _headers(phones.users["dana"], JPEG)).status_code == 201
    for name in ("pia", "pat"):
        auth = phones.users[name]
        assert phones.put(_new_id(), JPEG, _headers(auth, JPEG)).status_code == 403
        assert phones.client.get(f"/api/attachments/{photo_id}", headers=auth).status_code == 403
        assert phones.client.get(f"/api/attachments/{photo_id}/status", headers=auth).status_code == 403
    assert phones.client.get(f"/api/attachments/{photo_id}").status_code == 401


def test_a_driver_reads_their_own_uploads_only(phones):
    photo_id = _new_id()
    assert phones.put(photo_id, JPEG, _headers(phones.users["dana"], JPEG)).status_code == 201
    own = phones.client.get(f"/api/attachments/{photo_id}", headers=phones.users["dana"])
    assert own.status_code == 200 and own.content == JPEG
    other = phones.client.get(f"/api/attachments/{photo_id}", headers=phones.users["dev"])
    assert other.status_code == 403 and "uploaded" in other.json()["message"]


@pytest.mark.parametrize("reader", ["sue", "ada"])
def test_a_supervisor_or_admin_gets_the_exact_bytes_never_cached(phones, reader):
    signature_id = _new_id()
    assert phones.put(signature_id, PNG, _headers(phones.users["dana"], PNG, kind="signature")).status_code == 201
    response = phones.client.get(f"/api/attachments/{signature_id}", headers=phones.users[reader])
    assert response.status_code == 200
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-disposition"] == "inline"


def test_an_unknown_id_is_a_404(phones):
    sue = phones.users["sue"]
    for path in (f"/api/attachments/{_new_id()}", f"/api/attachments/{_new_id()}/status"):
        response = phones.client.get(path, headers=sue)
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert phones.client.head(f"/api/attachments/{_new_id()}/status", headers=sue).status_code == 404


@pytest.mark.parametrize(
    "attachment_id",
    ["photo-1", "12345", str(uuid.uuid4()).upper(), str(uuid.uuid1()), "../../etc/passwd", "a" * 36],
    ids=["name", "number", "uppercase", "uuid v1", "path", "36 letters"],
)
def test_an_id_that_is_not_a_lowercase_uuid4_is_a_400_naming_id(phones, attachment_id):
    driver = phones.users["dana"]
    for response in (
        phones.put(attachment_id, JPEG, _headers(driver, JPEG)),
        phones.client.get(f"/api/attachments/{attachment_id}", headers=driver),
        phones.client.get(f"/api/attachments/{attachment_id}/status", headers=driver),
    ):
        if attachment_id.startswith("../"):
            assert response.status_code in (400, 404)  # the path may not even reach the route
            continue
        assert response.status_code == 400, response.text
        assert response.json()["field"] == "id" and "UUID" in response.json()["message"]
    assert not phones.folder.exists() or not any(p.is_file() for p in phones.folder.rglob("*"))


@pytest.mark.parametrize(
    "change, field",
    [
        ({"X-Content-SHA256": None}, "X-Content-SHA256"),
        ({"X-Content-SHA256": "abc"}, "X-Content-SHA256"),
        ({"X-Content-SHA256": _sha(JPEG).upper()}, "X-Content-SHA256"),
        ({"X-Attachment-Kind": "video"}, "X-Attachment-Kind"),
        ({"X-Attachment-Kind": None}, "X-Attachment-Kind"),
        ({"Content-Range": "bytes 10-5/100"}, "Content-Range"),
        ({"Content-Range": "bytes 0-99/50"}, "Content-Range"),
        ({"Content-Range": "items 0-9/10"}, "Content-Range"),
        ({"Content-Range": f"bytes 0-9/{len(JPEG)}"}, "Content-Range"),  # the body holds more than 10 bytes
    ],
    ids=[
        "no hash",
        "short hash",
        "uppercase hash",
        "unknown kind",
        "no kind",
        "end before start",
        "beyond total",
        "not bytes",
        "body longer",
    ],
)
def test_malformed_headers_are_a_400_naming_the_header(phones, change, field):
    headers = _headers(phones.users["dana"], JPEG)
    for name, value in change.items():
        if value is None:
            headers.pop(name)
        else:
            headers[name] = value
    photo_id = _new_id()
    response = phones.put(photo_id, JPEG, headers)
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field and response.json()["message"]
    assert _row(photo_id) is None and phones.partials() == []


def test_two_identical_uploads_at_once_write_the_file_once(clean_db, tmp_path):
    """Both requests complete the same id at the same moment: the row's key decides, the loser writes
    nothing and answers as a repeat does."""
    from server.accounts.security import CurrentUser
    from server.attachments import service
    from server.attachments.storage import AttachmentStore
    from server.db import Database

    create_user("dana", "driver")
    store = AttachmentStore(tmp_path)
    photo_id = _new_id()

    async def body():
        yield JPEG

    async def race():
        db = Database(db_config())
        await db.start()
        try:
            user_id = await db.fetchrow("SELECT id FROM app_user WHERE username = 'dana'")
            user = CurrentUser(user_id["id"], "dana", "driver", "Dana")
            chunk = service.parse_chunk(photo_id, "photo", _sha(JPEG), None, len(JPEG))
            return await asyncio.gather(*(service.upload(db, store, user, chunk, body()) for _ in range(4)))
        finally:
            await db.close()

    results = asyncio.run(race())
    assert sorted(r.stored for r in results) == [False, False, False, True]
    assert store.path(photo_id).read_bytes() == JPEG
    assert [p.name for p in store.path(photo_id).parent.iterdir()] == [photo_id]  # no temporary file left behind
