"""factory_boy factories for every crm_twitter record. Small rows per test, no shared fixtures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from crm_twitter import models as m


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"agent{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("password")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        """``UserFactory(roles=["crm_agent"])`` puts the user in those groups."""
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Team

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    languages = ["en"]
    time_zone = "UTC"
    working_hours = factory.LazyFunction(
        lambda: {d: [["00:00", "24:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    )


class TeamMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.TeamMembership

    team = factory.SubFactory(TeamFactory)
    user = factory.SubFactory(UserFactory, roles=["crm_agent"])  # a team's agent holds the desk's agent role
    role = m.TeamMembership.Role.AGENT


class BrandAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.BrandAccount
        skip_postgeneration_save = True

    handle = factory.Sequence(lambda n: f"brandhelp{n}")
    x_user_id = factory.Sequence(lambda n: str(900000000 + n))
    display_name = factory.LazyAttribute(lambda o: f"{o.handle} Support")
    role = m.BrandAccount.Role.SUPPORT

    @factory.post_generation
    def credentials(self, create, extracted, **kwargs):
        creds = (
            extracted
            if extracted is not None
            else {
                "bearer_token": "test-bearer",
                "consumer_key": "ck",
                "consumer_secret": "cs",
                "access_token": "at",
                "access_token_secret": "ats",
            }
        )
        if creds:
            self.set_credentials(**creds)
            if create:
                self.save(update_fields=["credentials_encrypted"])


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Customer

    display_name = factory.Faker("name")
    email = factory.Faker("email")
    country = "US"
    language = "en"
    time_zone = "America/New_York"


class XUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.XUser

    x_id = factory.Sequence(lambda n: str(100000 + n))
    handle = factory.Sequence(lambda n: f"customer{n}")
    name = factory.Faker("name")
    customer = factory.SubFactory(CustomerFactory)
    followers_count = 120
    lang = "en"


class ComplaintCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ComplaintCategory
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Order

    store = "default"
    order_number = factory.Sequence(lambda n: f"{40000000 + n}")
    customer = factory.SubFactory(CustomerFactory)
    destination_country = "DE"
    currency = "EUR"
    total_amount = Decimal("59.90")
    payment_method = "paypal"
    payment_reference = factory.Sequence(lambda n: f"PAYID-{n:08d}")
    carrier = "DHL"
    tracking_number = factory.Sequence(lambda n: f"RR{n:09d}CN")
    ordered_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=20))


class OrderItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.OrderItem

    order = factory.SubFactory(OrderFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    title = "Wireless earbuds"
    quantity = 1
    unit_price = Decimal("59.90")


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Case

    customer = factory.SubFactory(CustomerFactory)
    customer_x_user = factory.SubFactory(XUserFactory, customer=factory.SelfAttribute("..customer"))
    brand_account = factory.SubFactory(BrandAccountFactory)
    reference = factory.Sequence(lambda n: f"CS-2026-{n + 1:06d}")
    language = "en"
    opened_at = factory.LazyFunction(timezone.now)
    last_message_at = factory.LazyAttribute(lambda o: o.opened_at)


class TweetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Tweet

    x_id = factory.Sequence(lambda n: str(1800000000000000000 + n))
    brand_account = factory.SubFactory(BrandAccountFactory)
    author = factory.SubFactory(XUserFactory)
    direction = m.Direction.INBOUND
    party = m.Party.CUSTOMER
    text = "@brandhelp my parcel never arrived"
    lang = "en"
    conversation_id = factory.LazyAttribute(lambda o: o.x_id)
    created_at = factory.LazyFunction(timezone.now)


class DirectMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.DirectMessage

    x_event_id = factory.Sequence(lambda n: str(1900000000000000000 + n))
    brand_account = factory.SubFactory(BrandAccountFactory)
    sender = factory.SubFactory(XUserFactory)
    dm_conversation_id = factory.LazyAttribute(lambda o: f"{o.sender.x_id}-{o.brand_account.x_user_id}")
    direction = m.Direction.INBOUND
    text = "My order number is 40001234"
    created_at = factory.LazyFunction(timezone.now)


class MediaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Media

    media_key = factory.Sequence(lambda n: f"3_{1700000000000000000 + n}")
    type = m.Media.Type.PHOTO
    url = factory.Sequence(lambda n: f"https://pbs.twimg.com/media/evidence{n}.jpg")


class CaseEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.CaseEvent

    case = factory.SubFactory(CaseFactory)
    kind = m.CaseEvent.Kind.NOTE
    message = "Checked with the warehouse."
    created_at = factory.LazyFunction(timezone.now)


class PromiseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Promise

    case = factory.SubFactory(CaseFactory)
    kind = m.Promise.Kind.REFUND
    description = "Refund the order"
    due_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))


class ReplyTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ReplyTemplate

    step = m.ReplyTemplate.Step.UPDATE
    language = "en"
    name = factory.Sequence(lambda n: f"Template {n}")
    body = "Hi {handle}, we're on it."


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.OutboundMessage

    case = factory.SubFactory(CaseFactory)
    brand_account = factory.LazyAttribute(lambda o: o.case.brand_account)
    channel = m.OutboundMessage.Channel.DM
    recipient = factory.LazyAttribute(lambda o: o.case.customer_x_user)
    text = "Thanks, we are looking into it."


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.Notification

    user = factory.SubFactory(UserFactory)
    kind = m.Notification.Kind.ASSIGNED
    message = "A case was assigned to you."


class ReportSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ReportSnapshot

    month = dt.date(2026, 10, 1)
    data = factory.LazyFunction(dict)


class ExchangeRateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.ExchangeRate

    currency = "EUR"
    rate = Decimal("1.08")
    valid_from = dt.date(2026, 1, 1)


class CategoryLabelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.CategoryLabel

    case = factory.SubFactory(CaseFactory)
    category = factory.SubFactory(ComplaintCategoryFactory, slug="damaged")
    text = "the mug arrived smashed"
    language = "en"


class CategoryModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = m.CategoryModel

    number = factory.Sequence(lambda n: n + 1)
    backend = "crm_twitter.classify.backends.TfidfLogisticBackend"
    status = m.CategoryModel.Status.RETIRED
    artifact = b""
    sha256 = "0" * 64
    trained_at = factory.LazyFunction(timezone.now)
    examples = 100
    desk_labels = 0
