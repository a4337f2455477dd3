"""Description sections across the HTML shapes platforms send, and from plain text."""

from __future__ import annotations

from itertools import pairwise

import pytest

from crawler.enrich.sections import (
    Section,
    classify_heading,
    headings_from_tree,
    section_at,
    split_sections,
)
from crawler.pipelines.clean import tidy_text
from crawler.text.html import parse_fragment, sanitize_html, tree_to_text


def sections_of(raw_html: str) -> tuple[str, list[Section]]:
    """As in a crawl: the clean stage's text and tree, then the sections."""
    tree = parse_fragment(sanitize_html(raw_html))
    text = tidy_text(tree_to_text(tree)) or ""
    return text, split_sections(text, headings_from_tree(tree))


def kinds(sections: list[Section]) -> list[tuple[str, str | None]]:
    return [(s.kind, s.heading) for s in sections]


@pytest.mark.parametrize(
    ("heading", "kind"),
    [
        ("About Anthropic", "company"), ("About us", "company"), ("Who we are", "company"),
        ("Company Description", "company"), ("Über uns", "company"),
        ("À propos de Globex", "company"), ("Über Globex", "company"), ("Who are we?", "company"),
        ("More about us", "company"), ("Being at Globex", "company"),
        ("Acerca de Globex", "company"), ("Über die Rolle", "other"),
        ("About the role", "role"), ("What you'll do", "role"), ("Responsibilities", "role"),
        ("Job Description", "role"), ("Deine Aufgaben", "role"), ("The opportunity", "role"),
        ("You may be a good fit if you", "requirements"), ("Requirements", "requirements"),
        ("What we're looking for", "requirements"), ("Qualifications", "requirements"),
        ("About you", "requirements"), ("Dein Profil", "requirements"),
        ("Nice to have", "requirements"), ("Ideal candidate", "requirements"),
        ("Benefits", "benefits"), ("What we offer", "benefits"), ("Perks", "benefits"),
        ("Compensation", "benefits"), ("Wir bieten", "benefits"),
        ("What you'll get", "benefits"), ("What we can bring to you", "benefits"),
        ("Our offer", "benefits"), ("What you'll bring", "requirements"),
        ("Equal Opportunity Employer", "legal"), ("EEO statement", "legal"),
        ("Privacy notice", "legal"), ("Accommodations", "legal"),
        ("Our hiring process", "hiring"), ("How we hire", "hiring"),
        ("Use of AI in our hiring", "hiring"), ("How to apply", "hiring"),
        ("Ready to apply?", "hiring"), ("You should apply if", "requirements"),
        ("(Ideal, but please apply even if you miss one)", "other"),
        ("What makes this opportunity special", "benefits"),
        ("Learn how we think and work", "company"), ("In the press", "company"),
        ("Additional Information", "other"),
        # a showcase of what the team built, and the company's stack, describe the company
        ("Some projects we've shipped lately", "company"), ("Past projects", "company"),
        ("Our tech stack", "company"), ("Technology stack", "company"),
        ("Projects", "role"),
        # an ML toolkit named in a label is a skill, not a pay package
        ("Hands-on experience with ML packages", "requirements"),
        ("Compensation package", "benefits"), ("Relocation package", "benefits"),
        ("Package", "benefits"),
    ],
)  # fmt: skip
def test_classify_heading(heading, kind):
    assert classify_heading(heading) == kind


def test_greenhouse_headings_and_content_intro():
    text, sections = sections_of(
        '<div class="content-intro"><p><strong>About Acme</strong></p><p>Acme makes AI.</p>'
        "</div><h2>About the role</h2><p>Build things.</p><h2>You may be a good fit if you"
        "</h2><ul><li>Know Go</li></ul><h3>Benefits</h3><ul><li>Health</li></ul>"
        '<div class="content-conclusion"><p>We are an equal opportunity employer.</p></div>'
    )
    assert kinds(sections) == [
        ("company", "About Acme"), ("role", "About the role"),
        ("requirements", "You may be a good fit if you"), ("benefits", "Benefits"),
    ]  # fmt: skip
    # the sections cover the text, in order, without gaps
    assert sections[0].start == 0 and sections[-1].end == len(text)
    assert all(a.end == b.start for a, b in pairwise(sections))
    assert text[sections[1].start :].startswith("About the role")


def test_lever_description_then_list_titles():
    _, sections = sections_of(
        "<div>Acme builds robots.</div><div><br></div><div>You will join the vision team.</div>"
        "<h3>What you'll do</h3><ul><li>Ship</li></ul>"
        "<h3>What we're looking for</h3><ul><li>C++</li></ul>"
        "<div>Acme is an equal opportunity employer.</div>"
    )
    assert kinds(sections) == [
        ("intro", None), ("role", "What you'll do"),
        ("requirements", "What we're looking for"),
    ]  # fmt: skip


def test_bold_paragraphs_and_bold_before_line_breaks():
    _, sections = sections_of(
        "<p><b>Company Overview:</b></p><p>A bank.</p>"
        "<p><b>Responsibilities:</b></p><ul><li>Own it</li></ul>"
        "<p><b>Requirements</b><br>&bull; SQL<br>&bull; Python</p>"
        "<p><strong><u>Benefits</u></strong></p><p>Pension.</p>"
        "<p>Work with <b>great</b> people.</p>"
    )
    assert kinds(sections) == [
        ("company", "Company Overview"), ("role", "Responsibilities"),
        ("requirements", "Requirements"), ("benefits", "Benefits"),
    ]  # fmt: skip


def test_smartrecruiters_and_personio_section_titles():
    _, sections = sections_of(
        "<h2>Company Description</h2><p>Acme.</p><h2>Job Description</h2><p>Do.</p>"
        "<h2>Qualifications</h2><ul><li>Skill</li></ul><h2>Additional Information</h2><p>EEO.</p>"
    )
    assert [s.kind for s in sections] == ["company", "role", "requirements", "other"]
    _, sections = sections_of(
        "<h3>Deine Aufgaben</h3><ul><li>Kampagnen</li></ul><h3>Dein Profil</h3><ul><li>BWL</li>"
        "</ul><h3>Wir bieten</h3><ul><li>Obst</li></ul>"
    )
    assert [s.kind for s in sections] == ["role", "requirements", "benefits"]


def test_plain_text_headings_in_capitals_and_with_colons():
    text = ("Acme moves freight.\n\nRESPONSIBILITIES\n- Dispatch trucks\n\n"
            "What you bring:\n- A CDL\n\nBenefits\n- Health insurance\n\n"
            "We are an equal opportunity employer.")  # fmt: skip
    assert kinds(split_sections(text)) == [
        ("intro", None), ("role", "RESPONSIBILITIES"), ("requirements", "What you bring"),
        ("benefits", "Benefits"),
    ]  # fmt: skip


def test_inline_label_opens_a_section():
    text = "Train ML models for fraud. Requirements: 3+ years of Python and SQL."
    text += "\n\nWe offer: health insurance."
    sections = split_sections(text)
    assert kinds(sections)[0] == ("intro", None)
    assert split_sections("Requirements: 3+ years of Python")[0].kind == "requirements"


def test_html_heading_shapes_win_over_guessing_from_text():
    # with headings marked in the HTML, an ordinary short line is not a heading
    _, sections = sections_of(
        "<h2>About the role</h2><p>Own reporting</p><p>Skills we use</p><h2>Benefits</h2>"
    )
    assert kinds(sections) == [("role", "About the role"), ("benefits", "Benefits")]


def test_an_about_line_heads_the_company_even_where_the_html_marks_other_headings():
    # Ashby boards often close with "About <Company>" as a plain paragraph
    _, sections = sections_of(
        "<h2>Requirements</h2><ul><li><p>Sourcing skills</p></li></ul>"
        "<p>About Acme AI</p><p>Acme builds AI agents for clinics.</p>"
        "<p>About 40 people work here.</p>"
    )
    assert kinds(sections) == [("requirements", "Requirements"), ("company", "About Acme AI")]


def test_section_at_and_empty_text():
    assert split_sections("") == []
    sections = split_sections("About us\nAcme.\n\nRequirements\nGo.")
    assert section_at(sections, 0).kind == "company"
    assert section_at(sections, len("About us\nAcme.\n\nRequirements\nG")).kind == "requirements"
    assert section_at([], 5).kind == "intro"
