"""The database keeps what people did; content lives in files and is keyed by slug."""

from lms.models.accounts import ApiToken, LoginThrottle, ScimToken, User
from lms.models.assignments import Assignment, ScheduledReport
from lms.models.attempts import Attempt
from lms.models.audit import AuditEvent
from lms.models.certifications import Certification, PersonEvidence, Signoff, Upload, UploadChunk
from lms.models.discussions import Post
from lms.models.health import HealthProbe
from lms.models.invitations import AccountToken, OrganizationDomain
from lms.models.notifications import Notification
from lms.models.ob3 import Ob3Key
from lms.models.organizations import Organization
from lms.models.outbox import OutboxMessage
from lms.models.points import CompanyPointsTotal, PointsEntry, PointsTotal
from lms.models.progress import LessonProgress
from lms.models.search import SearchDocument, SearchIndexState
from lms.models.webhooks import WebhookAttempt, WebhookEndpoint, WebhookMessage

__all__ = [
    "AccountToken",
    "ApiToken",
    "Assignment",
    "Attempt",
    "AuditEvent",
    "Certification",
    "CompanyPointsTotal",
    "HealthProbe",
    "LessonProgress",
    "LoginThrottle",
    "Notification",
    "Ob3Key",
    "Organization",
    "OrganizationDomain",
    "OutboxMessage",
    "PersonEvidence",
    "PointsEntry",
    "PointsTotal",
    "Post",
    "SearchDocument",
    "SearchIndexState",
    "ScheduledReport",
    "ScimToken",
    "Signoff",
    "Upload",
    "UploadChunk",
    "User",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
