"""The production static files build: every file a page or script refers to exists."""

from django.core.management import call_command


def test_collectstatic_with_the_manifest_storage_succeeds(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

    call_command("collectstatic", "--noinput", verbosity=0)

    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("reports/vendor/chartjs/chart.umd.*.js"))
