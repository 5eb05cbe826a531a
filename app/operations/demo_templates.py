"""The demonstration data's fictional service templates and weekly opening patterns.

:mod:`app.operations.demo` draws services from these (every service it makes is labelled as
demonstration data).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time


@dataclass(frozen=True)
class ServiceTemplate:
    name: str
    needs: tuple[str, ...]
    description: str
    target_groups: tuple[str, ...] = ()
    min_age: int | None = None
    max_age: int | None = None
    referral: tuple[str, ...] = ()
    outreach_chance: float = 0.1
    what_to_bring: str = "Je identiteitskaart."
    org_kinds: tuple[str, ...] = ()


TEMPLATES: tuple[ServiceTemplate, ...] = (
    ServiceTemplate("Woonwinkel", ("housing/social-housing",), "Hulp bij het zoeken naar een betaalbare of sociale huurwoning en bij inschrijven op wachtlijsten.", what_to_bring="Je identiteitskaart en je laatste aanslagbiljet.", org_kinds=("ocmw", "municipality")),
    ServiceTemplate("Crisisopvang", ("housing/emergency", "housing/homelessness"), "Tijdelijke opvang voor wie plots zonder woning valt.", min_age=18, outreach_chance=0.0, org_kinds=("caw",)),
    ServiceTemplate("Woonbegeleiding", ("housing/support",), "Begeleiding aan huis om zelfstandig te leren wonen.", min_age=18, referral=("ocmw", "caw"), outreach_chance=0.8, org_kinds=("caw", "ocmw")),
    ServiceTemplate("Energie- en woonscan", ("housing/quality",), "Een medewerker komt langs om vocht, schimmel en energieverlies te bekijken en helpt met premies.", outreach_chance=0.9, what_to_bring="Je energiefacturen van het laatste jaar.", org_kinds=("municipality", "ngo")),
    ServiceTemplate("Straathoekwerk", ("housing/homelessness", "social-network"), "Straathoekwerkers zoeken mensen op waar ze zijn en zoeken samen naar een oplossing.", target_groups=("care-avoiders",), min_age=16, outreach_chance=1.0, what_to_bring="Niets.", org_kinds=("caw", "municipality")),
    ServiceTemplate("Budgetbegeleiding", ("income-debt/budget",), "Samen je inkomsten en uitgaven op een rij zetten en leren je budget te beheren.", referral=("ocmw",), what_to_bring="Je identiteitskaart, je bankafschriften en openstaande rekeningen.", org_kinds=("ocmw",)),
    ServiceTemplate("Schuldbemiddeling", ("income-debt/debt-mediation",), "Erkende schuldbemiddeling: afbetalingsplannen en contact met schuldeisers.", min_age=18, referral=("ocmw", "caw"), what_to_bring="Alle brieven van schuldeisers en deurwaarders.", org_kinds=("ocmw", "caw")),
    ServiceTemplate("Rechtenverkenner", ("income-debt/rights", "administration/rights-duties"), "We kijken samen op welke tegemoetkomingen en premies je recht hebt.", what_to_bring="Je identiteitskaart en je laatste aanslagbiljet.", org_kinds=("ocmw", "caw", "municipality")),
    ServiceTemplate("Sociale kruidenier", ("income-debt/material-aid",), "Winkel met voeding en verzorging aan lage prijzen voor wie het financieel moeilijk heeft.", referral=("ocmw", "caw"), outreach_chance=0.0, what_to_bring="Je klantenkaart of een doorverwijsbrief.", org_kinds=("ngo", "ocmw")),
    ServiceTemplate("Voedselbedeling", ("income-debt/material-aid",), "Wekelijkse voedselpakketten.", outreach_chance=0.0, org_kinds=("ngo",)),
    ServiceTemplate("Eerstelijnspsycholoog", ("mental-health/first-line", "mental-health/depression"), "Laagdrempelige gesprekken met een psycholoog, ook met een tolk.", min_age=15, what_to_bring="Je identiteitskaart. Een verwijsbrief is niet nodig.", org_kinds=("health", "caw")),
    ServiceTemplate("Traumazorg voor nieuwkomers", ("mental-health/trauma",), "Begeleiding bij trauma door oorlog of vlucht, met tolken.", target_groups=("newcomers",), min_age=12, referral=("doctor", "caw", "ocmw"), org_kinds=("health",)),
    ServiceTemplate("Praatpunt", ("mental-health/depression", "social-network/social-skills"), "Groepsgesprekken over zelfbeeld, somberheid en weerbaarheid.", min_age=18, org_kinds=("caw", "ngo")),
    ServiceTemplate("Crisisteam", ("mental-health/crisis",), "Mobiel team dat bij acute psychische crisis aan huis komt.", referral=("doctor",), outreach_chance=1.0, what_to_bring="Niets.", org_kinds=("health",)),
    ServiceTemplate("Alcohol- en drugpunt", ("addiction/alcohol", "addiction/drugs"), "Ambulante hulp bij alcohol- en druggebruik, ook anoniem.", min_age=16, org_kinds=("health", "caw")),
    ServiceTemplate("Gok- en gamehulp", ("addiction/gambling", "addiction/gaming"), "Hulp bij gok- en gameproblemen, individueel of in groep.", min_age=16, org_kinds=("health", "caw")),
    ServiceTemplate("Nazorg en ervaringsdeskundigen", ("addiction/aftercare",), "Buddy's met eigen ervaring ondersteunen na een opname.", target_groups=("addiction",), min_age=18, outreach_chance=0.4, org_kinds=("ngo", "health")),
    ServiceTemplate("Wijkgezondheidscentrum", ("medical/follow-up", "medical/certificates"), "Huisartsenpraktijk in de wijk, forfaitair en zonder remgeld.", what_to_bring="Je identiteitskaart en je klevers van het ziekenfonds.", outreach_chance=0.0, org_kinds=("health",)),
    ServiceTemplate("Revalidatie en arbeidsbeperking", ("medical/physical-limitation", "work/training"), "Begeleiding naar werk voor mensen met een fysieke beperking.", target_groups=("medical-limitation",), min_age=18, max_age=65, referral=("vdab", "doctor"), org_kinds=("health", "work")),
    ServiceTemplate("Nazorg na detentie", ("justice/after-detention",), "Begeleiding bij vrijlating: wonen, inkomen, werk en continuïteit van zorg.", target_groups=("after-detention",), min_age=18, referral=("justice", "caw"), outreach_chance=0.5, org_kinds=("caw",)),
    ServiceTemplate("Juridisch spreekuur", ("justice/legal-aid",), "Gratis eerste juridisch advies door een advocaat.", min_age=18, outreach_chance=0.0, what_to_bring="Alle brieven en documenten over je vraag.", org_kinds=("caw", "municipality")),
    ServiceTemplate("NT2-lessen", ("language/nt2",), "Nederlandse les voor anderstaligen, ook voor trage leerders.", min_age=18, outreach_chance=0.0, what_to_bring="Je identiteitskaart of verblijfsdocument.", org_kinds=("education",)),
    ServiceTemplate("Praatgroep Nederlands", ("language/practice", "social-network"), "Wekelijks samen Nederlands oefenen in een kleine groep.", org_kinds=("ngo", "education", "municipality")),
    ServiceTemplate("Taalbuddy", ("language/coaching",), "Een vrijwilliger oefent Nederlands met jou, bij jou thuis of in de buurt.", outreach_chance=0.7, org_kinds=("ngo",)),
    ServiceTemplate("Basiseducatie lezen en schrijven", ("language/literacy", "digital/skills"), "Leren lezen, schrijven en rekenen voor volwassenen.", min_age=18, outreach_chance=0.0, org_kinds=("education",)),
    ServiceTemplate("Loket kinderopvang", ("childcare/daycare",), "Hulp bij het vinden van kinderopvang voor baby's en peuters.", org_kinds=("municipality", "ocmw")),
    ServiceTemplate("Buitenschoolse opvang", ("childcare/after-school",), "Opvang voor en na school en op woensdagnamiddag.", outreach_chance=0.0, org_kinds=("municipality", "ngo")),
    ServiceTemplate("Huis voor ouders", ("childcare/single-parents", "social-network"), "Ontmoeting en opvoedingsondersteuning voor (alleenstaande) ouders.", target_groups=("single-parents",), org_kinds=("ngo", "municipality")),
    ServiceTemplate("Fietsschool", ("mobility/bike-lessons",), "Leren fietsen voor volwassenen, in kleine groepen.", min_age=16, outreach_chance=0.0, what_to_bring="Comfortabele kleren. Een fiets krijg je van ons.", org_kinds=("ngo", "municipality")),
    ServiceTemplate("Fietsbieb", ("mobility/bike-lease",), "Een fiets huren aan een klein bedrag per jaar.", outreach_chance=0.0, what_to_bring="Je identiteitskaart.", org_kinds=("ngo", "municipality")),
    ServiceTemplate("Reisbegeleiding bus en trein", ("mobility/public-transport",), "Samen oefenen om met bus en trein te reizen.", outreach_chance=0.6, org_kinds=("ngo", "caw")),
    ServiceTemplate("Rijbewijs-theorie voor wie moeilijk leest", ("mobility/driving-licence", "language/literacy"), "Theorie voor het rijbewijs in eenvoudige taal.", min_age=17, referral=("vdab", "partner"), outreach_chance=0.0, org_kinds=("education",)),
    ServiceTemplate("Vervoersdienst op maat", ("mobility/transport-service",), "Vervoer aan huis voor wie niet met bus of fiets kan.", outreach_chance=1.0, org_kinds=("municipality", "ngo")),
    ServiceTemplate("Digipunt", ("digital/skills", "digital/connectivity"), "Gratis hulp met computer, smartphone, itsme en e-loketten.", org_kinds=("municipality", "education")),
    ServiceTemplate("Digibank", ("digital/hardware",), "Een laptop of smartphone lenen of goedkoop kopen.", referral=("ocmw", "caw", "partner"), outreach_chance=0.0, org_kinds=("ngo",)),
    ServiceTemplate("Jobclub", ("work/job-search",), "Samen vacatures zoeken en sollicitaties oefenen.", target_groups=("job-seekers",), min_age=18, org_kinds=("work", "ngo")),
    ServiceTemplate("Jongerenwerkpunt", ("work/job-search", "work/training"), "Werk en opleiding voor jongvolwassenen, op jouw tempo.", target_groups=("young-adults",), min_age=18, max_age=30, referral=("vdab",), org_kinds=("work",)),
    ServiceTemplate("Werkervaringsproject", ("work/internship", "work/social-economy"), "Werkervaring opdoen op een generieke werkvloer met begeleiding.", min_age=18, max_age=64, referral=("vdab", "ocmw"), outreach_chance=0.0, org_kinds=("work",)),
    ServiceTemplate("Dagbesteding", ("work/social-activation",), "Zinvolle dagbesteding en vrijwilligerswerk op maat.", min_age=18, org_kinds=("ngo", "ocmw")),
    ServiceTemplate("Opleidingscentrum", ("work/training",), "Korte beroepsopleidingen met praktijk.", min_age=18, referral=("vdab",), outreach_chance=0.0, org_kinds=("education", "work")),
    ServiceTemplate("Buddywerking", ("social-network/buddy", "administration/paperwork"), "Een vrijwillige buddy helpt met papieren en gaat mee naar afspraken.", outreach_chance=0.6, org_kinds=("ngo", "caw")),
    ServiceTemplate("Vrijetijdspunt", ("social-network/leisure",), "Sport en cultuur aan verminderd tarief.", org_kinds=("municipality",)),
    ServiceTemplate("Buurtwerking", ("social-network/neighbourhood",), "Ontmoeting, koffie en activiteiten in de buurt.", outreach_chance=0.0, org_kinds=("municipality", "ngo")),
    ServiceTemplate("Onthaal welzijn", ("administration/rights-duties", "administration/paperwork", "income-debt/rights"), "Vrij onthaal voor alle vragen over welzijn, papieren en rechten.", org_kinds=("ocmw", "caw")),
    ServiceTemplate("Inburgeringsloket", ("administration/residence", "language/nt2"), "Informatie over inburgering, verblijf en Nederlandse les.", target_groups=("newcomers",), org_kinds=("municipality",)),
)

#: what the first organisation of every municipality offers
BASIC_TEMPLATES: tuple[ServiceTemplate, ...] = tuple(
    template for name in ("Onthaal welzijn", "Budgetbegeleiding", "Woonwinkel")
    for template in TEMPLATES if template.name == name
)

OPENING_PATTERNS: tuple[tuple[tuple[int, time, time], ...], ...] = (
    # office hours with a lunch break, Monday to Friday
    tuple((d, t_open, t_close) for d in range(1, 6) for t_open, t_close in ((time(9), time(12)), (time(13), time(16, 30)))),
    # mornings only, plus one evening
    tuple((d, time(9), time(12, 30)) for d in range(1, 6)) + ((2, time(18), time(20)),),
    # three afternoons
    tuple((d, time(13, 30), time(17)) for d in (1, 3, 4)),
    # Monday to Thursday long days
    tuple((d, time(8, 30), time(17)) for d in range(1, 5)),
    # one weekly group session in the evening
    ((3, time(19), time(21)),),
    # Saturday morning and Wednesday afternoon
    ((3, time(13), time(17)), (6, time(9), time(12))),
    # 24/7 (crisis)
    tuple((d, time(0), time(23, 59)) for d in range(1, 8)),
)
