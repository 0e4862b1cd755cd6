"""Runtime settings, read once from the environment."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from scanner.sscc import configured_company_prefix
from sync.context import Policy

DEFAULT_SQLITE_FILE = "shipshape.db"
# Photos and signatures on PostgreSQL when SHIPSHAPE_ATTACHMENT_DIR is unset (there is no database
# file to keep them beside): a folder in the working directory the server was started from.
DEFAULT_ATTACHMENT_DIR = "shipshape-attachments"


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """`10.0.0.1, 10.1.0.0/16, ::1` → networks; a bad entry is a start-up error naming it."""
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"SHIPSHAPE_TRUSTED_PROXIES: {item!r} is not an IP address or network") from None
    return tuple(networks)


def parse_public_url(text: str | None) -> str | None:
    """SHIPSHAPE_PUBLIC_URL: where customers reach this server (tracking links are printed under it)."""
    if not text:
        return None
    parsed = urlparse(text)
    if parsed.scheme not in {"http", "https"} or not parsed.hostname:
        raise ValueError(f"SHIPSHAPE_PUBLIC_URL {text!r} must be an http(s) URL such as https://track.example.com")
    return text.rstrip("/")


def parse_carriers(text: str) -> tuple[tuple[str, str], ...]:
    """`dhl=acme.carriers:Dhl, ups=acme.carriers:Ups` → ((code, import path), …); a bad entry is a start-up error."""
    entries = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        code, _, path = item.partition("=")
        if not code.strip() or ":" not in path:
            raise ValueError(f"SHIPSHAPE_CARRIERS: {item!r} is not code=package.module:Class")
        entries.append((code.strip(), path.strip()))
    return tuple(entries)


class DatabaseUrlError(ValueError):
    """DATABASE_URL names no database this server can use."""


@dataclass(frozen=True, slots=True)
class DatabaseConfig:
    """Where the data lives: a SQLite file (the embedded default) or a PostgreSQL DSN."""

    dialect: str  # "sqlite" | "postgres"
    path: str = ""  # sqlite file
    dsn: str = ""  # postgres DSN

    @classmethod
    def from_url(cls, url: str | None) -> DatabaseConfig:
        if not url:
            return cls("sqlite", path=str(Path.cwd() / DEFAULT_SQLITE_FILE))
        parsed = urlparse(url)
        if parsed.scheme == "sqlite":
            # sqlite:///relative.db  and  sqlite:////absolute/path.db
            raw = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else parsed.path
            if not raw:
                raise DatabaseUrlError(
                    "DATABASE_URL sqlite:/// needs a file path: sqlite:///relative.db or sqlite:////absolute/path.db"
                )
            return cls("sqlite", path=str(Path(raw).resolve()))
        if parsed.scheme in {"postgres", "postgresql", "postgresql+asyncpg"}:
            return cls("postgres", dsn=url.replace("postgresql+asyncpg://", "postgresql://"))
        raise DatabaseUrlError(
            f"DATABASE_URL scheme {parsed.scheme!r} is not supported: use sqlite:///path.db or postgresql://user@host/dbname"
        )


@dataclass(frozen=True, slots=True)
class Settings:
    database: DatabaseConfig = field(default_factory=lambda: DatabaseConfig.from_url(os.environ.get("DATABASE_URL")))
    # Login attempts allowed per minute, per username and per client address, across all processes.
    login_rate_limit: int = int(os.environ.get("SHIPSHAPE_LOGIN_RATE_LIMIT", "10"))
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated);
    # from anyone else the header is ignored.
    trusted_proxies: tuple[Network, ...] = field(
        default_factory=lambda: parse_networks(os.environ.get("SHIPSHAPE_TRUSTED_PROXIES", ""))
    )
    token_ttl_hours: int = int(os.environ.get("SHIPSHAPE_TOKEN_TTL_HOURS", "12"))
    # The address customers use (tracking links on labels): never taken from a request's Host
    # header, which the client writes. Unset: labels and slips carry no tracking link.
    public_url: str | None = field(default_factory=lambda: parse_public_url(os.environ.get("SHIPSHAPE_PUBLIC_URL")))
    debug: bool = os.environ.get("SHIPSHAPE_DEBUG", "") == "1"
    # The warehouse's GS1 company prefix (SSCCs on shipping labels): SHIPSHAPE_GS1_COMPANY_PREFIX,
    # checked at start-up (6 to 12 digits), else GS1's own test prefix.
    gs1_company_prefix: str = field(default_factory=configured_company_prefix)
    # Where proof-of-delivery photos and signatures are kept: SHIPSHAPE_ATTACHMENT_DIR; "" for the
    # default (see `attachment_path`).
    attachment_dir: str = field(default_factory=lambda: os.environ.get("SHIPSHAPE_ATTACHMENT_DIR", ""))

    @property
    def attachment_path(self) -> Path:
        """The attachment folder: as set, else `attachments/` beside the SQLite file (a backup of that
        folder and the file together is the whole of the data), else ./shipshape-attachments."""
        if self.attachment_dir:
            return Path(self.attachment_dir).resolve()
        if self.database.dialect == "sqlite":
            return Path(self.database.path).parent / "attachments"
        return Path.cwd() / DEFAULT_ATTACHMENT_DIR

    # Carrier adapters beyond the own fleet, as (code, "package.module:Class"): SHIPSHAPE_CARRIERS
    # `dhl=acme.carriers:Dhl, …` (docs/carriers.md).
    carriers: tuple[tuple[str, str], ...] = field(
        default_factory=lambda: parse_carriers(os.environ.get("SHIPSHAPE_CARRIERS", ""))
    )
    # The From: of purchase-order e-mails (the .eml a buyer opens and sends): SHIPSHAPE_PURCHASING_EMAIL.
    purchasing_email: str = field(
        default_factory=lambda: os.environ.get("SHIPSHAPE_PURCHASING_EMAIL", "purchasing@shipshape.invalid")
    )


def stock_policy() -> Policy:
    """The warehouse's tolerances for counts and receipts (beyond them a change waits for a supervisor)."""
    return Policy(
        count_tolerance_units=int(os.environ.get("SHIPSHAPE_COUNT_TOLERANCE_UNITS", "10")),
        count_tolerance_pct=int(os.environ.get("SHIPSHAPE_COUNT_TOLERANCE_PCT", "10")),
        receipt_max_units=int(os.environ.get("SHIPSHAPE_RECEIPT_MAX_UNITS", "1000")),
    )


def get_settings() -> Settings:
    return Settings()
