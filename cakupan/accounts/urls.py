from django.urls import path

from cakupan.accounts import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("masuk/verifikasi/", views.mfa_verify_view, name="mfa_verify"),
    path("verifikasi-dua-langkah/", views.mfa_setup_view, name="mfa_setup"),
    path("verifikasi-dua-langkah/kode-cadangan/", views.recovery_codes_view, name="recovery_codes"),
    path(
        "verifikasi-dua-langkah/kode-cadangan/baru/",
        views.recovery_codes_renew_view,
        name="recovery_codes_renew",
    ),
    path("verifikasi-dua-langkah/matikan/", views.mfa_disable_view, name="mfa_disable"),
    path("keluar/", views.logout_view, name="logout"),
    path("", views.profile_view, name="profile"),
    path("kata-sandi/", views.password_change_view, name="password_change"),
    path("pengguna/", views.user_list_view, name="user_list"),
    path("pengguna/baru/", views.user_create_view, name="user_create"),
    path("pengguna/<int:pk>/", views.user_detail_view, name="user_detail"),
    path("pengguna/<int:pk>/<slug:action>/", views.user_action_view, name="user_action"),
]
