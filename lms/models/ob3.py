"""Open Badges 3.0: the issuer's published public keys.

Only public keys are stored here (the private key lives in the instance folder or
``LMS_OB3_KEY``). A key stays published after rotation, so credentials it signed
keep verifying; ``retired_at`` says it no longer signs new ones.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.models.types import UTCDateTime, utcnow


class Ob3Key(db.Model):
    __tablename__ = "ob3_keys"

    # RFC 7638 thumbprint of the public key: the fragment of its did:web key id.
    kid: Mapped[str] = mapped_column(String(64), primary_key=True)
    public_jwk: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
