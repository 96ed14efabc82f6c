from django.urls import path

from cakupan.coverage.views import home
from cakupan.registry import views

app_name = "registry"
urlpatterns = [
    # The home page shows coverage figures, so the coverage app renders it (issue 16); the route
    # keeps its name here, where every template and redirect already points.
    path("", home, name="home"),
    path("orang/", views.person_list, name="person_list"),
    path("orang/<int:pk>/", views.person_detail, name="person_detail"),
    path("kepesertaan/", views.membership_list, name="membership_list"),
    path("kepesertaan/<int:pk>/", views.membership_detail, name="membership_detail"),
]
