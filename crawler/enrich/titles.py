"""Job titles to seniority, employment type and role family.

Seniority comes from the title's own marker ("Senior", "Staff", "II", "Head of",
"VP") or, when the title has none, the platform's structured level ("Mid-Senior
level", "entry_level"); with neither it is None, never a guess. Employment type comes
from the platform's value, then the title. Role family comes from the title, then the
department. Every lookup is cached: titles repeat across boards and crawls.
"""

from __future__ import annotations

import re
from functools import lru_cache

SENIORITIES = (
    "intern", "entry", "mid", "senior", "staff", "principal", "manager", "director",
    "executive",
)  # fmt: skip
EMPLOYMENT_TYPES = ("full_time", "part_time", "contract", "internship", "temporary")


def _words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){pattern}(?![\w-])", re.IGNORECASE)


# --- seniority ----------------------------------------------------------------------

# Checked in this order: the first marker that matches wins ("Senior Staff" is staff,
# "Senior Manager" is manager, "Senior Director" is director).
_INTERN = _words(
    r"(?:intern|internship|interns|co-?op|working\s+student|werkstudent(?:in)?|"
    r"praktikant(?:in)?|praktikum|stagiaire|summer\s+student)"
)
_CHIEF_OF_STAFF = _words(r"chief\s+of\s+staff")
_EXECUTIVE = re.compile(
    r"(?<![\w-])(?:chief|vice[\s-]+president|president|founder|co-?founder)(?![\w-])"
    r"|(?<![\w-])(?:[SEA]?VP|C[ETFOIMRPDSHA]O|CISO|CHRO)(?![\w-])",
    re.IGNORECASE,
)
_DIRECTOR = _words(r"(?:director|head\s+of|head,|directeur|directora?)")
_HEAD_OF = re.compile(r"^\s*head\b|\bhead\s+of\b", re.IGNORECASE)
# "Manager" that manages people; a product or account manager is an individual role.
_MANAGER = _words(r"(?:manager|mgr|managing)")
_IC_MANAGER = re.compile(
    r"\b(?:product|program|programme|project|account|accounts|marketing|success|"
    r"community|partner|partnerships?|office|brand|content|social\s+media|"
    r"relationship|territory|channel|category|campaign|case|release|delivery|"
    r"portfolio|solutions?|events?|payroll|benefits|property|facilities|"
    r"communications|growth|lifecycle|pricing|vendor|procurement|offering)"
    r"(?:\s+marketing)?\s+(?:manager|mgr)\b",
    re.IGNORECASE,
)
_PRINCIPAL = _words(r"(?:principal|distinguished|fellow)")
# "Staff Accountant" and "Member of Technical Staff" are not the staff level.
_STAFF = re.compile(
    r"(?<!of\s)(?<!of technical\s)(?<![\w-])staff(?![\w-])"
    r"(?!\s+(?:accountant|auditor|nurse|writer|attorney|pharmacist|physician|assistant|"
    r"photographer|reporter|accounting))",
    re.IGNORECASE,
)
_SENIOR = _words(r"(?:senior|sr\.?|snr\.?)")
_LEAD = re.compile(
    r"(?<![\w-])lead(?![\w-])(?!\s+(?:gen|generation|qualification|development))",
    re.IGNORECASE,
)
_MID = _words(r"(?:mid[\s-]?level|mid[\s-]?senior|intermediate)")
_ENTRY = _words(
    r"(?:junior|jr\.?|entry[\s-]?level|new[\s-]+grad(?:uate)?|graduate|grad|"
    r"early[\s-]+career|university\s+(?:grad|graduate|hire)|apprentice(?:ship)?|"
    r"trainee|campus\s+hire)"
)
# "Associate Product Manager", "Tax Associate"; not "Associate General Counsel", nor
# the hourly roles named "associate" at every level ("Warehouse Associate").
_ASSOCIATE_PREFIX = re.compile(
    r"(?<!warehouse\s)(?<!retail\s)(?<!store\s)(?<!sales\s)(?<!customer\s)(?<!crew\s)"
    r"(?<!fulfillment\s)(?<!fulfilment\s)(?<!shift\s)(?<!delivery\s)(?<!team\s)"
    r"(?<![\w-])associate(?![\w-])(?!\s+(?:general\s+counsel|partner|dean|professor))",
    re.IGNORECASE,
)
# The person a role supports is not the role's level.
_SUPPORTS_SOMEONE = re.compile(
    r"\s+(?:to|for|supporting)\s+(?:the\s+|our\s+)?(?:ceo|cto|cfo|coo|chief|vp|svp|evp|vice|"
    r"president|co-?founders?|founders?|executives?|head|directors?|leadership)\b.*$",
    re.IGNORECASE,
)
# Levels as numbers: "Software Engineer II", "Engineer 3", "Level 2", "L5".
_ROMAN_LEVEL = re.compile(r"(?<=[a-z])\s+(I{1,3}|IV|V)(?=\s*$|\s*[,(/|\u2013-])")
_NUMBER_LEVEL = re.compile(
    r"\b(?:engineer|developer|scientist|analyst|designer|programmer|level)\s+([1-5])\b"
    r"(?!\s*(?:\+|years?|yrs?))",
    re.IGNORECASE,
)
_ROMAN_TO_SENIORITY = {"I": "entry", "II": "mid", "III": "senior", "IV": "staff",
                       "V": "principal"}  # fmt: skip
_NUMBER_TO_SENIORITY = {"1": "entry", "2": "mid", "3": "senior", "4": "staff",
                        "5": "principal"}  # fmt: skip


@lru_cache(maxsize=65536)
def seniority_from_title(title: str, level: str | None = None) -> str | None:
    """The seniority a title states ("Senior Staff Engineer" -> "staff"), else the
    platform's structured ``level`` normalized, else None (never a guess)."""
    marker = _title_marker(title or "")
    if marker is not None:
        return marker
    return seniority_from_level(level)


def _title_marker(title: str) -> str | None:
    if not title.strip():
        return None
    title = _SUPPORTS_SOMEONE.sub("", title)  # "Executive Assistant to the CEO"
    if _INTERN.search(title):
        return "intern"
    if _CHIEF_OF_STAFF.search(title):
        return None if not _SENIOR.search(title) else "senior"
    if _EXECUTIVE.search(title) and not re.search(r"\bpresident'?s?\s+club\b", title, re.I):
        return "executive"
    if _DIRECTOR.search(title) or _HEAD_OF.search(title):
        return "director"
    if _MANAGER.search(title) and not _IC_MANAGER.search(title):
        return "manager"
    if _PRINCIPAL.search(title):
        return "principal"
    if _STAFF.search(title):
        return "staff"
    if _SENIOR.search(title):
        return "senior"
    if _LEAD.search(title):
        return "senior"
    roman = _ROMAN_LEVEL.search(title)
    if roman:
        return _ROMAN_TO_SENIORITY[roman.group(1)]
    number = _NUMBER_LEVEL.search(title)
    if number:
        return _NUMBER_TO_SENIORITY[number.group(1)]
    if _MID.search(title):
        return "mid"
    if _ENTRY.search(title) or _ASSOCIATE_PREFIX.search(title):
        return "entry"
    return None


# Platform levels: LinkedIn-style ("Mid-Senior level"), SmartRecruiters
# ("mid_senior_level"), Workable, Ashby, JSON-LD experienceRequirements words.
_LEVEL_WORDS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"not[\s_-]*applicable|n/?a$|^none$|^any$", re.I), None),
    (re.compile(r"intern|student|co-?op|trainee", re.I), "intern"),
    (re.compile(r"executive|c[\s_-]*level|vp|vice|chief", re.I), "executive"),
    (re.compile(r"director|head", re.I), "director"),
    (re.compile(r"manag", re.I), "manager"),
    (re.compile(r"principal", re.I), "principal"),
    (re.compile(r"staff|expert", re.I), "staff"),
    (
        re.compile(
            r"mid[\s_-]*senior|mid[\s_-]*level|intermediate|^mid$|experienced|associate", re.I
        ),
        "mid",
    ),
    (re.compile(r"senior|^sr\b|lead", re.I), "senior"),
    (re.compile(r"entry|junior|graduate|beginner|^jr\b", re.I), "entry"),
)


@lru_cache(maxsize=1024)
def seniority_from_level(level: str | None) -> str | None:
    """A platform's structured level ("Mid-Senior level", "entry_level") as a seniority."""
    if not isinstance(level, str) or not level.strip():
        return None
    text = level.strip()
    if text.lower() in SENIORITIES:
        return text.lower()
    for pattern, seniority in _LEVEL_WORDS:
        if pattern.search(text):
            return seniority
    return None


# --- employment type ----------------------------------------------------------------

_EMPLOYMENT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"intern|co-?op|working[\s_-]*student|werkstudent|praktik|stagiaire", re.I),
        "internship",
    ),
    (re.compile(r"part[\s_-]*time|teilzeit|temps\s+partiel", re.I), "part_time"),
    (re.compile(r"temp|seasonal|fixed[\s_-]*term|befristet|casual", re.I), "temporary"),
    (
        re.compile(r"contract|freelance|consultant|contractor|1099|c2c|per[\s_-]*diem", re.I),
        "contract",
    ),
    (
        re.compile(
            r"full[\s_-]*time|fulltime|permanent|regular|vollzeit|cdi|salaried|"
            r"unbefristet",
            re.I,
        ),
        "full_time",
    ),
)
_TITLE_EMPLOYMENT: tuple[tuple[re.Pattern[str], str], ...] = (
    (_INTERN, "internship"),
    (_words(r"(?:part[\s-]?time)"), "part_time"),
    (
        _words(
            r"(?:contract(?!\s+(?:manager|specialist|administrator|analyst|negotiator|"
            r"attorney|lawyer|counsel))|contractor|freelance|freelancer|1099)"
        ),
        "contract",
    ),
    (_words(r"(?:temporary|temp|seasonal|fixed[\s-]term)"), "temporary"),
    (_words(r"(?:full[\s-]?time)"), "full_time"),
)


@lru_cache(maxsize=4096)
def employment_type_from(value: str | None, title: str | None = None) -> str | None:
    """The platform's employment type normalized ("FULL_TIME", "Full-time" -> full_time),
    else the title's marker ("(Contract)", "Intern"), else None."""
    if isinstance(value, str) and value.strip():
        for pattern, kind in _EMPLOYMENT_WORDS:
            if pattern.search(value):
                return kind
    if title:
        for pattern, kind in _TITLE_EMPLOYMENT:
            if pattern.search(title):
                return kind
    return None


# --- role family --------------------------------------------------------------------

_ENGINEERING = r"(?:engineering|software|development|technology|tech|platform|infrastructure)"
_ROLE_RULES: tuple[tuple[str, str], ...] = (
    (
        "operations",  # people, money and law roles, even when they serve engineering
        r"^(?!.*\b(?:engineer|developer|scientist|architect)s?\b).*(?:recruit|talent\s+acquisition|"
        r"sourcer|accountant|accounting|\blegal\b|counsel|paralegal|\bhr\b|human\s+resources|"
        r"people\s+(?:partner|operations|business)|executive\s+assistant|chief\s+of\s+staff|"
        r"program\s+manager|project\s+manager)",
    ),
    (
        "product",
        r"product\s+(?:manager|management|owner|lead|director)|\bpm\b|\bapm\b|"
        r"head\s+of\s+product|vp,?\s+(?:of\s+)?product",
    ),
    (
        "engineering_management",
        rf"{_ENGINEERING}\s+(?:manager|director|lead(?:er)?)|(?:manager|director|head|vp|"
        rf"vice\s+president),?\s+(?:of\s+)?(?:\w+\s+)?{_ENGINEERING}|^cto$|chief\s+technology",
    ),
    (
        "ai_ml",
        r"machine[\s-]+learning|\bml\b|\bmlops\b|\bai\b|artificial\s+intelligence|deep\s+learning|"
        r"\bllms?\b|\bnlp\b|computer\s+vision|research\s+(?:engineer|scientist)|applied\s+scientist|"
        r"inference|interpretability|alignment|perception|generative|genai|reinforcement",
    ),
    (
        "security",
        r"security|appsec|infosec|cyber|penetration|red\s+team|detection\s+(?:and|&)\s+response|"
        r"\biam\b|cryptograph",
    ),
    (
        "sre",
        r"\bsre\b|site\s+reliability|reliability\s+engineer|devops|dev\s+ops|"
        r"production\s+engineer",
    ),
    (
        "data",
        r"\bdata\b|analytics|\banalyst\b|business\s+intelligence|\bbi\b|\betl\b|statistic|"
        r"data\s+scien|database|\bdba\b",
    ),
    (
        "qa",
        r"\bqa\b|quality\s+(?:assurance|engineer)|\btest(?:ing)?\s+(?:engineer|automation)|"
        r"\bsdet\b|\btester\b",
    ),
    ("mobile", r"\bios\b|android|mobile|react\s+native|flutter|swift\b|kotlin"),
    ("frontend", r"front[\s-]?end|\bui\s+engineer|web\s+(?:engineer|developer)|\breact\b"),
    ("fullstack", r"full[\s-]?stack"),
    ("backend", r"back[\s-]?end|server[\s-]side|\bapi\b|payments\s+engineer"),
    (
        "infrastructure",
        r"infrastructure|platform\s+engineer|\bcloud\b|systems?\s+engineer|network|kernel|"
        r"distributed\s+systems|storage|compute|developer\s+productivity|build\s+engineer|"
        r"release\s+engineer|\bhpc\b|embedded|firmware|hardware|\basic\b|\bfpga\b|silicon|"
        r"verification\s+engineer|compiler|\bgpu\b|\bcuda\b",
    ),
    (
        "design",
        r"designer|\bdesign\s+(?:lead|director|manager|systems?|ops|researcher)|"
        r"product\s+design|of\s+design\b|^design\b|\bux\b|\bui\b|user\s+research|"
        r"illustrat|creative\s+director|graphic|visual\s+design",
    ),
    (
        "sales",
        r"sales|account\s+(?:executive|manager|director)|\bae\b|\bsdr\b|\bbdr\b|"
        r"business\s+development|partnerships?|solutions?\s+(?:engineer|architect|consultant)|"
        r"customer\s+success|revenue|pre[\s-]?sales|go[\s-]to[\s-]market|\bgtm\b",
    ),
    (
        "marketing",
        r"marketing|brand|content|communications|\bpr\b|public\s+relations|developer\s+relations|"
        r"devrel|developer\s+advocate|evangelist|community|\bseo\b|demand\s+gen|copywrit|"
        r"social\s+media|growth\s+market",
    ),
    (
        "operations",
        r"operations|\bops\b|finance|account(?:ant|ing)|legal|counsel|paralegal|people|\bhr\b|"
        r"human\s+resources|recruit|talent|sourcer|office|assistant|support|program\s+manager|"
        r"project\s+manager|chief\s+of\s+staff|strategy|procurement|payroll|\btax\b|compliance|"
        r"facilities|workplace|treasury|controller|audit|policy|trust\s+(?:and|&)\s+safety|"
        r"administrat|coordinator|logistics|supply\s+chain|\bfp&a\b",
    ),
    (
        "backend",  # a software engineer without a named specialty builds services
        r"software\s+(?:engineer|developer)|\bswe\b|\bdeveloper\b|\bprogrammer\b|"
        r"member\s+of\s+technical\s+staff|\bengineer\b|\barchitect\b",
    ),
)
_ROLE_PATTERNS = tuple((family, re.compile(p, re.IGNORECASE)) for family, p in _ROLE_RULES)
ROLE_FAMILIES = (*dict.fromkeys(family for family, _ in _ROLE_RULES), "other")


@lru_cache(maxsize=65536)
def role_family_from(title: str | None, department: str | None = None) -> str:
    """The role family of a title ("Backend Engineer" -> backend), falling back on the
    department ("Account Executive" in "Sales"), else "other"."""
    for text in (title, department):
        if not text:
            continue
        for family, pattern in _ROLE_PATTERNS:
            if pattern.search(text):
                return family
    return "other"
