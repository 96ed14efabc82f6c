from django.urls import path

from cakupan.targeting import views

app_name = "targeting"
urlpatterns = [
    path("", views.plan_page, name="plan"),
    path("pendaftaran.xlsx", views.enrolment_xlsx, name="enrolment_xlsx"),
]
