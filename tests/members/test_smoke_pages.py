import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["home", "members:overview", "members:directory", "members:me"])
def test_pages_open_for_member(client_for, name):
    response = client_for("member_a").get(reverse(name))
    assert response.status_code == 200


def test_anonymous_is_sent_to_login(client_for):
    response = client_for("anonymous").get(reverse("members:directory"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
