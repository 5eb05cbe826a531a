"""Every field of the service and location forms shows its own Dutch message next to it."""

from __future__ import annotations

from sqlmodel import Session

from app.core import models
from tests.web.test_locations import signed_in
from tests.web.test_partner_pages import _form_fields, accounts, login, new_client  # noqa: F401  (accounts is a fixture)


def _message(html: str, field: str) -> str:
    start = html.index(f'id="fout-{field}"')
    return html[html.index(">", start) + 1:html.index("</span>", start)]


def test_each_service_field_gets_its_message_next_to_it(app_state, accounts, loaded_engine):  # noqa: F811
    with Session(loaded_engine) as session:
        version = session.get(models.Service, accounts["my_service"]).version
    with new_client(app_state) as client:
        login(client, accounts["partner"])
        form = _form_fields(client.get(f"/partner/diensten/{accounts['my_service']}").text)
        too_long = {"description": 5001, "eligibility_description": 2001, "application_process": 2001,
                    "what_to_bring": 1001, "fees_description": 1001, "internal_phone": 41, "internal_notes": 5001,
                    "phone": 41}
        wrong = {**{field: "x" * length for field, length in too_long.items()}, "status": "soms", "waiting_list": "ooit",
                 "languages": ["XX"], "target_groups": ["niemand"], "referral_required_from": ["politie"],
                 "email": "geen-adres", "url": "ftp://oud", "waiting_weeks": "veel"}
        response = client.post(f"/partner/diensten/{accounts['my_service']}", data={**form, **wrong})
        assert response.status_code == 422
        html = response.text
        for field in too_long:
            assert _message(html, field) == "Dit is te lang.", field
        for field in ("languages", "target_groups", "referral_required_from"):
            assert _message(html, field) == "Kies uit de lijst.", field
        for field in ("status", "waiting_list", "email", "url", "waiting_weeks"):
            assert _message(html, field), field
        assert _message(html, "waiting_weeks") == "Vul een geheel getal in."

        ages = client.post(f"/partner/diensten/{accounts['my_service']}",
                           data={**form, "minimum_age": "30", "maximum_age": "18"})
        assert ages.status_code == 422
        assert _message(ages.text, "minimum_age") == "De minimumleeftijd is hoger dan de maximumleeftijd."
        area = client.post(f"/partner/diensten/{accounts['my_service']}", data={**form, "service_area": ["99999"]})
        assert area.status_code == 422 and _message(area.text, "service_area") == "Kies gemeenten uit de lijst."
    with Session(loaded_engine) as session:
        assert session.get(models.Service, accounts["my_service"]).version == version


def test_each_location_field_gets_its_message_next_to_it(app_state, accounts, loaded_engine):  # noqa: F811
    with Session(loaded_engine) as session:
        organization_id = session.get(models.Service, accounts["my_service"]).organization_id
    client, csrf = signed_in(app_state, accounts["partner"])
    base = {"csrf": csrf, "organization_id": organization_id, "name": "Veldtest", "postcode": "8500", "active": "on"}
    long_values = {"address_1": 201, "city": 81, "accessibility_description": 501, "transportation": 501}
    response = client.post("/partner/locaties", data={**base, **{f: "x" * n for f, n in long_values.items()},
                                                      "wheelchair_level": "9", "longitude": "12.5"})
    assert response.status_code == 422
    for field in long_values:
        assert _message(response.text, field) == "Dit is te lang.", field
    assert _message(response.text, "wheelchair_level") == "Dit getal is te groot."
    assert _message(response.text, "longitude") == "Dit getal is te groot."  # east of Belgium
    assert f'<option value="{organization_id}" selected' in response.text  # the chosen organisation stays chosen
    half_pin = client.post("/partner/locaties", data={**base, "longitude": "3.26"})
    assert half_pin.status_code == 422
    assert _message(half_pin.text, "latitude") == "Geef zowel de breedte- als de lengtegraad, of zet de speld op de kaart."
