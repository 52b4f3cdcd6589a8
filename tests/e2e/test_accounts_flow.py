import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_signs_up_logs_out_and_logs_back_in(page):
    page.goto("/")
    assert page.get_by_role("heading", name="How to report", exact=True).is_visible()
    page.get_by_role("link", name="Sign up").click()

    page.get_by_label("Full name").fill("Dana Whitehorse")
    page.get_by_label("Email address").fill("Dana@Example.org")
    page.get_by_label("Organization").fill("Fargo Public Schools")
    page.get_by_label("Sector").select_option(label="Schools & education")
    page.locator("#id_password1").fill("a-long-passphrase-42")
    page.locator("#id_password2").fill("a-long-passphrase-42")
    page.get_by_role("button", name="Sign up").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()

    page.get_by_role("main").get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("dana@example.org")
    page.locator("#id_password").fill("a-long-passphrase-42")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="My trainings").is_visible()
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_role("link", name="Log in").is_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill("dana@example.org")
    page.locator("#id_password").fill("a-long-passphrase-42")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("heading", name="My trainings").is_visible()
