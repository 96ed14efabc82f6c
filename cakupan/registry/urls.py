from django.urls import path

from cakupan.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.home, name="home"),
    path("orang/", views.person_list, name="person_list"),
    path("orang/<int:pk>/", views.person_detail, name="person_detail"),
    path("kepesertaan/", views.membership_list, name="membership_list"),
    path("kepesertaan/<int:pk>/", views.membership_detail, name="membership_detail"),
]
