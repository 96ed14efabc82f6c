"""The public calculators and the parameter table, included at the site root under ``kalkulator/``."""

from django.urls import path

from cakupan.parameters import views

app_name = "parameters"
urlpatterns = [
    path("kalkulator/", views.contribution, name="calc_contribution"),
    path("kalkulator/manfaat/", views.benefit, name="calc_benefit"),
    path("kalkulator/parameter/", views.parameters, name="calc_parameters"),
    path("kalkulator/parameter/sumber/", views.parameter_sources, name="parameter_sources"),
]
