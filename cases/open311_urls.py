from django.urls import path

from . import open311

urlpatterns = [
    path("discovery.<str:fmt>", open311.discovery, name="open311-discovery"),
    path("services.<str:fmt>", open311.service_list, name="open311-services"),
    path("services/<str:code>.<str:fmt>", open311.service_definition, name="open311-service"),
    path("requests.<str:fmt>", open311.requests_endpoint, name="open311-requests"),
    path("requests/<str:number>.<str:fmt>", open311.get_request, name="open311-request"),
    path("tokens/<str:token>.<str:fmt>", open311.get_token, name="open311-token"),
]
