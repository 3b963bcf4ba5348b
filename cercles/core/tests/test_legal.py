"""The legal pages, the accessibility statement, the site map and the footer that links them."""

from __future__ import annotations

import html

import pytest

from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_settings(settings) -> None:
    settings.OPERATOR_NAME = "Centre de gestion d'Ille-et-Vilaine"
    settings.OPERATOR_ADDRESS = "1 avenue de Tizé, 35236 Thorigné-Fouillard"
    settings.PUBLICATION_DIRECTOR = "Marie Lenoir, présidente"
    settings.HOSTING_PROVIDER = "Hébergeur public, 35000 Rennes"
    settings.CONTACT_EMAIL = "cercles@cdg35.example.fr"
    settings.ACCESSIBILITY_CONTACT_EMAIL = "accessibilite@cdg35.example.fr"
    settings.ACCESSIBILITY_STATEMENT_DATE = "2026-11-15"
    settings.SITE_URL = "https://cercles.cdg35.example.fr/"


def test_the_legal_notice_names_the_operator_director_host_and_contact(client, operator_settings) -> None:
    page = html.unescape(client.get("/mentions-legales/").content.decode())
    for fact in (
        "Centre de gestion d'Ille-et-Vilaine",
        "1 avenue de Tizé, 35236 Thorigné-Fouillard",
        "Marie Lenoir, présidente",
        "Hébergeur public, 35000 Rennes",
        "mailto:cercles@cdg35.example.fr",
    ):
        assert fact in page


def test_the_legal_notice_credits_the_open_data_it_reuses(client) -> None:
    # The Licence Ouverte asks for the source: the collectivités offered to people come from INSEE's COG.
    page = html.unescape(client.get("/mentions-legales/").content.decode())
    assert "Code officiel géographique de l'Insee" in page
    assert "Licence Ouverte 2.0" in page
    assert "répertoire des métiers territoriaux du CNFPT" in page


def test_the_demo_legal_notice_says_what_is_not_set(client) -> None:
    page = html.unescape(client.get("/mentions-legales/").content.decode())
    assert "Programme Cercles (démonstration)" in page
    assert page.count("Non renseigné (site de démonstration).") == 2


def test_the_accessibility_statement_follows_the_rgaa_form(client, operator_settings) -> None:
    page = html.unescape(client.get("/accessibilite/").content.decode())
    assert "non conforme avec le référentiel général d'amélioration de l'accessibilité (RGAA)" in page
    assert "Aucun audit de conformité n'a encore été réalisé." in page
    assert "https://cercles.cdg35.example.fr" in page
    assert "établie le 15 novembre 2026" in page
    assert "axe-core" in page
    assert "Contenus non accessibles" in page
    assert "mailto:accessibilite@cdg35.example.fr" in page
    assert "Défenseur des droits" in page
    assert "Libre réponse 71120, 75342 Paris CEDEX 07" in page


@pytest.mark.parametrize(
    "path", ["/", "/cercles/", "/mentions-legales/", "/plan-du-site/", "/profil/donnees-personnelles/"]
)
def test_every_page_footer_names_the_operator_and_links_the_legal_pages(client, operator_settings, path: str) -> None:
    page = html.unescape(client.get(path).content.decode())
    footer = page[page.index("<footer") :]
    assert "Site édité par Centre de gestion d'Ille-et-Vilaine" in footer
    assert "mailto:cercles@cdg35.example.fr" in footer
    for link, label in (
        ("/mentions-legales/", "Mentions légales"),
        ("/profil/donnees-personnelles/", "Données personnelles"),
        ("/accessibilite/", "Accessibilité : non conforme"),
        ("/plan-du-site/", "Plan du site"),
    ):
        assert f'href="{link}">{label}</a>' in footer


def test_the_site_map_shows_a_visitor_how_to_sign_in_and_nothing_of_the_coordination(client) -> None:
    page = html.unescape(client.get("/plan-du-site/").content.decode())
    assert 'href="/compte/login/"' in page
    assert 'href="/cercles/"' in page
    assert 'href="/mes-cercles/"' not in page
    assert 'href="/coordination/"' not in page
    assert 'href="/programme/chiffres/"' not in page


def test_the_site_map_shows_a_participant_their_own_pages(bob) -> None:
    page = html.unescape(client_for(bob).get("/plan-du-site/").content.decode())
    assert 'href="/mes-cercles/"' in page
    assert 'href="/profil/"' in page
    assert 'href="/compte/login/"' not in page
    assert 'href="/coordination/"' not in page


def test_the_site_map_shows_coordinators_the_coordination_pages(claire) -> None:
    page = html.unescape(client_for(claire).get("/plan-du-site/").content.decode())
    assert 'href="/coordination/"' in page
    assert 'href="/programme/chiffres/"' in page


def test_the_site_map_refuses_an_unknown_section_or_audience() -> None:
    from cercles.core.sitemap import SitePage, register_page

    with pytest.raises(ValueError, match="section"):
        register_page(SitePage("ailleurs", "Ailleurs", "legal_notice"))
    with pytest.raises(ValueError, match="audience"):
        register_page(SitePage("informations", "Ailleurs", "legal_notice", audience="personne"))
