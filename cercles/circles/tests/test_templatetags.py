import pytest

from cercles.circles.templatetags.circles_tags import duration, status_label


@pytest.mark.parametrize(
    ("minutes", "text"), [(90, "1 h 30"), (120, "2 h"), (45, "45 min"), (150, "2 h 30"), (None, "")]
)
def test_durations_read_the_french_way(minutes: int | None, text: str) -> None:
    assert duration(minutes) == text


def test_status_labels() -> None:
    assert status_label("complet") == "Complet"
    assert status_label("inconnu") == ""
