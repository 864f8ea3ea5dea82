"""A worker loads its views and templates before its first reader."""

from digests.web import warmup


def test_warm_up_compiles_every_site_template_and_loads_the_urlconf(settings):
    names = list(warmup.site_templates())
    assert "base.html" in names and "digests/issue_detail.html" in names
    assert not any(name.startswith("admin/") for name in names)
    assert warmup.warm_up() == len(names)


def test_a_broken_template_is_reported_not_fatal(tmp_path, settings, caplog):
    (tmp_path / "broken.html").write_text("{% if %}")
    (tmp_path / "fine.html").write_text("fine")
    # Changing TEMPLATES through the settings fixture rebuilds the template engines
    # (Django's setting_changed signal), now and again when the test ends.
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    assert warmup.warm_up() == 1
    assert "broken.html" in caplog.text
