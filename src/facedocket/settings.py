"""Typed settings, read from the environment (prefix ``FACEDOCKET_``).

One object carries every knob so that a deployment is described by its environment alone,
and so that tests can build a settings object pointing at a temporary folder.
"""

from __future__ import annotations

import base64
import binascii
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from facedocket.entropy import MIN_SECRET_BITS, estimated_bits, text_bits
from facedocket.kernel.roles import CASE_ROLES, Role

IndexBackend = Literal["faiss-flat", "faiss-sq8-exact", "faiss-hnsw", "milvus-flat", "milvus-hnsw"]
EnrolEngine = Literal["local", "ray"]
Environment = Literal["development", "production"]
MIN_SECRET_KEY_LENGTH = 32
CJIS_IDLE_MINUTES = 30
# Published Ed25519 private keys (RFC 8032 section 7.1, tests 1 to 3): anyone can sign
# with them, however random they look.
PUBLISHED_ED25519_SEEDS = frozenset(
    bytes.fromhex(seed)
    for seed in (
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    )
)


class WitnessSetting(BaseModel):
    """A witness the agency submits its checkpoints to: where, and the key it cosigns with."""

    url: str = Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$", max_length=500)
    key: str = Field(max_length=500, description="Its C2SP verifier key, name+keyid+base64.")

    @field_validator("key")
    @classmethod
    def _verifier_key(cls, value: str) -> str:
        from facedocket.audit.note import NoteError, parse_witness_vkey  # noqa: PLC0415

        try:
            parse_witness_vkey(value)
        except NoteError as error:
            raise ValueError(str(error)) from None
        return value


class OidcProvider(BaseModel):
    """An agency identity provider people sign in through (OpenID Connect)."""

    name: str = Field(pattern=r"^[a-z0-9-]{1,30}$", description="Short name, in URLs.")
    issuer: str = Field(pattern=r"^https?://[^\s]{1,500}$", description="Its issuer URL.")
    client_id: str = Field(min_length=1, max_length=500)
    client_secret: SecretStr
    label: str = Field(default="", max_length=100, description="What the button says.")
    claim: str = Field(
        default="groups",
        pattern=r"^[A-Za-z0-9_.:/-]{1,100}$",
        description="The ID token claim whose values the administrator maps to roles.",
    )
    scope: str = Field(default="openid profile email", max_length=500)


class Settings(BaseSettings):
    """Everything a deployment may change without touching code."""

    model_config = SettingsConfigDict(env_prefix="FACEDOCKET_", extra="ignore")

    data_dir: Path = Field(
        default=Path("var"), description="Where the database file, indexes and model cache live."
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; an SQLite file under data_dir when unset."
    )
    # Exact search is the default: a legal search must not silently miss a mate, and an exact
    # scan of a county-sized gallery costs milliseconds. HNSW is for state-sized galleries.
    index_backend: IndexBackend = "faiss-flat"
    # HNSW: the graph that met the targets at a million templates (docs/scaling.md): recall@50
    # 0.997 against exact search and every mate exact search ranks in the top 50, in 4 ms.
    hnsw_m: int = Field(default=48, ge=4, le=128)
    hnsw_ef_construction: int = Field(default=400, ge=16)
    hnsw_ef_search: int = Field(default=448, ge=16)
    # faiss-sq8-exact: the 8-bit shortlist re-scored exactly; a longer one proves itself in
    # fewer searches, a shorter one costs less each time (docs/scaling.md).
    sq8_shortlist: int = Field(default=500, ge=16, le=100_000)
    # Milvus (index_backend milvus-flat or milvus-hnsw): a cluster for a state-sized gallery,
    # or milvus-lite, a local folder, when unset. See docs/scaling.md.
    milvus_uri: str | None = Field(
        default=None,
        description="Milvus address, e.g. http://milvus.internal:19530; "
        "a milvus-lite database at data_dir/milvus.db when unset.",
    )
    milvus_token: SecretStr | None = Field(
        default=None, description="Milvus credentials, 'user:password' or an API key."
    )
    milvus_collection_prefix: str = Field(
        default="facedocket",
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$",
        description="Names this deployment's collections apart from others on the cluster.",
    )
    milvus_shards: int = Field(
        default=1, ge=1, le=64, description="Shards of a new collection (ingest parallelism)."
    )
    milvus_replicas: int = Field(
        default=1, ge=1, le=16, description="In-memory replicas loaded (query throughput, HA)."
    )
    policy: str = Field(
        default="massachusetts",
        description="The jurisdiction's policy pack that new requests are decided under.",
    )
    model: str = Field(default="dlib-resnet-v1", description="Embedder id used for new templates.")
    model_dir: Path | None = Field(
        default=None,
        description="Converted models and registered model cards; data_dir/models when unset.",
    )
    match_threshold: float | None = Field(
        default=None,
        description="Cosine similarity above which a pair is called the same person; "
        "the model's calibrated threshold when unset.",
    )
    max_upsample: int = Field(
        default=2, ge=0, le=3, description="Most times the detector may double a small image."
    )
    max_image_bytes: int = Field(default=25 * 1024 * 1024, ge=1024)
    max_image_pixels: int = Field(default=40_000_000, ge=10_000)
    # A phone's 12-megapixel photo (4032x3024) is decoded as it is; a 36-megapixel one at
    # half size. Detection finds faces of about 80 pixels, so a face that is lost by the
    # bound was under 160 pixels in a photo of 8000; memory per decode stays near 50 MB.
    max_image_side: int = Field(
        default=4096,
        ge=256,
        description="Longer side of the working image a photo is decoded at (faces need "
        "far fewer pixels than cameras take); larger photos are scaled down while decoding.",
    )
    max_concurrent_decodes: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Photos one process decodes at once; further decodes wait their turn.",
    )
    workers: int = Field(default=0, ge=0, description="Enrolment processes; 0 means all cores.")
    enrol_engine: EnrolEngine = Field(
        default="local",
        description="Bulk enrolment on this machine's processes, or on a Ray cluster.",
    )
    ray_address: str | None = Field(
        default=None,
        description="Ray cluster to enrol on (e.g. ray://head:10001 or auto); "
        "a local Ray instance when unset.",
    )
    enrol_batch_size: int = Field(
        default=16, ge=1, le=4096, description="Photos per batch handed to a CPU worker."
    )
    enrol_commit_every: int = Field(
        default=256,
        ge=1,
        le=100_000,
        description="Photos per database transaction: what a crash can make a rerun redo.",
    )
    gpu_batch_size: int = Field(
        default=256,
        ge=1,
        le=4096,
        description="Photos per batch when the embedder runs on a GPU: large enough to keep "
        "it busy, small enough for its memory (each photo is two chips with the mirror).",
    )
    job_lease_seconds: float = Field(
        default=60,
        ge=1,
        le=3600,
        description="How long a job's worker may go without a heartbeat before another "
        "worker takes the job over (a worker killed outright stops beating).",
    )
    # Scheduled duties, run by every worker; the duty_runs table lets one worker run each.
    duty_user: str | None = Field(
        default=None,
        max_length=200,
        description="Username of the administrator in whose name the scheduled retention "
        "purges and quarterly reports run (both need a person holding the role); until it "
        "is set, those duties fail on each run, saying why, and are retried.",
    )
    duty_checkpoint_minutes: int = Field(
        default=60, ge=0, le=7 * 24 * 60, description="Sign a checkpoint this often; 0: off."
    )
    duty_witness_minutes: int = Field(
        default=60,
        ge=0,
        le=7 * 24 * 60,
        description="Send the newest checkpoint to the WITNESSES this often (besides after "
        "each search); 0, or no witnesses: off.",
    )
    duty_retention_hours: int = Field(
        default=24, ge=0, le=24 * 366, description="Run retention purges this often; 0: off."
    )
    duty_statements_minutes: int = Field(
        default=15,
        ge=0,
        le=24 * 60,
        description="Look for sworn statements overdue (and soon due) this often; 0: off.",
    )
    # Notices by mail (notify/): the worker sends them through this SMTP server.
    smtp_host: str | None = Field(
        default=None,
        max_length=255,
        description="The mail server; when unset, notices show on home pages only and "
        "wait in the outbox.",
    )
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="starttls (port 587), tls (implicit TLS, port 465) or none (a relay "
        "on this machine only: production refuses none with credentials).",
    )
    smtp_username: str | None = Field(default=None, max_length=255)
    smtp_password: SecretStr | None = None
    smtp_sender: str = Field(
        default="facedocket@localhost",
        max_length=254,
        description="The From address of the notices.",
    )
    smtp_timeout_seconds: float = Field(default=20, gt=0, le=300)
    notice_max_attempts: int = Field(
        default=12,
        ge=1,
        le=100,
        description="Tries to mail a notice (the wait doubles from 30 s, up to an hour) "
        "before it is marked failed on the administrator's page.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        pattern=r"^https?://[^\s/?#]+(/[^\s?#]*)?$",
        description="Where people reach the service: the start of every link in a mail.",
    )
    duty_quarterly_hour: int = Field(
        default=2,
        ge=0,
        le=23,
        description="The hour (the policy's local time) of a quarter's first day at which "
        "the past quarter's per-search documentation is produced and stored.",
    )
    photo_root: Path | None = Field(
        default=None,
        description="Where the gallery's photos live: enrolled photos under it are kept "
        "relative to it (so the store can move), others by absolute path. Absolute.",
    )
    faces_dir: Path = Field(
        default=Path("../shared/data/faces"), description="The development photo set."
    )
    # In production the key comes from the agency's secret store and its public half is
    # handed to the oversight office; a key kept next to the database only proves that
    # nobody without file access rewrote the record.
    audit_signing_key: SecretStr | None = Field(
        default=None,
        description="Ed25519 private key signing audit checkpoints: base64 of the raw 32 "
        "bytes. When unset, a development key is generated into <data_dir>/audit-signing.key "
        "(mode 0600) on first use.",
    )
    witnesses: list[WitnessSetting] = Field(
        default_factory=list,
        description="Witnesses that cosign the record (C2SP tlog-witness), as JSON: "
        '[{"url": "https://witness.example", "key": "name+keyid+base64"}]. '
        "Each gets the newest checkpoint after every search and from 'audit witness'.",
    )
    witness_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=60,
        description="How long a submission waits for a witness; a search never waits longer.",
    )
    audit_origin: str = Field(
        default="facedocket.invalid/audit",
        pattern=r"^[^\s+]+$",
        max_length=200,
        description="The origin line of the record's C2SP checkpoints: names this log to "
        "witnesses and verifiers (one word without '+', e.g. "
        "'records.statepolice.example/audit'). Each "
        "deployment sets its own; changing it later starts what verifiers see as a new log.",
    )
    totp_key: SecretStr | None = Field(
        default=None,
        description="Fernet key (url-safe base64 of 32 bytes) sealing TOTP seeds at rest. "
        "When unset, a development key is generated into <data_dir>/totp.key (mode 0600).",
    )

    # The web service. Defaults suit a developer's machine; outside development every
    # default that would be insecure must be replaced explicitly (see ``_safe_outside_dev``).
    environment: Environment = Field(
        default="development",
        description="'production' refuses to start with any insecure default left in place.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs login-form tokens; at least 32 characters. A random key per "
        "process when unset (development only).",
    )
    secure_cookies: bool = Field(
        default=False, description="Send cookies only over HTTPS (required in production)."
    )
    allow_sqlite: bool = Field(
        default=False,
        description="Let production run on SQLite: one machine, one server process.",
    )
    # CJIS Security Policy 5.5.5: a session locks after at most 30 minutes without use;
    # the absolute lifetime is one working shift, after which a person signs in again.
    session_hours: float = Field(
        default=12, gt=0, le=24 * 7, description="Absolute lifetime of a browser session."
    )
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=24 * 60,
        description="A browser session unused this long ends (at most 30 in production).",
    )
    second_factor_roles: str | None = Field(
        default=None,
        pattern=r"^[a-z_, ]{0,200}$",
        description="Comma-separated roles that must sign in with a second factor (TOTP or "
        "a passkey); every role in production when unset, none in development.",
    )
    oidc_providers: list[OidcProvider] = Field(
        default_factory=list,
        description="Identity providers for single sign-on, as JSON: "
        '[{"name": "entra", "issuer": "https://...", "client_id": "...", '
        '"client_secret": "...", "claim": "groups"}]',
    )
    api_token_max_days: int = Field(
        default=90, ge=1, le=366, description="The longest an API token may live."
    )
    max_request_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=1024,
        description="Largest request body the web service reads (uploads included).",
    )
    enrolment_dir: Path | None = Field(
        default=None,
        description="The only folder web enrolment may read sources from; "
        "data_dir/imports when unset.",
    )
    forwarded_allow_ips: str | None = Field(
        default=None,
        pattern=r"^[0-9A-Fa-f.:/, ]{1,2000}$",
        description="The reverse proxies (comma-separated addresses or networks) whose "
        "X-Forwarded-For and X-Forwarded-Proto headers are believed; none when unset, so "
        "no client can claim another address to the sign-in throttle or the record.",
    )
    uswds_dir: Path = Field(
        default=Path("node_modules/@uswds/uswds/dist"),
        description="The US Web Design System's built assets; pages are plain when absent.",
    )

    @field_validator("audit_signing_key")
    @classmethod
    def _raw_ed25519_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            raw = base64.b64decode(value.get_secret_value().strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not base64") from None
        if len(raw) != 32:
            raise ValueError(f"an Ed25519 private key is 32 bytes, this one is {len(raw)}")
        return value

    @field_validator("photo_root")
    @classmethod
    def _absolute_root(cls, value: Path | None) -> Path | None:
        # A relative root would mean another folder for each working directory: the bug
        # that stored locations exist to prevent.
        if value is not None and not value.is_absolute():
            raise ValueError(f"must be an absolute path, not {str(value)!r}")
        return value

    @field_validator("totp_key")
    @classmethod
    def _fernet_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        try:
            raw = base64.urlsafe_b64decode(value.get_secret_value().strip().encode())
        except (binascii.Error, ValueError):
            raise ValueError("not url-safe base64") from None
        if len(raw) != 32:
            raise ValueError(f"a Fernet key is 32 bytes, this one is {len(raw)}")
        return value

    @field_validator("second_factor_roles")
    @classmethod
    def _known_roles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        unknown = sorted(_names(value) - {role.value for role in Role})
        if unknown:
            raise ValueError(f"no such role: {', '.join(unknown)}")
        return value

    @field_validator("index_backend", mode="before")
    @classmethod
    def _plain_milvus(cls, value: object) -> object:
        # "milvus" alone means the exact kind, as exact search is the default everywhere.
        return "milvus-flat" if value == "milvus" else value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if self.database_url is None:
            self.database_url = f"sqlite:///{self.data_dir / 'facedocket.db'}"
        return self

    @model_validator(mode="after")
    def _safe_outside_dev(self) -> Settings:
        """Production must say every secret and choice itself; a default is a mistake there."""
        if self.environment == "development":
            return self
        problems = []
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if len(key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"FACEDOCKET_SECRET_KEY of at least {MIN_SECRET_KEY_LENGTH} characters")
        elif text_bits(key) < MIN_SECRET_BITS:
            problems.append(
                "a FACEDOCKET_SECRET_KEY that is not guessable (this one repeats characters "
                "or a pattern); make one with: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        if not self.secure_cookies:
            problems.append("FACEDOCKET_SECURE_COOKIES=true (serve over HTTPS)")
        if self.audit_signing_key is None:
            problems.append("FACEDOCKET_AUDIT_SIGNING_KEY from the agency's secret store")
        elif _weak_seed(self.audit_signing_key):
            problems.append(
                "a FACEDOCKET_AUDIT_SIGNING_KEY that is not a known or degenerate key (this "
                "one is all one byte, a pattern, or a published test key); generate 32 "
                "random bytes: python -c 'import base64, os; "
                "print(base64.b64encode(os.urandom(32)).decode())'"
            )
        if self.totp_key is None:
            problems.append("FACEDOCKET_TOTP_KEY (sealing TOTP seeds) from the secret store")
        exposed = sorted(role.value for role in CASE_ROLES)
        if not set(exposed) <= self.mandatory_second_factor:
            problems.append(
                "a second factor for every role that sees faces or cases "
                f"(FACEDOCKET_SECOND_FACTOR_ROLES must name {', '.join(exposed)})"
            )
        plain = [p.name for p in self.oidc_providers if not p.issuer.startswith("https://")]
        if plain:
            problems.append(f"identity providers over HTTPS (not {', '.join(plain)})")
        if self.session_idle_minutes > CJIS_IDLE_MINUTES:
            problems.append(
                f"FACEDOCKET_SESSION_IDLE_MINUTES of at most {CJIS_IDLE_MINUTES} (CJIS 5.5.5)"
            )
        if self.db_url.startswith("sqlite") and not self.allow_sqlite:
            problems.append(
                "a PostgreSQL FACEDOCKET_DATABASE_URL (or FACEDOCKET_ALLOW_SQLITE=true)"
            )
        if self.smtp_security == "none" and self.smtp_password is not None:
            problems.append(
                "FACEDOCKET_SMTP_SECURITY starttls or tls (a password is never sent in clear)"
            )
        if problems:
            raise ValueError(f"{self.environment} needs " + "; ".join(problems))
        return self

    @property
    def db_url(self) -> str:
        """The database URL, always set after validation."""
        assert self.database_url is not None
        return self.database_url

    @property
    def mandatory_second_factor(self) -> frozenset[str]:
        """The roles whose holders must pass a second factor before they may work."""
        if self.second_factor_roles is not None:
            return _names(self.second_factor_roles)
        if self.environment == "development":
            return frozenset()
        return frozenset(role.value for role in Role)

    @property
    def models_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "indexes"

    @property
    def imports_dir(self) -> Path:
        return self.enrolment_dir or self.data_dir / "imports"

    @property
    def milvus_target(self) -> str:
        """The Milvus URI, always set: the configured cluster or the local milvus-lite file."""
        return self.milvus_uri or str(self.data_dir / "milvus.db")

    @property
    def totp_key_file(self) -> Path:
        """Where the development TOTP key lives when none is configured."""
        return self.data_dir / "totp.key"

    @property
    def audit_signing_key_file(self) -> Path:
        """Where the development signing key lives when none is configured."""
        return self.data_dir / "audit-signing.key"


def _names(listed: str) -> frozenset[str]:
    return frozenset(name.strip() for name in listed.split(",") if name.strip())


def _weak_seed(key: SecretStr) -> bool:
    raw = base64.b64decode(key.get_secret_value().strip(), validate=True)
    return raw in PUBLISHED_ED25519_SEEDS or estimated_bits(list(raw)) < MIN_SECRET_BITS


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
