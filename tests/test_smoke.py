from tests.factories import CaseFactory, DirectMessageFactory, TweetFactory


def test_factories_build_a_linked_case(db):
    case = CaseFactory()
    tweet = TweetFactory(case=case, brand_account=case.brand_account, author=case.customer_x_user)
    dm = DirectMessageFactory(case=case, brand_account=case.brand_account, sender=case.customer_x_user)
    assert case.tweets.get() == tweet
    assert case.direct_messages.get() == dm
    assert case.customer_x_user.customer == case.customer
