"""An organization's language on the command line: given at creation, changed, checked."""

import json

import pytest

from scim_gateway.cli import main

CREATE = (
    "org", "create", "--slug", "acme", "--name", "Acme", "--seats", "10",
    "--price-per-seat-year", "360.00", "--start", "2025-01-01", "--json",
)  # fmt: skip


def test_an_organization_speaks_english_unless_created_in_spanish(run):
    code, output = run(*CREATE)
    spanish_code, spanish = run(*CREATE[:3], "pyme", *CREATE[4:], "--language", "es")

    assert (code, json.loads(output)["language"]) == (0, "en")
    assert (spanish_code, json.loads(spanish)["language"]) == (0, "es")


def test_set_language_changes_it_once(run):
    run(*CREATE)

    first = run("org", "set-language", "acme", "es")
    again = run("org", "set-language", "acme", "es")

    assert first == (0, "acme is now in Spanish (es).\n")
    assert again == (0, "acme was already in Spanish (es).\n")


def test_an_unknown_language_or_organization_is_refused(run, capsys):
    run(*CREATE)

    unknown_language = run("org", "set-language", "acme", "fr")
    with pytest.raises(SystemExit) as exited:
        main(["org", "set-language", "nobody", "es"])
    bad_create = run(*CREATE[:3], "pyme", *CREATE[4:], "--language", "de")

    assert unknown_language[0] == 2
    assert "'fr' is not one of 'en', 'es'" in unknown_language[1]
    assert bad_create[0] == 2
    assert exited.value.code == 1
    assert capsys.readouterr().err == "Error: No organization has the slug 'nobody'\n"
