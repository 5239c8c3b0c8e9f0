# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026 The pycost authors
from django.urls import path

from . import views

urlpatterns = [
    path("light", views.view_light),
    path("heavy", views.view_heavy),
    path("users/<int:uid>", views.view_user),
    path("db", views.view_db),
    path("cache", views.view_cache),
    path("boom", views.view_boom),
    path("hostile/<str:name>", views.view_hostile),
]
