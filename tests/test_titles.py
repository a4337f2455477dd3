"""Titles: seniority, employment type and role family, on real-shaped titles."""

from __future__ import annotations

import pytest

from crawler.enrich.titles import (
    ROLE_FAMILIES,
    SENIORITIES,
    employment_type_from,
    role_family_from,
    seniority_from_level,
    seniority_from_title,
)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Senior Staff Engineer", "staff"),
        ("Staff Software Engineer, Payments", "staff"),
        ("Software Engineer II", "mid"),
        ("Software Engineer III", "senior"),
        ("Software Engineer I", "entry"),
        ("Software Engineer II (Backend)", "mid"),
        ("Data Scientist 2", "mid"),
        ("Engineering Manager, Infra", "manager"),
        ("Senior Engineering Manager", "manager"),
        ("Manager, Software Engineering", "manager"),
        ("VP of Sales", "executive"),
        ("SVP, Engineering", "executive"),
        ("Chief Technology Officer", "executive"),
        ("CFO", "executive"),
        ("Head of Design", "director"),
        ("Director of Engineering", "director"),
        ("Senior Director, Product Marketing", "director"),
        ("Managing Director, EMEA", "director"),
        ("Member of Technical Staff", None),
        ("Member of Technical Staff, Pretraining", None),
        ("Staff Accountant", None),
        ("Lead Designer", "senior"),
        ("Tech Lead, Platform", "senior"),
        ("Lead Generation Specialist", None),
        ("New Grad Software Engineer", "entry"),
        ("Software Engineer, New Grad (2026)", "entry"),
        ("Junior Frontend Developer", "entry"),
        ("Jr. Data Analyst", "entry"),
        ("Associate Product Manager", "entry"),
        ("Associate General Counsel", None),
        ("Tax Associate", "entry"),
        ("Warehouse Associate", None),
        ("Associate Director, Finance", "director"),
        ("Executive Assistant to the CEO", None),
        ("Chief of Staff to the CTO", None),
        ("Principal PM", "principal"),
        ("Principal Engineer", "principal"),
        ("Distinguished Engineer", "principal"),
        ("Senior Software Engineer, Inference", "senior"),
        ("Sr. Backend Engineer", "senior"),
        ("Senior Product Manager", "senior"),
        ("Product Manager", None),
        ("Account Executive, Enterprise", None),
        ("Mid-Market Account Executive", None),
        ("Research Engineer, Interpretability", None),
        ("Software Engineering Intern (Summer 2026)", "intern"),
        ("Machine Learning Co-op", "intern"),
        ("Werkstudent Data Engineering (m/w/d)", "intern"),
        ("Internal Tools Engineer", None),
        ("International Tax Manager", "manager"),
        ("Customer Success Manager", None),
        ("Sales Manager, DACH", "manager"),
        ("Chief of Staff", None),
        ("Mid-level Software Engineer", "mid"),
        ("Python 3 Developer", None),
        ("Tier 2 Support Engineer", None),
        ("", None),
    ],
)
def test_seniority_from_title(title, expected):
    assert seniority_from_title(title) == expected


def test_title_marker_wins_over_platform_level_and_level_fills_the_gap():
    assert seniority_from_title("Senior Data Engineer", "Entry level") == "senior"
    assert seniority_from_title("Data Engineer", "Mid-Senior level") == "mid"
    assert seniority_from_title("Data Engineer", "entry_level") == "entry"
    assert seniority_from_title("Data Engineer", "Not Applicable") is None
    assert seniority_from_title("Data Engineer", None) is None


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        ("Internship", "intern"), ("internship", "intern"), ("Entry level", "entry"),
        ("entry_level", "entry"), ("Associate", "mid"), ("Mid-Senior level", "mid"),
        ("mid_senior_level", "mid"), ("Senior", "senior"), ("Director", "director"),
        ("Executive", "executive"), ("not_applicable", None), ("", None), (None, None),
        ("Staff", "staff"), ("Junior", "entry"), ("Manager", "manager"),
    ],
)  # fmt: skip
def test_seniority_from_level(level, expected):
    assert seniority_from_level(level) == expected


def test_every_answer_is_a_contract_value():
    titles = ["VP", "Sr. Manager", "Head of AI", "Principal Staff Engineer", "Intern"]
    assert {seniority_from_title(t) for t in titles} <= set(SENIORITIES)


@pytest.mark.parametrize(
    ("value", "title", "expected"),
    [
        ("Full-time", None, "full_time"), ("FULL_TIME", None, "full_time"),
        ("FullTime", None, "full_time"), ("Permanent", None, "full_time"),
        ("Regular Part-Time", None, "part_time"), ("PartTime", None, "part_time"),
        ("Contract", None, "contract"), ("Contractor", None, "contract"),
        ("Freelance", None, "contract"), ("Intern", None, "internship"),
        ("INTERNSHIP", None, "internship"), ("Temporary", None, "temporary"),
        ("Fixed Term", None, "temporary"), ("Seasonal", None, "temporary"),
        (None, "Software Engineer Intern", "internship"),
        (None, "Data Analyst (Contract)", "contract"),
        (None, "Part-Time Recruiter", "part_time"),
        (None, "Contract Manager", None),
        (None, "Temporary Office Assistant", "temporary"),
        (None, "Senior Software Engineer", None),
        ("Full-time", "Software Engineer Intern", "full_time"),
        ("something odd", "Backend Engineer", None),
    ],
)  # fmt: skip
def test_employment_type(value, title, expected):
    assert employment_type_from(value, title) == expected


@pytest.mark.parametrize(
    ("title", "department", "expected"),
    [
        ("Senior Software Engineer, Inference", None, "ai_ml"),
        ("Machine Learning Engineer, Fraud Detection", None, "ai_ml"),
        ("Research Scientist, Alignment", None, "ai_ml"),
        ("Applied Scientist", None, "ai_ml"),
        ("MLOps Engineer", None, "ai_ml"),
        ("Data Engineer", None, "data"),
        ("Senior Data Scientist", None, "data"),
        ("Analytics Engineer", None, "data"),
        ("Backend Engineer, Payments Infrastructure", None, "backend"),
        ("Software Engineer, Backend", None, "backend"),
        ("Senior Frontend Engineer", None, "frontend"),
        ("Full Stack Developer", None, "fullstack"),
        ("iOS Engineer", None, "mobile"),
        ("Android Developer", None, "mobile"),
        ("Security Engineer, Detection & Response", None, "security"),
        ("Site Reliability Engineer", None, "sre"),
        ("DevOps Engineer", None, "sre"),
        ("Infrastructure Engineer", None, "infrastructure"),
        ("Cloud Platform Engineer", None, "infrastructure"),
        ("QA Automation Engineer", None, "qa"),
        ("SDET II", None, "qa"),
        ("Engineering Manager, Infra", None, "engineering_management"),
        ("Director of Engineering", None, "engineering_management"),
        ("Senior Product Manager", None, "product"),
        ("Principal PM", None, "product"),
        ("AI Product Manager", None, "product"),
        ("Product Designer", None, "design"),
        ("UX Researcher", None, "design"),
        ("Account Executive, Enterprise", None, "sales"),
        ("Solutions Engineer", None, "sales"),
        ("Business Development Representative", None, "sales"),
        ("Product Marketing Manager", None, "marketing"),
        ("Developer Relations Lead", "Marketing & Brand", "marketing"),
        ("Accountant, Revenue", None, "operations"),
        ("Technical Recruiter, Engineering", None, "operations"),
        ("Recruiting Manager, Engineering", None, "operations"),
        ("Executive Assistant", None, "operations"),
        ("Legal Counsel", None, "operations"),
        ("Software Engineer", None, "backend"),
        ("Member of Technical Staff", None, "backend"),
        ("Account Executive", "Sales", "sales"),
        ("Staff Backend Engineer, Payroll", None, "backend"),
        ("ASIC Design Verification Engineer", None, "infrastructure"),
        ("GPU Compiler Engineer", None, "infrastructure"),
        ("Design Lead", None, "design"),
        ("Head of Design", None, "design"),
        ("Principal Architect, Autonomous Vehicles", None, "backend"),
        ("Technical Program Manager, Networking", None, "operations"),
        ("Barista", "Workplace", "operations"),
        ("Barista", None, "other"),
        (None, None, "other"),
    ],
)
def test_role_family(title, department, expected):
    assert role_family_from(title, department) == expected
    assert expected in ROLE_FAMILIES


def test_lookups_are_cached():
    seniority_from_title.cache_clear()
    seniority_from_title("Senior Data Engineer")
    seniority_from_title("Senior Data Engineer")
    assert seniority_from_title.cache_info().hits >= 1
