"""Privacy URLs: the reveal of masked data, beside the registry's detail pages."""

from django.urls import path

from cakupan.privacy import views

app_name = "privacy"
urlpatterns = [
    path("orang/<int:pk>/tampilkan/", views.person_reveal, name="person_reveal"),
    path("kepesertaan/<int:pk>/tampilkan/", views.membership_reveal, name="membership_reveal"),
]
