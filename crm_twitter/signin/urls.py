"""``login`` and ``logout``, un-namespaced: the names Django's ``LOGIN_URL`` and the app's templates use."""

from django.urls import path

from crm_twitter.signin.views import SignInView, SignOutView

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", SignOutView.as_view(), name="logout"),
]
