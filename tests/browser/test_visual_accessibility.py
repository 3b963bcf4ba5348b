"""What axe does not catch: the focus ring and form borders against the page, the site's own French
messages instead of the browser's, and pages that reflow at 320 px and at 200 % zoom."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cercles.core.colours import contrast_ratio
from tests.factories import make_circle, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _channels(css_colour: str) -> tuple[float, float, float, float]:
    numbers = [float(part) for part in re.findall(r"[\d.]+", css_colour)]
    red, green, blue = numbers[:3]
    alpha = numbers[3] if len(numbers) > 3 else 1.0
    return red, green, blue, alpha


def contrast(foreground: str, background: str) -> float:
    red, green, blue, alpha = _channels(foreground)
    assert alpha == 1.0, f"{foreground} is translucent: its contrast depends on what lies under it"
    return contrast_ratio((red, green, blue), _channels(background)[:3])


# The page's background behind an element: the first ancestor with an opaque background colour.
BACKGROUND_OF = """element => {
  for (let node = element.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && !colour.startsWith("rgba(0, 0, 0, 0")) return colour;
  }
  return "rgb(255, 255, 255)";
}"""
FOCUS_RING_OF = """() => {
  const element = document.activeElement, style = getComputedStyle(element);
  return {tag: element.tagName, text: (element.innerText || element.name || "").slice(0, 40),
          colour: style.outlineColor, style: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def test_the_keyboard_focus_ring_reaches_3_to_1_on_every_stop_of_the_home_page(fresh_context) -> None:
    make_circle(title="Codéveloppement des cadres")
    page = fresh_context().new_page()
    page.goto("/")
    stops = 0
    for _ in range(25):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING_OF)
        if ring["tag"] == "BODY":
            break
        background = page.evaluate_handle("document.activeElement").evaluate(BACKGROUND_OF)
        assert ring["style"] == "solid", f"no visible focus ring on {ring}"
        assert ring["width"] >= 2, f"too thin a focus ring on {ring}"
        assert contrast(ring["colour"], background) >= 3, f"focus ring of {ring} on {background}"
        stops += 1
    assert stops >= 10


def test_form_fields_borders_and_focus_reach_3_to_1(signed_in_context) -> None:
    page = signed_in_context(make_user("nina", complete_profile=False)).new_page()
    page.goto("/profil/")
    fields = page.locator("main input:not([type=hidden]), main select, main textarea")
    assert fields.count() >= 6
    for index in range(fields.count()):
        field = fields.nth(index)
        border = field.evaluate("element => getComputedStyle(element).borderTopColor")
        background = field.evaluate(BACKGROUND_OF)
        assert contrast(border, background) >= 3, f"border {border} of field {index} on {background}"
        field.focus()
        ring = page.evaluate(FOCUS_RING_OF)
        assert ring["style"] == "solid", f"no visible focus ring on field {index}: {ring}"
        assert contrast(ring["colour"], background) >= 3, f"focus ring of field {index}: {ring}"


def test_a_required_checkbox_left_empty_gets_the_sites_french_message_not_the_browsers(signed_in_context) -> None:
    circle = make_circle(title="Codéveloppement des cadres", approval=True)
    page = signed_in_context(make_user("nina")).new_page()
    page.goto(f"/cercles/{circle.pk}/rejoindre/")
    assert page.locator("main form").first.evaluate("form => form.noValidate")
    page.get_by_label("Un mot pour l'animation (facultatif)").fill("Je voudrais rejoindre ce cercle.")
    page.get_by_role("button", name="Confirmer").click()
    expect(page.get_by_text("Pour rejoindre ce cercle, acceptez son pacte de confidentialité.")).to_be_visible()
    expect(page.get_by_label("Un mot pour l'animation (facultatif)")).to_have_value("Je voudrais rejoindre ce cercle.")


def test_an_empty_address_on_the_login_page_gets_the_sites_french_message(fresh_context) -> None:
    page = fresh_context().new_page()
    page.goto("/compte/login/")
    assert page.locator("main form").first.evaluate("form => form.noValidate")
    page.get_by_role("button", name=re.compile("Se connecter|Connexion")).first.click()
    expect(page.get_by_text("Ce champ est obligatoire.").first).to_be_visible()


@pytest.mark.parametrize("width", [320, 640])  # 640 CSS px: a 1280 px screen at 200 % zoom
@pytest.mark.parametrize(
    "path", ["/", "/cercles/", "circle", "/mentions-legales/", "/accessibilite/", "/plan-du-site/", "/compte/login/"]
)
def test_pages_reflow_without_horizontal_scrolling(fresh_context, path: str, width: int) -> None:
    if path == "circle":
        path = f"/cercles/{make_circle(title='Un titre de cercle assez long pour passer à la ligne').pk}/"
    page = fresh_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow} px at {width} px"
