"""The needs taxonomy and the target groups.

Codes are English kebab-case, children are ``parent/child``; labels and synonyms are
Dutch (what coaches type). A search for a parent matches all its children.
The needs come from the partnerships' documents (see ``../shared/docs/DOMAIN.md``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

from rapidfuzz import fuzz, process, utils


@dataclass(frozen=True)
class Term:
    """A taxonomy term: a need or a target group."""

    code: str
    label_nl: str
    label_en: str
    synonyms: tuple[str, ...] = ()
    label_fr: str = ""
    description_nl: str = ""
    children: tuple[Term, ...] = field(default=(), repr=False)

    @property
    def parent_code(self) -> str | None:
        return self.code.rsplit("/", 1)[0] if "/" in self.code else None

    @property
    def is_top_level(self) -> bool:
        return "/" not in self.code


def _t(code: str, nl: str, en: str, *synonyms: str, fr: str = "", desc: str = "", children=()):
    return Term(code, nl, en, tuple(synonyms), fr, desc, tuple(children))


NEEDS: tuple[Term, ...] = (
    _t("housing", "Wonen", "Housing", "woning", "huisvesting", "dak boven het hoofd", fr="Logement", children=(
        _t("housing/social-housing", "Sociale of betaalbare woning zoeken", "Finding social or affordable housing",
           "sociale huisvestingsmaatschappij", "huurwoning", "sociaal verhuurkantoor", "SVK", "woonwinkel"),
        _t("housing/emergency", "Crisis- en noodopvang", "Emergency housing", "nachtopvang", "noodwoning",
           "crisisopvang", "transitwoning"),
        _t("housing/support", "Woonbegeleiding", "Supported independent living", "begeleid wonen",
           "zelfstandig wonen", "beschut wonen"),
        _t("housing/quality", "Woningkwaliteit", "Poor housing quality", "vocht", "schimmel",
           "renovatie", "energiecheck", "energiescan", "ongeschikt"),
        _t("housing/homelessness", "Dakloosheid en uithuiszetting", "Homelessness and eviction",
           "dakloos", "thuisloos", "uithuiszetting", "huisuitzetting", "straatwerk"),
    )),
    _t("income-debt", "Inkomen en schulden", "Income and debt", "geld", "financiën", "armoede",
       fr="Revenus et dettes", children=(
        _t("income-debt/budget", "Budgetbegeleiding", "Budget guidance", "budgetbeheer",
           "budgetinzicht", "geld beheren", "budgetcoaching"),
        _t("income-debt/debt-mediation", "Schuldbemiddeling", "Debt mediation", "schulden",
           "collectieve schuldenregeling", "schuldhulpverlening", "deurwaarder"),
        _t("income-debt/rights", "Rechten opnemen", "Claiming rights", "onderbescherming",
           "leefloon", "toelagen", "sociale voordelen", "verhoogde tegemoetkoming", "premies"),
        _t("income-debt/material-aid", "Materiële hulp", "Material aid", "voedselbank",
           "sociale kruidenier", "kledij", "tweedehands"),
    )),
    _t("mental-health", "Psychisch welzijn", "Mental health", "psychologische hulp", "geestelijke gezondheid",
       "ggz", fr="Santé mentale", children=(
        _t("mental-health/first-line", "Eerstelijnspsycholoog", "First-line psychological help",
           "laagdrempelige psychologische hulp", "psycholoog", "praten"),
        _t("mental-health/trauma", "Traumazorg", "Trauma care", "trauma", "oorlogstrauma",
           "vluchtverhaal", "ptss"),
        _t("mental-health/depression", "Depressie en zelfbeeld", "Depression and self-image",
           "somberheid", "zelfbeeld", "burn-out", "angst"),
        _t("mental-health/crisis", "Crisishulp", "Crisis support", "zelfmoordgedachten",
           "crisis", "acute hulp"),
    )),
    _t("addiction", "Verslaving", "Addiction", "middelengebruik", "drugs", fr="Dépendances", children=(
        _t("addiction/alcohol", "Alcohol", "Alcohol", "drank", "alcoholprobleem"),
        _t("addiction/drugs", "Drugs", "Drugs", "cannabis", "cocaïne", "heroïne", "middelen"),
        _t("addiction/gambling", "Gokken", "Gambling", "gokverslaving", "kansspelen", "online gokken"),
        _t("addiction/gaming", "Gamen", "Gaming", "gameverslaving", "schermtijd"),
        _t("addiction/aftercare", "Ontwenning en nazorg", "Withdrawal care and aftercare",
           "ontwenning", "nazorg", "ervaringsdeskundige", "herval", "buddy verslaving"),
    )),
    _t("medical", "Medische zorg", "Medical care", "gezondheid", "dokter", "huisarts", fr="Soins médicaux", children=(
        _t("medical/follow-up", "Medische opvolging", "Medical follow-up", "behandelplan",
           "wijkgezondheidscentrum", "huisarts zoeken"),
        _t("medical/certificates", "Attesten en keuringen", "Certificates", "attest",
           "medisch attest", "arbeidsongeschiktheid", "ziekenfonds"),
        _t("medical/physical-limitation", "Fysieke beperking", "Physical limitation",
           "handicap", "beperking", "revalidatie", "VAPH"),
    )),
    _t("justice", "Justitie", "Justice", "justitiehuis", "gevangenis", fr="Justice", children=(
        _t("justice/after-detention", "Ondersteuning na detentie", "Support after detention",
           "ex-gedetineerden", "vrijlating", "re-integratie", "enkelband", "continuïteit van zorg"),
        _t("justice/legal-aid", "Juridisch advies", "Legal aid", "advocaat", "pro deo",
           "juridische eerstelijnsbijstand", "rechtshulp"),
    )),
    _t("language", "Taal", "Language", "Nederlands leren", "taalles", fr="Langue", children=(
        _t("language/nt2", "Nederlands als tweede taal (NT2)", "Dutch as a second language",
           "NT2", "Nederlandse les", "CVO", "Huis van het Nederlands", "taalcursus"),
        _t("language/practice", "Taaloefening", "Language practice", "praatgroep",
           "oefenkansen", "conversatietafel", "taalcafé"),
        _t("language/coaching", "Taalcoaching en taalbuddy", "Language coaching and buddy",
           "taalbuddy", "taalmaatje", "taalcoach"),
        _t("language/literacy", "Lezen en schrijven (basiseducatie)", "Literacy and basic education",
           "alfabetisering", "basiseducatie", "LIGO", "traag leren", "laaggeletterd"),
    )),
    _t("childcare", "Kinderopvang", "Childcare", "opvang kinderen", "crèche", fr="Garde d'enfants", children=(
        _t("childcare/daycare", "Kinderopvang baby's en peuters", "Daycare for babies and toddlers",
           "kinderdagverblijf", "onthaalouder", "loket kinderopvang"),
        _t("childcare/after-school", "Voor- en naschoolse opvang", "Before and after-school care",
           "buitenschoolse opvang", "BKO", "IBO", "naschoolse opvang"),
        _t("childcare/single-parents", "Ondersteuning alleenstaande ouders", "Single-parent support",
           "alleenstaande ouder", "opvoedingsondersteuning", "huis van het kind"),
    )),
    _t("mobility", "Mobiliteit", "Mobility", "vervoer", "verplaatsen", fr="Mobilité", children=(
        _t("mobility/bike-lessons", "Fietslessen", "Learning to cycle", "leren fietsen", "fietsschool"),
        _t("mobility/bike-lease", "Fiets huren of afbetalen", "Bike lease or hire purchase",
           "fietsbieb", "fietsverhuur", "tweedehands fiets", "fietspunt"),
        _t("mobility/public-transport", "Leren reizen met bus en trein", "Learning to use public transport",
           "bus", "trein", "De Lijn", "openbaar vervoer", "mobiliteitsbudget"),
        _t("mobility/driving-licence", "Rijbewijs (theorie en praktijk)", "Driving licence",
           "rijbewijs", "theorie-examen", "rijles", "rijschool"),
        _t("mobility/transport-service", "Vervoersdienst op maat", "Door-to-door transport service",
           "minder mobielen centrale", "MMC", "aanvullend vervoer", "vervoer op maat"),
    )),
    _t("digital", "Digitale inclusie", "Digital inclusion", "computer", "internet", fr="Inclusion numérique", children=(
        _t("digital/connectivity", "Internetverbinding", "Connectivity", "wifi", "sociaal tarief internet"),
        _t("digital/hardware", "Computer of smartphone", "Hardware", "laptop", "smartphone", "digibank"),
        _t("digital/skills", "Digitale vaardigheden", "Digital skills", "computerles",
           "itsme", "e-loket", "digipunt", "digitaal oefenen"),
    )),
    _t("work", "Werk en activering", "Work and activation", "job", "werk zoeken", "tewerkstelling",
       fr="Emploi et activation", children=(
        _t("work/job-search", "Werk zoeken", "Job search", "vacatures", "sollicitatie",
           "inclusieve werkgever", "jobhunting", "jobcoach"),
        _t("work/training", "Opleiding", "Training", "cursus", "beroepsopleiding", "vorming", "VDAB-opleiding"),
        _t("work/internship", "Stage en werkervaring", "Internship and work experience",
           "werkervaring", "IBO", "werkplekleren", "generieke werkvloer"),
        _t("work/social-activation", "Maatschappelijke activering", "Social activation",
           "zinvolle dagbesteding", "vrijwilligerswerk", "arbeidszorg", "dagcentrum"),
        _t("work/social-economy", "Sociale economie", "Social economy", "maatwerkbedrijf",
           "lokale diensteneconomie", "sociale werkplaats"),
    )),
    _t("social-network", "Sociaal netwerk", "Social network", "eenzaamheid", "contacten",
       fr="Réseau social", children=(
        _t("social-network/buddy", "Buddywerking", "Buddy project", "buddy", "maatje", "steunfiguur"),
        _t("social-network/leisure", "Vrije tijd en sport", "Leisure and sport", "sport",
           "vrijetijdspas", "UiTPAS", "hobby", "cultuur"),
        _t("social-network/neighbourhood", "Buurtwerking", "Neighbourhood activities",
           "buurthuis", "ontmoeting", "dienstencentrum", "buurtwerk"),
        _t("social-network/social-skills", "Sociale vaardigheden", "Social skills training",
           "agressie", "weerbaarheid", "sociale vaardigheidstraining", "communicatie"),
    )),
    _t("administration", "Administratie", "Administration", "papieren", "formulieren",
       fr="Administration", children=(
        _t("administration/paperwork", "Hulp bij papierwerk", "Help with paperwork", "brieven",
           "administratieve buddy", "formulieren invullen", "belastingaangifte"),
        _t("administration/rights-duties", "Rechten en plichten begrijpen", "Understanding rights and duties",
           "sociale dienst", "OCMW", "CAW", "onthaal", "welzijnsloket"),
        _t("administration/residence", "Verblijf en inburgering", "Residence and civic integration",
           "inburgering", "verblijfsvergunning", "nationaliteit", "agentschap integratie"),
    )),
)

TARGET_GROUPS: tuple[Term, ...] = (
    _t("young-adults", "Jongvolwassenen (18-30)", "Young adults (18-30)", "jongeren", "jongvolwassenen"),
    _t("minors", "Minderjarigen", "Minors", "min-18", "tieners"),
    _t("newcomers", "Nieuwkomers en mensen met migratieachtergrond", "Newcomers and people with a migration background",
       "anderstaligen", "vluchtelingen", "migratieachtergrond"),
    _t("single-parents", "Alleenstaande ouders", "Single parents", "eenoudergezin"),
    _t("after-detention", "Na detentie", "After detention", "ex-gedetineerden"),
    _t("addiction", "Mensen met een verslaving", "People with an addiction"),
    _t("psychiatric-vulnerability", "Psychisch kwetsbare mensen", "People with a psychiatric vulnerability",
       "psychiatrische problematiek"),
    _t("medical-limitation", "Mensen met een medische beperking", "People with a medical limitation",
       "arbeidsbeperking"),
    _t("care-avoiders", "Zorgwekkende zorgmijders", "People who avoid help", "zorgmijders", "aanbodmijders"),
    _t("job-seekers", "Werkzoekenden", "Job seekers", "werklozen", "leefloners"),
    _t("over-55", "55-plussers", "People over 55", "senioren", "ouderen"),
)

#: Organisation types that may be required to refer a person (``referral_required_from``).
REFERRER_TYPES: dict[str, str] = {
    "vdab": "VDAB",
    "ocmw": "OCMW / Sociaal Huis",
    "caw": "CAW",
    "partner": "Partner van het partnerschap",
    "justice": "Justitiehuis",
    "doctor": "Huisarts",
}


def _flatten(terms: Iterable[Term]) -> list[Term]:
    flat: list[Term] = []
    for term in terms:
        flat.append(term)
        flat.extend(_flatten(term.children))
    return flat


@cache
def all_needs() -> tuple[Term, ...]:
    return tuple(_flatten(NEEDS))


@cache
def needs_by_code() -> dict[str, Term]:
    return {term.code: term for term in all_needs()}


@cache
def target_groups_by_code() -> dict[str, Term]:
    return {term.code: term for term in TARGET_GROUPS}


def top_level_codes() -> list[str]:
    return [term.code for term in NEEDS]


class UnknownNeedError(ValueError):
    """A need code that is not in the taxonomy."""

    code = "unknown_need"

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        super().__init__(f"unknown need code(s): {', '.join(unknown)}; see GET /api/v1/needs")


def validate_need_codes(codes: Iterable[str]) -> list[str]:
    """Return the codes de-duplicated in order, or raise :class:`UnknownNeedError`."""
    known = needs_by_code()
    ordered = list(dict.fromkeys(code.strip() for code in codes if code.strip()))
    unknown = [code for code in ordered if code not in known]
    if unknown:
        raise UnknownNeedError(unknown)
    return ordered


@cache
def expand_need(code: str) -> frozenset[str]:
    """The code and all its descendants: a search for a parent matches its children."""
    prefix = code + "/"
    return frozenset(c for c in needs_by_code() if c == code or c.startswith(prefix))


def covers(service_needs: Iterable[str], wanted: str) -> bool:
    """Does a service tagged with ``service_needs`` cover the ``wanted`` need?

    A search for a parent (``language``) matches services tagged with the parent or any
    child (``language/nt2``). A search for a child matches only that child (or its own
    descendants): a general ``language`` service does not promise NT2 lessons.
    """
    return not expand_need(wanted).isdisjoint(service_needs)


def search_needs(text: str, *, limit: int = 10, score_cutoff: float = 70.0) -> list[tuple[Term, float]]:
    """Search-as-you-type over Dutch labels and synonyms, best first."""
    text = text.strip()
    if not text:
        return []
    choices: list[tuple[str, Term]] = []
    for term in all_needs():
        for phrase in (term.label_nl, term.label_en, *term.synonyms):
            choices.append((phrase, term))
    matches = process.extract(
        text,
        [phrase for phrase, _ in choices],
        scorer=fuzz.WRatio,
        processor=utils.default_process,
        limit=None,
        score_cutoff=score_cutoff,
    )
    best: dict[str, tuple[Term, float]] = {}
    for _phrase, score, index in matches:
        term = choices[index][1]
        if term.code not in best or best[term.code][1] < score:
            best[term.code] = (term, score)
    return sorted(best.values(), key=lambda item: (-item[1], item[0].code))[:limit]


def taxonomy_json() -> list[dict]:
    """The taxonomy as nested JSON for ``GET /api/v1/needs``."""

    def node(term: Term) -> dict:
        return {
            "code": term.code,
            "label": term.label_nl,
            "label_en": term.label_en,
            "parent": term.parent_code,
            "synonyms": list(term.synonyms),
            "children": [node(child) for child in term.children],
        }

    return [node(term) for term in NEEDS]
