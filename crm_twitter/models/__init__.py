"""Models, one module per concept, re-exported here."""

from crm_twitter.models.accounts import ApiCall, BilledResource, BrandAccount
from crm_twitter.models.api_tokens import ApiToken
from crm_twitter.models.cases import OPEN_STATUSES, Case, CaseEvent, CaseStatus, Outcome, Promise, Remedy
from crm_twitter.models.choices import Direction, Priority
from crm_twitter.models.classifier import CategoryLabel, CategoryModel
from crm_twitter.models.evidence import EvidencePack
from crm_twitter.models.incidents import Incident, IncidentCase, IncidentEvent
from crm_twitter.models.messages import ArchiveStatus, DirectMessage, Media, Party, Tweet
from crm_twitter.models.notifications import Notification
from crm_twitter.models.orders import Order, OrderItem
from crm_twitter.models.outbound import OutboundMessage
from crm_twitter.models.outcomes import CaseOutcome
from crm_twitter.models.people import Customer, XUser
from crm_twitter.models.preferences import UserPreferences
from crm_twitter.models.reports import ExchangeRate, ReportSnapshot
from crm_twitter.models.rollups import (
    RollupCaseDay,
    RollupCountDay,
    RollupCountMonth,
    RollupDirtyDay,
    RollupDurationDay,
    RollupDurationMonth,
    RollupState,
)
from crm_twitter.models.taxonomy import ComplaintCategory, ReplyTemplate
from crm_twitter.models.teams import SlaPolicy, Team, TeamMembership
from crm_twitter.models.webhooks import WebhookDelivery

__all__ = [
    "OPEN_STATUSES",
    "ApiCall",
    "ApiToken",
    "ArchiveStatus",
    "BilledResource",
    "BrandAccount",
    "Case",
    "CaseEvent",
    "CaseOutcome",
    "CaseStatus",
    "CategoryLabel",
    "CategoryModel",
    "ComplaintCategory",
    "Customer",
    "DirectMessage",
    "Direction",
    "EvidencePack",
    "ExchangeRate",
    "Incident",
    "IncidentCase",
    "IncidentEvent",
    "Media",
    "Notification",
    "Order",
    "OrderItem",
    "OutboundMessage",
    "Outcome",
    "Party",
    "Priority",
    "Promise",
    "Remedy",
    "ReplyTemplate",
    "ReportSnapshot",
    "RollupCaseDay",
    "RollupCountDay",
    "RollupCountMonth",
    "RollupDirtyDay",
    "RollupDurationDay",
    "RollupDurationMonth",
    "RollupState",
    "SlaPolicy",
    "Team",
    "TeamMembership",
    "Tweet",
    "UserPreferences",
    "WebhookDelivery",
    "XUser",
]
