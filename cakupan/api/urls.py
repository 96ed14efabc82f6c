from django.urls import path

from cakupan.api.api import api

urlpatterns = [path("api/v1/", api.urls)]
