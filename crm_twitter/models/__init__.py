"""Models, one module per concept, re-exported here."""

from crm_twitter.models.accounts import ApiCall, BilledResource, BrandAccount
from crm_twitter.models.api_tokens import ApiToken
from crm_twitter.models.cases import OPEN_STATUSES, Case, CaseEvent, CaseStatus, Outcome, Promise, Remedy
from crm_twitter.models.choices import Direction, Priority
from crm_twitter.models.classifier import CategoryLabel, CategoryModel
from crm_twitter.models.messages import DirectMessage, Media, Party, Tweet
from crm_twitter.models.notifications import Notification
from crm_twitter.models.orders import Order, OrderItem
from crm_twitter.models.outbound import OutboundMessage
from crm_twitter.models.people import Customer, XUser
from crm_twitter.models.reports import ExchangeRate, ReportSnapshot
from crm_twitter.models.taxonomy import ComplaintCategory, ReplyTemplate
from crm_twitter.models.teams import SlaPolicy, Team, TeamMembership

__all__ = [
    "OPEN_STATUSES",
    "ApiCall",
    "ApiToken",
    "BilledResource",
    "BrandAccount",
    "Case",
    "CaseEvent",
    "CaseStatus",
    "CategoryLabel",
    "CategoryModel",
    "ComplaintCategory",
    "Customer",
    "DirectMessage",
    "Direction",
    "ExchangeRate",
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
    "SlaPolicy",
    "Team",
    "TeamMembership",
    "Tweet",
    "XUser",
]
