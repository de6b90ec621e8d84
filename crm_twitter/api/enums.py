"""Stable OpenAPI enum names. Plain data with no imports, so a host project's settings can use it:
``SPECTACULAR_SETTINGS = {..., "ENUM_NAME_OVERRIDES": ENUM_NAME_OVERRIDES}``."""

ENUM_NAME_OVERRIDES = {
    "CaseStatusEnum": "crm_twitter.models.cases.CaseStatus",
    "OrderStatusEnum": "crm_twitter.models.orders.Order.Status",
    "PromiseStatusEnum": "crm_twitter.models.cases.Promise.Status",
    "PromiseKindEnum": "crm_twitter.models.cases.Promise.Kind",
    "OutboundStatusEnum": "crm_twitter.models.outbound.OutboundMessage.Status",
    "OutboundChannelEnum": "crm_twitter.models.outbound.OutboundMessage.Channel",
    "ReplyChannelEnum": "crm_twitter.models.taxonomy.ReplyTemplate.Channel",
    "RowStatusEnum": "crm_twitter.api.serializers.orders.ROW_STATUSES",
    "TimelineKindEnum": "crm_twitter.api.serializers.cases.TIMELINE_KINDS",
    "TweetKindEnum": "crm_twitter.models.messages.Tweet.Kind",
    "CaseEventKindEnum": "crm_twitter.models.cases.CaseEvent.Kind",
    "EvidencePackStatusEnum": "crm_twitter.models.evidence.EvidencePack.Status",
    "IncidentStatusEnum": "crm_twitter.models.incidents.Incident.Status",
    "IncidentEventKindEnum": "crm_twitter.models.incidents.IncidentEvent.Kind",
}
