"""A worker loads its views and templates before its first reader."""

from django.template import engines

from digests.web import warmup


def test_warm_up_compiles_every_site_template_and_loads_the_urlconf(settings):
    names = list(warmup.site_templates())
    assert "base.html" in names and "digests/issue_detail.html" in names
    assert not any(name.startswith("admin/") for name in names)
    assert warmup.warm_up() == len(names)


def test_a_broken_template_is_reported_not_fatal(tmp_path, settings, caplog):
    (tmp_path / "broken.html").write_text("{% if %}")
    (tmp_path / "fine.html").write_text("fine")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    engines._engines = {}  # the engine is built from the new setting
    try:
        assert warmup.warm_up() == 1
    finally:
        engines._engines = {}
    assert "broken.html" in caplog.text
