"""AI skills: which AI/ML skills a posting names, whether its role asks for them, and
whether the role itself is AI work (the tag ids and rules of AI_SKILLS.md).

The title and the description text are scanned by the matcher of
crawler.enrich.ai_taxonomy. Whether a posting *asks* for AI depends on where a hit
stands: the role's duties and requirements ask; company blurbs, benefits, legal and
hiring-process text do not (see crawler.enrich.sections), nor do sentences that name
AI perks, culture or AI used in hiring wherever they stand, nor sentences whose subject
is the company and not the hire. Within an asking sentence, a mention that names AI as
the employer's field or a trend ("a fast-growing AI startup", "the change AI brings"),
as part of a name ("at Acme AI"), or as a team the hire works with ("with the data, ML
and product teams") does not ask either, unless the sentence asks the hire to know or
want it ("experience at an AI startup"). In a sentence whose subject is the company, only
the part after the cue about the hire asks; a mention alone in its section's heading
line (a topic, a tagline) asks nothing by itself.

Evidence: ``{tag, phrase, start, end, section}`` per tag of each hit, at most
MAX_EVIDENCE_PER_TAG per tag (the first ones); offsets point into the description
text, or into the title when ``section`` is "title".
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from crawler.enrich.ai_taxonomy import Mention, Taxonomy, load_taxonomy
from crawler.enrich.sections import ASKING_KINDS, NEUTRAL_KINDS, Section, section_at
from crawler.enrich.titles import role_family_from

MAX_EVIDENCE_PER_TAG = 5  # enough to see why; keeps rows of AI-heavy postings small

# --- the posting's verdict ----------------------------------------------------------

# Sentences that name AI without asking the applicant for it, wherever they stand.
_NOT_AN_ASK = re.compile(
    r"(we|may|might|will|use|uses|using|leverage)\b[^.]{0,40}\b(AI|artificial intelligence"
    r"|automated)\b[^.]{0,80}\b(screen|review|assess|evaluat|process|sort|rank)\w*"
    r"[^.]{0,60}\b(applications?|candidates?|resumes?|CVs?|applicants?)"
    r"|\b(applications?|candidates?|resumes?|CVs?|interviews?|hiring|recruit\w*)\b"
    r"[^.]{0,80}\b(AI|artificial intelligence)\b[^.]{0,40}\b(tools?|screen\w*|notetak\w*)"
    r"|\bAI (tools? )?(stipend|budget|allowance|subscriptions?|credits)"
    r"|\b(access to|licen[cs]es? for|subscriptions? to|stipend for)\b[^.]{0,30}\bAI\b"
    r"|\b(AI|artificial intelligence)\b[^.]{0,60}\b(assist|help|screen|review|sort|transcrib"
    r"|record|summari[sz])\w*[^.]{0,60}\b(applications?|candidates?|resumes?|CVs?|applicants?"
    r"|interviews?)\b"
    r"|^\s*(?:[-*\u2022]\s*)?(?:an?\s+|the\s+)?(?:unique\s+|rare\s+)?(?:opportunity|chance)"
    r"\s+to\b"
    r"|\b(?:this|the)\s+(?:role|position|job|internship)\s+(?:also\s+)?(?:offers|provides|gives)\b"
    r"|\beveryone (here|at \w+|in the company)\b|\ball employees\b|\bcompany-wide\b"
    r"|^\s*(we offer|benefits|perks)\b"
    r"|^\s*we (use|integrate|leverage|love|embrace|encourage)\b"
    r"|^\s*(?:[-*\u2022]\s*)?(?:we are|we're|we\u2019re) an AI\b"
    r"|\bAI-(first|native) (company|workplace|culture)"
    # AI as the field whose people a recruiter hires: "recruiting across AI/ML", "AI talent"
    r"|\b(recruit\w*|talent|hiring|sourcing)\b[^.]{0,80}\b(across|in|within|for)\s+(the\s+)?"
    r"(AI|ML|AI\s*/\s*ML)\b|\bAI(\s*/\s*ML)?\s+talent\b"
    # a pitch about the place, not a duty: "Be at the forefront of AI and LLM tooling"
    r"|^\s*(?:[-*\u2022]\s*)?(?:be|being|you(?:'ll|\u2019ll| will) be)\s+(?:at|on)\s+the\s+"
    r"(?:forefront|cutting[- ]edge|leading edge|frontier)\s+of\b",
    re.IGNORECASE,
)
# Sentences about the company rather than the job (in text without a clear heading).
_ABOUT_THE_COMPANY = re.compile(
    r"^\s*(we are|we're|we build|we've|our (mission|company|platform|products?|customers"
    r"|investors|team of|story|vision)|founded|headquartered|backed by|trusted by"
    r"|join us|at [A-Z]\w*,? we)\b|\b(is|are) (a|an|the) (leading|global|fast-growing"
    r"|world's|\w+-backed)|\b(?i:company|startup|unicorn|series [a-e])\b",
)
# A sentence whose subject is the company: "Acme is...", "Acme's platform combines...",
# "Our platform uses...", "At Acme, we are building...". Wherever it stands, it
# describes the company unless it also speaks of the hire (_HIRE_CUE).
_COMPANY_SUBJECT = re.compile(
    r"\s*(?:[-*\u2022]\s*)?(?:at\s+[A-Z][\w.&'\u2019-]*(?:\s+[A-Z][\w.&-]*)?,\s*)?"
    r"(?:(?i:we(?:'re|\u2019re|'ve|\u2019ve| are| have| build| make| believe| help| exist"
    r"| do| offer| provide| serve| power| enable| deliver| develop| create| combine| close"
    r"| bring| turn| give| partner| work with| support| started| raised)"
    r"|our\s+(?:[\w-]+\s+){0,2}?(?:mission|platform|products?|company|customers|vision"
    r"|technology|solutions?|values|goal|story|founders|investors|clients|partners|users)"
    r"|our\s+(?:[\w-]+\s+){0,3}?(?:is|are|has|have|was|helps?|enables?|empowers?|powers?"
    r"|uses?|combines?|offers?|delivers?|provides?|serves?|makes?|runs?|brings?|includes?"
    r"|spans?|consists?|built|succeeds?))\b"
    r"|(?:As\s+[^,;]{3,150},\s*)?"
    r"(?!(?:You|Your|This|The|In|As|If|With|Our|We|It|They|Experience|Familiarity)\b)"
    r"(?:[A-Z][\w.&-]*|[a-z]+(?:\d|[A-Z])[\w.&-]*)(?:\s+[A-Z][\w.&-]*){0,2}"
    r"(?:['\u2019]s(?:\s+\w+){1,4})?\s+"
    r"(?:is|are|was|builds?|makes?|uses?|combines?|offers?|helps?|delivers?|provides?"
    r"|exists|equips|powers|leverages|develops|creates|brings|enables|empowers)\b)"
)
# Words that tie a sentence to the job itself, not to the company around it.
_JOB_CUE = re.compile(
    r"\b(you(?:'ll|\u2019ll| will| would|'d| have| bring| are| should| must| can)"
    r"|your (?:role|work|team|day|experience|background)|this (?:role|position)|the role"
    r"|experience (?:with|in|using|building)|familiar\w*|proficien\w*|knowledge of"
    r"|understanding of|expertise|hands-on|required|preferred|a plus|bonus|must"
    r"|nice to have|we(?:'re| are) looking for|candidate|your strengths?)\b"
    r"|^\s*(?:[-*\u2022]\s*)?someone\b",  # "Someone excited about building LLM agents"
    re.IGNORECASE,
)
# Words that tie a sentence to the hire, whoever else it speaks of: a sentence whose
# subject is the company asks only with one of these ("Our founders have experience in
# AI" describes the founders).
_HIRE_CUE = re.compile(
    r"\b(you|your (?:role|work|team|day|experience|background|skills)|this (?:role|position)"
    r"|the role|candidates?|(?:we(?:'re|\u2019re)|is|are) (?:looking|hiring|seeking))\b",
    re.IGNORECASE,
)
# AI named as the employer's field, an industry or a trend rather than a skill of the
# hire: "a hypergrowth AI startup", "the change AI is bringing to education", "a new
# shift in AI", "at the intersection of AI and defense", "the AI era".
_AI = r"(?:AI|A\.I\.|artificial intelligence|generative AI|GenAI|agentic(?: AI)?)"
_AI_AS_BACKDROP = re.compile(
    rf"\b{_AI}(?:[- ](?:first|native|powered|driven|focused))?\s+(?:[\w-]+\s+)?(?:start-?ups?"
    r"|compan(?:y|ies)|labs?|firms?|businesses)\b"
    rf"|\b{_AI}(?:[- ](?:first|native|powered|driven|focused))?\s+(?:industry|sector|space|era"
    r"|age|revolution|boom|wave|landscape|ecosystem|market(?:place)?s?|world|transformation"
    r"|shift|race|hype)\b"
    r"|\b(?:era|age|rise|advent|dawn|future|shift|wave|revolution|world|frontier|intersection"
    rf"|transformation)\s+(?:of|in)\s+(?:the\s+)?{_AI}(?!\s+(?:tools?|models?|systems?|agents?"
    r"|features?|products?|applications?))"
    rf"|\b(?:shift|move|transition|journey)\s+(?:to|towards?)\s+(?:the\s+)?{_AI}"
    r"(?!\s+(?:tools?|models?|systems?|features?|products?|applications?))"
    r"|\b(?:discovered|invented|developed|designed|found|engineered)\s+(?:by|with|using)\s+"
    rf"(?:our|(?-i:[A-Z])[\w-]*(?:['\u2019]?s)?)\s+(?:own\s+|proprietary\s+|in-house\s+)?{_AI}"
    rf"|\bmission\s+(?:is\s+)?(?:to|of|at)\b[^.;]{{0,60}}?\b{_AI}"
    rf"|\bwhat(?:'s|\u2019s| is) possible (?:with|in) {_AI}"
    rf"|\bhow\s+{_AI}\s+(?:can|could|will|is|are)\b"
    rf"|\b{_AI}[- ]generated\s+(?:content|media|images?|videos?|art|posts?|music)\b"
    rf"|\b{_AI}\s+(?:is\s+|are\s+|will\s+|continues\s+to\s+|has\s+|keeps\s+)?(?:bringing|brings"
    r"|transform\w*|reshap\w*|chang(?:es|ing|ed)|revolutioni[sz]\w*|disrupt\w*|redefin\w*"
    r"|rewrit\w*|reinvent\w*|upend\w*|accelerat(?:es|ing))\b",
    re.IGNORECASE,
)
# What the hire is asked to know or want: such a sentence asks even about a backdrop
# ("Experience in a B2B SaaS or AI startup", "Passion for AI and how it transforms work").
_SKILL_CUE = re.compile(
    r"\b(experience|background|knowledge|understanding|interest(?:ed)?|passion(?:ate)?"
    r"|familiar\w*|curious|curiosity|excit\w*|enthusias\w*|fluen\w*|proficien\w*|savvy|expertise"
    r"|track record|exposure)\b",
    re.IGNORECASE,
)


# AI or ML named as one of the teams or disciplines the hire works with ("partner with
# research, ML, and product teams", "other disciplines including design, machine
# learning, and infrastructure"): the hire's colleagues, not the hire's skill.
_TEAM_TERM = r"(?:AI|ML|AI/ML|ML/AI|machine learning|applied AI|AI research|ML research)"
_LIST_STEP = r"(?:\s*(?:,|/|&|\band\b|\bor\b)\s*(?:and\s+|or\s+)?[\w-]+(?:\s+[\w-]+)?)"
_TEAM_NOUN = (
    r"(?:teams?|disciplines|functions|groups|orgs|organi[sz]ations|engineers|researchers"
    r"|scientists|labs?)"
)
_AI_AS_TEAM = re.compile(
    rf"\b{_TEAM_TERM}{_LIST_STEP}{{0,4}},?\s+(?:and\s+|or\s+)?(?:other\s+)?(?:[\w-]+\s+)?"
    rf"{_TEAM_NOUN}\b"
    rf"|\b{_TEAM_NOUN},?\s+(?:including|such as|like|across|from)\s+(?:[\w/-]+(?:\s+[\w/-]+)?"
    rf"\s*(?:,|&|/|\band\b|\bor\b)\s*){{0,5}}(?:and\s+|or\s+)?{_TEAM_TERM}\b",
    re.IGNORECASE,
)
_WORKS_WITH = re.compile(
    r"\b(with|for|alongside|across|between|among|partner\w*|collaborat\w*|support\w*"
    r"|cross-functional\w*)\b",
    re.IGNORECASE,
)
# AI as part of a name after a preposition: "at Acme AI", "for Acme AI", "About Acme AI"
# (a field of AI, "with Generative AI", is not a name; nor "Acme AI tools").
_AI_IN_NAME = re.compile(
    r"\b(?:at|for|join|about|with|of|to)\s+"
    r"(?!(?:Generative|Gen|Applied|Conversational|Responsible|Agentic|Vertical|Physical"
    r"|Enterprise|Open|Voice|Clinical|Embodied|Explainable|Trustworthy|Frontier|Multimodal"
    r"|Edge|Ethical|Safe|Human|Modern|Practical|General|Predictive|Creative|Cognitive"
    r"|Autonomous|Industrial|Advanced|Next|New|Secure|Sovereign|Medical|Legal|Our|The|An?"
    r"|This|Your|Using|Leveraging)\b)"
    r"[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?(?:\.|\s+)AI\b(?!\s*(?:/|-)?\s*(?:tools?|models?|agents?"
    r"|systems?|products?|features?|solutions?|platforms?|applications?|capabilit\w+"
    r"|technolog\w+|workflows?|research|engineer\w*|infrastructure|ML)\b)"
)


# AI as an adjective of the employer's own product ("our clinical AI platform", "Acme's
# AI-powered cameras", "our AI agents"): what the company sells, not the hire's skill,
# unless the hire builds it ("build and evaluate our AI agents", _BUILDS_IT).
_AI_PRODUCT = re.compile(
    r"(?:\bour|(?-i:[A-Z])[\w.&-]*['\u2019]s?)\s+(?:[\w-]+\s+){0,3}?"
    r"(?:AI|A\.I\.|artificial intelligence|generative AI|GenAI)(?:[- ](?:powered|driven|native"
    r"|first|based|enabled))?\s+(?:[\w-]+\s+){0,2}?(?:products?|platforms?|solutions?"
    r"|systems?|agents?|tools?|workflows?|services?|software|applications?|apps?|assistants?"
    r"|copilots?|offerings?|cameras?|devices?|operating system)\b",
    re.IGNORECASE,
)
_BUILDS_IT = re.compile(
    r"\b(?:build|develop|train|design|architect|ship|implement|improve|fine-tune|evaluate"
    r"|prototype|create|extend|optimi[sz]e|work on|contribute to|own|scale|test|debug)\w*"
    r"\s+(?:(?:and|or)\s+\w+\s+)?(?:(?:on|to|the|of|parts of|features (?:of|for|in))\s+)*$",
    re.IGNORECASE,
)
_PRODUCT_PHRASES = frozenset(
    {"ai-powered", "ai-driven", "ai-native", "ai-first", "ai agent", "ai agents", "ai tool",
     "ai tools", "ai platform", "ai products", "ai product"}
)  # fmt: skip


# AI as a qualifier of a product or business noun, whoever owns it ("support AI-driven
# workflows", "clinical AI products", "an AI software company", "AI invoice approval"):
# it names what the product is, not what the hire does, unless the sentence asks the
# hire to know it (_SKILL_CUE) or a build verb governs it (_BUILDS_IT).
_AI_QUALIFIER = re.compile(
    r"\b(?:AI|A\.I\.|artificial intelligence|generative AI|GenAI)(?:[- ](?:powered|driven"
    r"|native|first|based|enabled))?\s+(?:[\w-]+\s+){0,2}?(?:products?|platforms?|solutions?"
    r"|systems?|workflows?|modules?|services?|software|offerings?|deployments?|company"
    r"|companies|provider|vendors?|approvals?|copilots?|cameras?|devices?)\b",
    re.IGNORECASE,
)


# The hire using AI products is an ask ("leveraging tools such as Notion and AI-driven
# solutions"): a use verb shortly before the phrase keeps it.
_USES = re.compile(
    r"\b(?:us(?:e|es|ing)|leverag(?:e|es|ing)|adopt(?:s|ing)?|appl(?:y|ies|ying)"
    r"|employ(?:s|ing)?|integrat(?:e|es|ing)|harness(?:es|ing)?)\b",
    re.IGNORECASE,
)


def _qualifies_a_product(sentence: str, start: int, end: int) -> bool:
    """Whether the mention at start:end qualifies a product noun (_AI_QUALIFIER) in a
    sentence asking no skill, with no build verb governing the phrase."""
    for match in _AI_QUALIFIER.finditer(sentence, start, min(len(sentence), end + 60)):
        if match.start() == start:
            before = max(0, start - 60)
            return not (
                _SKILL_CUE.search(sentence)
                or _BUILDS_IT.search(sentence, max(0, start - 50), start)
                or _USES.search(sentence, before, start)
            )
    return False


def _names_the_product(sentence: str, start: int, end: int) -> bool:
    """Whether the mention at start:end names the employer's product in a phrase the
    hire does not build ("sell our AI agents to clinics")."""
    for match in _AI_PRODUCT.finditer(sentence, max(0, start - 60), min(len(sentence), end + 60)):
        if match.start() <= start and end <= match.end():
            return not _BUILDS_IT.search(sentence, max(0, match.start() - 50), match.start())
    return False


# The phrases the rules above are about, lowercased: other mentions ("PyTorch") are
# never a backdrop, and skip the regexes.
_BACKDROP_PHRASES = frozenset(
    {"ai", "a.i.", "artificial intelligence", "generative ai", "genai", "agentic", "agentic ai"}
)
_TEAM_PHRASES = frozenset({"ai", "ml", "ai/ml", "ml/ai", "machine learning", "applied ai"})
_WINDOW = 90  # characters around a mention that its backdrop phrase may span


def mention_is_backdrop(mention: Mention, sentence: str, start: int) -> bool:
    """Whether this AI mention, at ``start`` of its sentence, names the employer's field or
    a trend ("AI startup", "the AI era") or a name ("at Acme AI") in a sentence asking no
    skill of the hire, or the teams the hire works with ("with research, ML and product
    teams")."""
    phrase = mention.phrase.lower()
    end = start + len(mention.phrase)
    domain_name = start > 1 and sentence[start - 1] == "." and sentence[start - 2].isalnum()
    if phrase == "ai" and domain_name:
        return True  # a name written as a domain, "Globex.AI"
    if (phrase in _BACKDROP_PHRASES or phrase in _PRODUCT_PHRASES) and (
        _names_the_product(sentence, start, end) or _qualifies_a_product(sentence, start, end)
    ):
        return True
    if phrase not in _BACKDROP_PHRASES and phrase not in _TEAM_PHRASES:
        return False
    low, high = max(0, start - _WINDOW), min(len(sentence), end + _WINDOW)
    if phrase in _BACKDROP_PHRASES:
        for match in _AI_AS_BACKDROP.finditer(sentence, low, high):
            if match.start() <= start and end <= match.end():
                return not _SKILL_CUE.search(sentence)
        if phrase == "ai" and start > 1 and sentence[start - 2].isalnum():  # "Acme AI"
            for match in _AI_IN_NAME.finditer(sentence, low, end):
                if match.end() == end:
                    return not _SKILL_CUE.search(sentence)
    if phrase in _TEAM_PHRASES and _WORKS_WITH.search(sentence, 0, start):
        for match in _AI_AS_TEAM.finditer(sentence, low, high):
            if match.start() <= start and end <= match.end():
                return True
    return False


# A sentence that starts like a duty: "Train and deploy ML models...", "Build LLM features".
_DUTY = re.compile(
    r"\s*(?:[-*\u2022]\s*)?(train|build|design|develop|ship|own|lead|research|deploy|create"
    r"|implement|improve|optimi[sz]e|evaluate|write|help|work|use|integrate|prototype|scale"
    r"|fine-tune|rate|review|label|annotate|teach|drive|partner|collaborate|run|apply)\b",
    re.IGNORECASE,
)


_SENTENCE_BREAKS = (". ", "! ", "? ", "; ", ".\n", "\n")
_BREAKS_IN_LINE = (". ", "! ", "? ", "; ")


def sentence_span(text: str, start: int) -> tuple[int, int]:
    """The sentence (or list line) holding this offset, between two _SENTENCE_BREAKS.

    A line break is one, so the other marks are looked for within the offset's own
    line only: a few C-level scans of one short line, not of the whole text.
    """
    left = text.rfind("\n", 0, start) + 1
    right = text.find("\n", start)
    if right < 0:
        right = len(text)
    elif right > start and text[right - 1] == ".":  # ".\n" ends the sentence at its dot
        right -= 1
    for mark in _BREAKS_IN_LINE:
        before = text.rfind(mark, left, start)
        if before >= 0:
            left = max(left, before + 2)
        after = text.find(mark, start, right)
        if after >= 0:
            right = after
    return left, right


_COMPANY_SECTION_ASK = re.compile(
    r"\b(this role|in this position|the role)\b"
    # the hire as the subject, under a culture or team heading: "You'll integrate AI tools"
    r"|^\s*(?:[-*\u2022]\s*)?[Yy]ou(?:'ll|\u2019ll| will| are| have| should)\s"
)
# A closing pitch ("If shaping AI for data teams excites you, we want to hear from you")
# asks nothing unless it names what the hire has done or knows.
_CLOSING_PITCH = re.compile(r"^\s*if\b.*\bhear from you\b", re.IGNORECASE)
_KNOWS = re.compile(
    r"\b(experience|background|knowledge|expertise|familiar\w*|proficien\w*|built|shipped)\b",
    re.IGNORECASE,
)


# Words one of which every _NOT_AN_ASK sentence holds: a cheap test before the regex.
_NOT_AN_ASK_WORDS = (
    "applica", "candidat", "resume", "cv", "interview", "hiring", "recruit", "stipend",
    "budget", "allowance", "subscription", "credits", "access", "licen", "everyone",
    "employees", "company-wide", "offer", "benefit", "perk", "ai-first", "ai-native",
    "we are an", "we're an", "for our", "for the", "with our", "with the", "alongside",
    "support", "we use", "we integrate", "we leverage", "we love", "we embrace",
    "we encourage", "team", "researchers", "engineers", "scientists", "opportunit",
    "chance", "provides", "gives", "talent", "forefront", "edge", "frontier",
)  # fmt: skip


def is_not_an_ask(sentence: str) -> bool:
    """A sentence that names AI without asking the applicant for it: hiring-process AI,
    AI perks, company-wide culture, AI teams the hire only works for."""
    lowered = sentence.lower()
    if not any(word in lowered for word in _NOT_AN_ASK_WORDS):
        return False
    return bool(_NOT_AN_ASK.search(sentence))


def ask_start(sentence: str, kind: str) -> int | None:
    """Where the asking part of a sentence holding an AI mention, in a section of this
    kind, starts: None when no part asks, 0 when all of it does. A sentence whose subject
    is the company asks only from its cue about the hire on ("We've grown with our AI
    product, and we're looking for engineers who know PyTorch": PyTorch asks, the
    product does not)."""
    if kind in NEUTRAL_KINDS or is_not_an_ask(sentence):
        return None
    if _CLOSING_PITCH.match(sentence) and not _KNOWS.search(sentence):
        return None
    if _COMPANY_SUBJECT.match(sentence):
        cue = _HIRE_CUE.search(sentence)
        return cue.start() if cue else None  # "Acme builds AI agents", even under "The role"
    if kind in ASKING_KINDS:
        return 0
    if kind == "company":
        return 0 if _COMPANY_SECTION_ASK.search(sentence) else None
    if _JOB_CUE.search(sentence) or _DUTY.match(sentence):
        return 0
    if kind == "intro":  # where blurbs stand: only the job's own words ask
        return None
    return None if _ABOUT_THE_COMPANY.search(sentence) else 0  # under an unknown heading


def sentence_asks(sentence: str, kind: str) -> bool:
    """Whether any part of a sentence holding an AI mention, in a section of this kind,
    asks for AI."""
    return ask_start(sentence, kind) is not None


def _add_evidence(
    evidence: list[dict[str, Any]], counts: dict[str, int], mention: Mention, section: str
) -> None:
    for tag in mention.tags:
        counts[tag] = counts.get(tag, 0) + 1
        if counts[tag] <= MAX_EVIDENCE_PER_TAG:
            evidence.append({"tag": tag, "phrase": mention.phrase, "start": mention.start,
                             "end": mention.end, "section": section})  # fmt: skip


# A title naming the employer's field, not the job's: "Engineer for AI Startup".
_EMPLOYER_IN_TITLE = re.compile(
    r"AI\s+(?:startup|company|lab|scale-?up|unicorn)s?\b", re.IGNORECASE
)


# --- is the role itself AI work? -----------------------------------------------------

# Titles whose main work is building, training, serving or researching AI/ML systems,
# or producing and judging data for models.
_AI_ROLE_TITLE = re.compile(
    r"machine[- ]learning|\bML\b|\bMLOps\b|\bLLMOps\b|deep learning|computer vision|\bNLP\b"
    r"|\bLLMs?\b|\bAI (engineer|researcher|scientist|research|trainer|tutor|specialist"
    r"|developer|architect|safety|alignment|evaluator|red team\w*|annotator"
    r"|data(?!\s+(?:engineer|analyst|platform)))"
    r"|\bAI (?:platform|infrastructure) engineer"
    r"|(applied|research) (scientist|researcher)|\bAI/ML\b|model evaluat\w*|\bevals?\b"
    r"|interpretability"
    r"|alignment|AI safety|reinforcement learning|speech recognition|\bperception\b"
    r"|\binference\b|data (trainer|annotat\w+|label\w+)|generative AI|\bGenAI\b"
    r"|prompt engineer|ranking|recommend\w*|model training|pre-?training|post-?training"
    r"|fine-?tuning|\bCV\b engineer|research engineer",
    re.IGNORECASE,
)
# Titles that need the posting's asks to confirm the AI work (research, inference...).
_NEEDS_CONFIRMATION = re.compile(
    r"(applied|research) (scientist|researcher)|\bAI (?:platform|infrastructure) engineer"
    r"|research engineer|\binference\b|\bperception\b|ranking"
    r"|recommend\w*|\bevals?\b|alignment|interpretability",
    re.IGNORECASE,
)
# A clear AI title: an AI field right before the role noun ("Machine Learning
# Operations Engineer", "AI Research Scientist"), or after it as the role's area
# ("Security Researcher, AI Safety", "Software Engineer (Applied AI)"). Such a title
# wins over the domain words below ("Machine Learning Engineer, Security").
_AI_FIELD = (
    r"(?:machine[- ]learning|\bML\b|\bMLOps\b|\bLLMOps\b|deep learning|computer vision"
    r"|\bNLP\b|\bLLMs?\b|\bAI/ML\b|\bML/AI\b|reinforcement learning|speech recognition"
    r"|AI safety|\balignment\b|interpretability|generative AI|\bGenAI\b)"
)
_ROLE_NOUN = r"(?:engineer|scientist|researcher|developer|architect|investigator)"
_CLEAR_AI_TITLE = re.compile(
    rf"{_AI_FIELD}\s+(?:(?:research|operations|ops|infrastructure|systems|applied|modeling"
    rf"|model|platform|software)\s+){{0,2}}{_ROLE_NOUN}"
    rf"|\bAI\s+(?:(?:research|applied|ML)\s+)?(?:{_ROLE_NOUN[3:-1]}|trainer|tutor|evaluator"
    rf"|annotator|red team\w*)"
    rf"|{_ROLE_NOUN}\w*\b[^,(\u2013\u2014-]*[,(/\u2013\u2014-]\s*(?:[\w&-]+[\s/]+){{0,2}}"
    rf"{_AI_FIELD}",
    re.IGNORECASE,
)
# "Software Engineer (Applied AI)", "Backend/AI": AI named as the role's area; weaker,
# so it yields to the domain words ("Forward Deployed Engineer (AI)").
_AI_AREA_TITLE = re.compile(
    rf"{_ROLE_NOUN}\w*\b[^,(\u2013\u2014-]*[,(/\u2013\u2014-]\s*(?:[\w&]+[\s/]+){{0,2}}"
    rf"(?:applied AI|\bAI\b(?!\s*(?:products?|platforms?|tools?|features?|startup|company"
    rf"|powered|native|enabled|systems)))",
    re.IGNORECASE,
)
# Role nouns that are not AI work even with AI in the title: product, sales, legal...
_NOT_AI_ROLE_NOUN = re.compile(
    r"product (manager|lead|owner|marketing|designer)|program manager|\bTPM\b|\bPM\b"
    r"|marketing|sales|account (executive|manager|director)|recruit\w*|designer|counsel"
    r"|attorney|lawyer|paralegal|accountant|writer|developer relations|devrel|advocate"
    r"|partnerships?|business development|\bpolicy|communications|people|talent|finance"
    r"|\bGTM\b|go-to-market|technician|facilities|analyst|consultant|enablement|strategy"
    r"|editor|community|events|office|executive assistant",
    re.IGNORECASE,
)
# Domain words that make an ambiguous title (research scientist, inference engineer)
# product or infrastructure work around AI rather than AI work itself.
_NOT_AI_DOMAIN = re.compile(
    r"customer|support|success|solutions|operations|full[- ]?stack|front[- ]?end"
    r"|site reliability|\bSRE\b|security|data ?cent(er|re)|hardware|forward[- ]deployed",
    re.IGNORECASE,
)
_TECHNICAL_TITLE = re.compile(
    r"engineer|scientist|researcher|developer|research|technical staff|\bMTS\b|investigator",
    re.I,
)
_DATA_SCIENTIST = re.compile(r"data scien", re.I)
# model-work tags too common in product engineering to count towards an AI role alone
_LIGHT_TAGS = frozenset({"llm", "gpu-computing"})
# Tags whose ask shows model work, not mere use of AI products.
MODEL_WORK_TAGS = frozenset({
    "machine-learning", "deep-learning", "pytorch", "tensorflow", "jax", "fine-tuning",
    "reinforcement-learning", "llm-inference", "mlops", "computer-vision", "nlp", "speech",
    "recommender-systems", "model-evaluation", "ai-safety", "gpu-computing", "hugging-face",
    "llm",
})  # fmt: skip


# A plain title's role is AI work when this many of its duty lines, and this share of
# them, ask for a named AI skill ("Build the agents' planning loop", "Fine-tune...").
MIN_AI_DUTIES = 3
MIN_AI_DUTY_SHARE = 0.45

# A line of the role's own sections whose work is producing the data models learn from or
# judging what they produce ("generate the training data our models need", "evaluate
# AI-generated clinical notes"): AI_SKILLS.md counts such roles (AI data trainer, model
# evaluator) as AI roles whatever their title. Plain "data collection" is not enough: it
# is also field work and clinical studies.
_JUDGING = r"(?:evaluat|validat|assess|review|grad|rat|annotat|label|judg|critiqu)\w*"
_MODEL_DATA_WORK = re.compile(
    r"\btraining data\b|\bteach(?:es|ing)?\s+(?:our\s+|the\s+)?(?:AI|models?)\b"
    rf"|\b{_JUDGING}\b[^.\n]{{0,60}}?\b(?:AI|model|LLM)[- ]generated\b"
    rf"|\b{_JUDGING}\b[^.\n]{{0,40}}?\b(?:model|AI|LLM)\s+(?:outputs?|responses?|answers?)\b",
    re.IGNORECASE,
)
# Words one of which every _MODEL_DATA_WORK line holds: the regex has no literal prefix
# to skip ahead by, so a section without any of them is not scanned.
_MODEL_DATA_WORDS = (
    "training data", "teach", "generated", "model output", "model response", "model answer",
    "ai output", "ai response", "ai answer", "llm output", "llm response", "llm answer",
)  # fmt: skip
MIN_MODEL_DATA_LINES = 2  # one such line is a task among others; two make it the work


def is_ai_role(
    title: str | None,
    asked_tags: set[str],
    duties: tuple[int, int] = (0, 0),
    model_data_lines: int = 0,
) -> bool:
    """Whether the job's main work is AI/ML itself, judged from the title first, then
    from the asks and ``duties``: (role-section lines asking for a named AI skill, all
    the role section's lines), and ``model_data_lines``: the role's lines producing
    training data or judging model output (_MODEL_DATA_WORK)."""
    ai_duties, role_lines = duties
    mostly_ai_duties = ai_duties >= MIN_AI_DUTIES and ai_duties >= MIN_AI_DUTY_SHARE * role_lines
    kind = _title_kind(title or "")
    if kind.not_ai_role_noun:
        return False
    if kind.clear_ai or model_data_lines >= MIN_MODEL_DATA_LINES:
        return True
    model_work = asked_tags & MODEL_WORK_TAGS
    if kind.not_ai_domain:  # unless its duties are model work throughout
        return kind.technical and mostly_ai_duties
    if kind.ai_area:
        return True
    if kind.ai_title:
        # GPUs alone confirm nothing: infrastructure that runs AI workloads is not AI work
        return not kind.needs_confirmation or bool(model_work - _LIGHT_TAGS)
    if kind.data_scientist:  # data scientists building ML models
        return "machine-learning" in model_work and (
            len(model_work) >= 2 or ai_duties >= MIN_AI_DUTIES
        )
    # a plain engineering or research title whose own duties are model work throughout
    return kind.technical and (len(model_work - _LIGHT_TAGS) >= 3 or mostly_ai_duties)


@dataclass(frozen=True)
class TitleKind:
    not_ai_role_noun: bool
    clear_ai: bool
    ai_area: bool
    not_ai_domain: bool
    ai_title: bool
    needs_confirmation: bool
    technical: bool
    data_scientist: bool


@lru_cache(maxsize=8192)  # titles repeat across postings; a few regexes each
def _title_kind(title: str) -> TitleKind:
    return TitleKind(
        not_ai_role_noun=bool(_NOT_AI_ROLE_NOUN.search(title)),
        clear_ai=bool(_CLEAR_AI_TITLE.search(title)),
        ai_area=bool(_AI_AREA_TITLE.search(title)),
        not_ai_domain=bool(_NOT_AI_DOMAIN.search(title)),
        ai_title=bool(_AI_ROLE_TITLE.search(title)),
        needs_confirmation=bool(_NEEDS_CONFIRMATION.search(title)),
        technical=bool(_TECHNICAL_TITLE.search(title)),
        data_scientist=bool(_DATA_SCIENTIST.search(title)),
    )


# --- what the rules saw, as numbers ---------------------------------------------------

# The inputs of the logistic regressions scripts/train_ai_model.py fits and evaluates on
# the labelled dev half (company-grouped cross-validation). They did not beat the rules
# there, so no model decides a crawl's columns (README: How far to trust the numbers);
# assess_posting computes these only when asked, for that script.
_ENGINEERING_FAMILIES = frozenset({
    "backend", "frontend", "fullstack", "mobile", "infrastructure", "sre", "qa", "security",
    "engineering_management",
})  # fmt: skip
_AI_DEPARTMENT = re.compile(
    r"\b(?:AI|ML|A\.I\.|machine learning|artificial intelligence|deep learning|research"
    r"|applied science)\b",
    re.IGNORECASE,
)
_ASK_KINDS_COUNTED = ("requirements", "role", "intro", "company")  # the rest: "other"


@dataclass
class _Signals:
    """What the rules saw in a posting's text: how its AI mentions were judged."""

    mentions: int = 0
    not_asking: int = 0  # in a heading, or a sentence (or its part) that asks nothing
    backdrop: int = 0  # in an asking part, but naming the employer's field, a team...
    title_tags: set[str] = field(default_factory=set)
    ask_kinds: dict[tuple[int, int], str] = field(default_factory=dict)  # sentence: kind
    strong_asks: set[tuple[int, int]] = field(default_factory=set)  # asking a named skill
    hire_cue: int = 0
    skill_cue: int = 0
    duty_start: int = 0
    company_subject: int = 0

    def add_ask(self, sentence: tuple[int, int], kind: str, tags: tuple[str, ...]) -> None:
        self.ask_kinds[sentence] = kind
        if tags != ("ai-general",):
            self.strong_asks.add(sentence)

    def cue_ask_sentences(self, text: str) -> None:
        """Count the asking sentences that speak of the hire, of a skill, open like a duty,
        or have the company as their subject: an ask of the first kinds is surer."""
        for left, right in self.ask_kinds:
            sentence = text[left:right]
            self.hire_cue += bool(_HIRE_CUE.search(sentence))
            self.skill_cue += bool(_SKILL_CUE.search(sentence))
            self.duty_start += bool(_DUTY.match(sentence))
            self.company_subject += bool(_COMPANY_SUBJECT.match(sentence))


def posting_features(
    title: str,
    department: str | None,
    asked: set[str],
    signals: _Signals,
    duties: tuple[int, int],
    rule_asks: bool,
    rule_role: bool,
) -> dict[str, float]:
    """The model's inputs: the rules' verdicts and the signals behind them, as numbers
    (counts as log(1 + n), so a long posting does not outweigh a short one)."""
    kind = _title_kind(title)
    family = role_family_from(title or None, department)
    ask_sentences = len(signals.ask_kinds)
    per_kind = dict.fromkeys((*_ASK_KINDS_COUNTED, "other"), 0)
    for section_kind in signals.ask_kinds.values():
        per_kind[section_kind if section_kind in per_kind else "other"] += 1
    ai_duties, role_lines = duties
    mentions = max(signals.mentions, 1)
    asking = max(ask_sentences, 1)
    features = {
        "rule_asks": float(rule_asks),
        "rule_role": float(rule_role),
        "ask_sentences": math.log1p(ask_sentences),
        **{f"asks_in_{name}": math.log1p(count) for name, count in per_kind.items()},
        "strong_ask_sentences": math.log1p(len(signals.strong_asks)),
        "title_asks": float(bool(signals.title_tags)),
        "title_model_work": float(bool(signals.title_tags & MODEL_WORK_TAGS)),
        "only_general_asked": float(asked == {"ai-general"}),
        "asked_tags": math.log1p(len(asked)),
        "model_work_asked": math.log1p(len((asked & MODEL_WORK_TAGS) - _LIGHT_TAGS)),
        "light_asked": float(bool(asked & _LIGHT_TAGS)),
        "hire_cue_share": signals.hire_cue / asking,
        "skill_cue_share": signals.skill_cue / asking,
        "duty_start_share": signals.duty_start / asking,
        "company_subject_share": signals.company_subject / asking,
        "mentions": math.log1p(signals.mentions),
        "backdrop_share": signals.backdrop / mentions,
        "not_asking_share": signals.not_asking / mentions,
        "title_clear_ai": float(kind.clear_ai),
        "title_ai_area": float(kind.ai_area),
        "title_ai_term": float(kind.ai_title),
        "title_needs_confirmation": float(kind.needs_confirmation),
        "title_veto_noun": float(kind.not_ai_role_noun),
        "title_veto_domain": float(kind.not_ai_domain),
        "title_technical": float(kind.technical),
        "title_data_scientist": float(kind.data_scientist),
        "ai_duties": math.log1p(ai_duties),
        "role_lines": math.log1p(role_lines),
        "ai_duty_share": ai_duties / max(role_lines, 1),
        "family_ai_ml": float(family == "ai_ml"),
        "family_engineering": float(family in _ENGINEERING_FAMILIES),
        "family_data": float(family == "data"),
        "department_ai": float(bool(department and _AI_DEPARTMENT.search(department))),
    }
    return features


# --- the whole posting ----------------------------------------------------------------


def _in_heading(text: str, section: Section, mention: Mention) -> bool:
    """Whether the mention stands in its section's heading line: a heading names a topic
    or a tagline ("The AI platform of your dreams"), it asks nothing by itself; the
    sentences under it do. An inline label ("Skills: PyTorch") is not a whole line."""
    heading = section.heading
    if not heading or mention.start >= section.start + len(heading) + 8:
        return False
    line_end = text.find("\n", section.start)
    if line_end < 0:
        line_end = len(text)
    return (
        mention.start < line_end and text[section.start : line_end].strip().rstrip(":") == heading
    )


@dataclass
class AiVerdict:
    mentions_ai: bool = False
    asks_for_ai: bool = False
    ai_skills: list[str] = field(default_factory=list)
    is_ai_role: bool = False
    evidence: list[dict[str, Any]] = field(default_factory=list)
    # posting_features, when asked for (empty when nothing is named)
    features: dict[str, float] = field(default_factory=dict)


def assess_posting(
    title: str | None,
    text: str | None,
    sections: list[Section] | Callable[[], list[Section]] | None = None,
    taxonomy: Taxonomy | None = None,
    *,
    with_features: bool = False,
    department: str | None = None,
) -> AiVerdict:
    """The AI columns of one posting: its title and description text, split into
    sections (crawler.enrich.sections.split_sections) by the caller, or a function
    giving them, called only when the text mentions AI: most postings do not, and
    finding the sections costs more than the scan for mentions. ``with_features``: also
    fill ``features`` (posting_features, with ``department``); it judges every mention,
    which a crawl does not need."""
    taxonomy = taxonomy or load_taxonomy()
    verdict = AiVerdict()
    found: set[str] = set()
    asked: set[str] = set()
    per_tag: dict[str, int] = {}
    duty_lines: set[int] = set()  # role-section sentences asking for an AI skill
    role_lines = model_data_lines = 0
    signals = _Signals()
    for mention in taxonomy.find(title or ""):
        found.update(mention.tags)
        if not _EMPLOYER_IN_TITLE.match(title or "", mention.start):
            asked.update(mention.tags)
            signals.title_tags.update(mention.tags)
        _add_evidence(verdict.evidence, per_tag, mention, "title")
    mentions = taxonomy.find(text) if text else []
    if text and mentions:
        if callable(sections):
            sections = sections()
        sections = sections or [Section("intro", None, 0, len(text))]
        judged: dict[tuple[int, int], int | None] = {}  # a sentence is judged once
        for mention in mentions:
            section = section_at(sections, mention.start)
            found.update(mention.tags)
            signals.mentions += 1
            # the role's own duties are all judged: how many ask for model work tells an
            # AI role under a plain title ("Founding Engineer"); for the features, every
            # mention is (how many sentences ask, and where)
            duty = section.kind == "role" and mention.tags != ("ai-general",)
            if not (with_features or duty or not asked.issuperset(mention.tags)):
                # its tags already asked: judging it would change no column
                _add_evidence(verdict.evidence, per_tag, mention, section.kind)
                continue
            if _in_heading(text, section, mention):
                signals.not_asking += 1
            else:
                left, right = sentence_span(text, mention.start)
                key = (left, right)
                if key not in judged:
                    judged[key] = ask_start(text[left:right], section.kind)
                start = judged[key]
                if start is None or mention.start - left < start:
                    signals.not_asking += 1
                elif mention_is_backdrop(mention, text[left:right], mention.start - left):
                    signals.backdrop += 1
                else:
                    asked.update(mention.tags)
                    signals.add_ask(key, section.kind, mention.tags)
                    if duty:
                        duty_lines.add(left)
            _add_evidence(verdict.evidence, per_tag, mention, section.kind)
        role_lines = sum(_lines_under_heading(text, s) for s in sections if s.kind == "role")
        model_data_lines = sum(
            _model_data_lines(text, s) for s in sections if s.kind in ASKING_KINDS
        )
        if with_features:
            signals.cue_ask_sentences(text)
    order = {tag: index for index, tag in enumerate(taxonomy.tags)}
    verdict.ai_skills = sorted(found, key=order.__getitem__)
    verdict.mentions_ai = bool(found)
    verdict.asks_for_ai = bool(asked)
    verdict.is_ai_role = is_ai_role(
        title, asked, (len(duty_lines), role_lines), model_data_lines
    )
    if with_features and found:
        verdict.features = posting_features(
            title or "", department, asked, signals, (len(duty_lines), role_lines),
            verdict.asks_for_ai, verdict.is_ai_role,
        )  # fmt: skip
    return verdict


def _lines_under_heading(text: str, section: Section) -> int:
    """The non-empty lines of a section, its heading line left out."""
    lines = text[section.start : section.end].split("\n")
    return sum(1 for line in lines[1 if section.heading else 0 :] if line.strip())


def _model_data_lines(text: str, section: Section) -> int:
    """The lines of a section whose work is producing training data or judging model
    output (_MODEL_DATA_WORK)."""
    body = text[section.start : section.end]
    lowered = body.lower()
    if not any(word in lowered for word in _MODEL_DATA_WORDS):
        return 0
    return sum(1 for line in body.split("\n") if _MODEL_DATA_WORK.search(line))
