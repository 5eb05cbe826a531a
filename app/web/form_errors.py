"""Dutch messages for a form's validation errors (pydantic's), per field.

Used by every page with a form (services, locations, organisations).
"""

from __future__ import annotations

from pydantic import ValidationError

PYDANTIC_MESSAGES_NL = {
    "string_too_short": "Dit is te kort.", "string_too_long": "Dit is te lang.",
    "string_pattern_mismatch": "Dit heeft niet de juiste vorm.", "greater_than_equal": "Dit getal is te klein.",
    "less_than_equal": "Dit getal is te groot.", "int_parsing": "Vul een geheel getal in.",
    "time_parsing": "Vul een uur in als 09:00.", "date_from_datetime_parsing": "Vul een datum in.",
}


#: a phrase of our own validators' English messages -> the Dutch message (the first that matches)
VALIDATOR_MESSAGES_NL: tuple[tuple[str, str], ...] = (
    ("unknown need", "Onbekende nood."),
    ("minimum age", "De minimumleeftijd is hoger dan de maximumleeftijd."),
    ("closing time", "Het sluitingsuur moet na het openingsuur liggen."),
    ("closure", "Een sluiting moet eindigen op of na de eerste dag."),
    ("latitude and longitude", "Geef zowel de breedte- als de lengtegraad, of zet de speld op de kaart."),
    ("postcode or a place", "Geef een postcode of plaats, of zet de speld op de kaart."),
    ("language codes", "Kies uit de lijst."),
    ("unknown target group", "Kies uit de lijst."),
    ("unknown referrer", "Kies uit de lijst."),
)
MODEL_ERROR_FIELDS = {"minimum age": "minimum_age", "latitude and longitude": "latitude", "postcode or a place": "postcode"}


def _field_of_model_error(text: str) -> str:
    return next((field for phrase, field in MODEL_ERROR_FIELDS.items() if phrase in text), "form")


def dutch_errors(exc: ValidationError) -> dict[str, str]:
    errors: dict[str, str] = {}
    for error in exc.errors():
        text = str(error.get("msg", ""))
        field = str(error["loc"][0]) if error["loc"] else _field_of_model_error(text)
        message = PYDANTIC_MESSAGES_NL.get(error["type"]) or next(
            (dutch for phrase, dutch in VALIDATOR_MESSAGES_NL if phrase in text), "Controleer dit veld."
        )
        errors.setdefault(field, message)
    return errors
