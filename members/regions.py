"""Which alliance region a country belongs to (after the UN geoscheme, as ISO 3166 codes)."""

AFRICA = """
DZ AO BJ BW BF BI CV CM CF TD KM CG CD CI DJ EG GQ ER SZ ET GA GM GH GN GW KE LS LR LY MG
MW ML MR MU YT MA MZ NA NE NG RE RW SH ST SN SC SL SO ZA SS SD TZ TG TN UG EH ZM ZW IO TF
"""
ASIA = """
AF AM AZ BH BD BT BN KH CN CY GE HK IN ID IR IQ IL JP JO KZ KW KG LA LB MO MY MV MN MM NP KP
OM PK PS PH QA SA SG KR LK SY TW TJ TH TL TR TM AE UZ VN YE
"""
EUROPE = """
AX AL AD AT BY BE BA BG HR CZ DK EE FO FI FR DE GI GR GG VA HU IS IE IM IT JE XK LV LI LT LU
MT MD MC ME NL MK NO PL PT RO RU SM RS SK SI ES SJ SE CH UA GB
"""
NORTH_AMERICA = "BM CA GL PM US UM"
LATIN_AMERICA_CARIBBEAN = """
AI AG AR AW BS BB BZ BO BQ BV BR VG KY CL CO CR CU CW DM DO EC SV FK GF GD GP GT GY HT HN JM
MQ MX MS NI PA PY PE PR BL KN LC MF VC SX GS SR TT TC VI UY VE
"""
OCEANIA = """
AS AU CX CC CK FJ PF GU HM KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV VU WF AQ
"""

REGION_COUNTRIES = {
    "africa": AFRICA,
    "asia": ASIA,
    "europe": EUROPE,
    "north-america": NORTH_AMERICA,
    "latin-america-caribbean": LATIN_AMERICA_CARIBBEAN,
    "oceania": OCEANIA,
}

COUNTRY_REGION = {
    code: region for region, codes in REGION_COUNTRIES.items() for code in codes.split()
}


def region_for_country(code: str) -> str:
    """The region of an ISO country code, or "" when the code is unknown."""
    return COUNTRY_REGION.get((code or "").upper(), "")
