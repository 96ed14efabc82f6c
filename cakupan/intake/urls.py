from django.urls import path

from cakupan.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("unggah/", views.upload, name="upload"),
    path("templat/", views.template_download, name="template"),
    path("<int:pk>/", views.batch_detail, name="batch_detail"),
    path("<int:pk>/kemajuan/", views.batch_progress, name="batch_progress"),
    path("<int:pk>/hasil-periksa/", views.annotated, name="annotated"),
    path("<int:pk>/pemetaan/", views.mapping_save, name="mapping"),
    path("<int:pk>/pemetaan-nilai/", views.value_mapping_save, name="value_mapping"),
    path("<int:pk>/simpan/", views.commit, name="commit"),
    path("<int:pk>/ajukan/", views.submit, name="submit"),
    path("<int:pk>/verifikasi/", views.verify, name="verify"),
    path("<int:pk>/kembalikan/", views.return_batch, name="return"),
    path("<int:pk>/berkas-bpjs/", views.bpjs_download, name="bpjs_export"),
    path("<int:pk>/sudah-dikirim/", views.mark_sent, name="mark_sent"),
    path("<int:pk>/balasan-bpjs/", views.reply_upload, name="bpjs_reply"),
]
