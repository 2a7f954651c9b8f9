"""The database keeps what people did; content lives in files and is keyed by slug."""

from lms.models.accounts import ApiToken, LoginThrottle, User
from lms.models.attempts import Attempt
from lms.models.audit import AuditEvent
from lms.models.certifications import Certification, PersonEvidence, Signoff, Upload, UploadChunk
from lms.models.discussions import Post
from lms.models.health import HealthProbe
from lms.models.invitations import AccountToken, OrganizationDomain
from lms.models.notifications import Notification
from lms.models.organizations import Organization
from lms.models.outbox import OutboxMessage
from lms.models.points import CompanyPointsTotal, PointsEntry, PointsTotal
from lms.models.progress import LessonProgress

__all__ = [
    "AccountToken",
    "ApiToken",
    "Attempt",
    "AuditEvent",
    "Certification",
    "CompanyPointsTotal",
    "HealthProbe",
    "LessonProgress",
    "LoginThrottle",
    "Notification",
    "Organization",
    "OrganizationDomain",
    "OutboxMessage",
    "PersonEvidence",
    "PointsEntry",
    "PointsTotal",
    "Post",
    "Signoff",
    "Upload",
    "UploadChunk",
    "User",
]
