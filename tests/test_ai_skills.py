"""AI skills: the matcher's aliases and negative contexts (AI_SKILLS.md), asks vs
mentions, AI roles, evidence, and a whole crawl into Postgres."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from crawler.enrich.ai_skills import MAX_EVIDENCE_PER_TAG, assess_posting, is_ai_role
from crawler.enrich.ai_taxonomy import build_taxonomy, load_taxonomy
from crawler.enrich.sections import split_sections
from crawler.items import JobPosting
from crawler.pipelines.ai_skills import AiSkillsPipeline
from crawler.pipelines.clean import CleanPipeline
from tests.support import fixture_text, query, run_scrapy, write_registry

SPEC_TAGS = (
    "llm", "rag", "prompt-engineering", "ai-agents", "fine-tuning", "vector-search",
    "pytorch", "tensorflow", "jax", "hugging-face", "llm-frameworks", "machine-learning",
    "deep-learning", "mlops", "llm-inference", "gpu-computing", "computer-vision", "nlp",
    "speech", "reinforcement-learning", "recommender-systems", "ai-safety",
    "model-evaluation", "ai-coding-tools", "ai-general",
)  # fmt: skip


def tags_in(text: str) -> set[str]:
    return {tag for mention in load_taxonomy().find(text) for tag in mention.tags}


def test_taxonomy_has_exactly_the_spec_tag_ids():
    assert load_taxonomy().tags == SPEC_TAGS
    assert load_taxonomy() is load_taxonomy()  # one automaton per process


def test_a_context_rule_must_name_a_taxonomy_alias():
    raw = {"tag": {"jax": {"exact": ["JAX"]}}, "context": [{"aliases": ["JAXX"]}]}
    with pytest.raises(ValueError, match="jaxx"):
        build_taxonomy(raw)
    spelled = build_taxonomy({"tag": {"fine-tuning": {"aliases": ["fine-tuning"]}}})
    assert [m.phrase for m in spelled.find("Fine tuning, finetuning and fine-tunings")] == [
        "Fine tuning", "finetuning", "fine-tunings",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("Experience with LLMs and large language models", "llm"),
        ("Build GenAI features on GPT-4, Claude and Gemini", "llm"),
        ("Fine-tune Llama 3 for our domain", "llm"),
        ("Design RAG pipelines", "rag"),
        ("retrieval-augmented generation over our docs", "rag"),
        ("Own prompt engineering and prompt design", "prompt-engineering"),
        ("Build AI agents with function calling", "ai-agents"),
        ("agentic workflows over MCP servers", "ai-agents"),
        ("fine-tuning models with LoRA", "fine-tuning"),
        ("RLHF and post-training of LLMs", "fine-tuning"),
        ("store embeddings in pgvector or Pinecone", "vector-search"),
        ("FAISS, Milvus or Qdrant", "vector-search"),
        ("Strong PyTorch", "pytorch"),
        ("TensorFlow or Keras", "tensorflow"),
        ("Fluent in JAX", "jax"),
        ("models from Hugging Face", "hugging-face"),
        ("LangChain, LlamaIndex and DSPy", "llm-frameworks"),
        ("Integrate the OpenAI API", "llm-frameworks"),
        ("the Anthropic API", "llm-frameworks"),
        ("machine learning in production", "machine-learning"),
        ("Build ML models with scikit-learn and XGBoost", "machine-learning"),
        ("Senior ML engineer", "machine-learning"),
        ("deep learning and neural networks", "deep-learning"),
        ("transformer models for text", "deep-learning"),
        ("MLOps with MLflow, Kubeflow and SageMaker", "mlops"),
        ("model serving and a feature store", "mlops"),
        ("deploying models to production", "mlops"),
        ("vLLM, TensorRT and the Triton Inference Server", "llm-inference"),
        ("quantization and a KV cache for model inference", "llm-inference"),
        ("CUDA, NCCL and GPU kernels", "gpu-computing"),
        ("Triton kernels on TPUs", "gpu-computing"),
        ("GPU capacity for model training", "gpu-computing"),
        ("computer vision and object detection", "computer-vision"),
        ("natural language processing (NLP)", "nlp"),
        ("machine translation", "nlp"),
        ("speech recognition (ASR) and text-to-speech (TTS)", "speech"),
        ("reinforcement learning", "reinforcement-learning"),
        ("RL for language model training", "reinforcement-learning"),
        ("recommender systems and ranking models", "recommender-systems"),
        ("AI safety and interpretability research", "ai-safety"),
        ("red teaming of models before launch", "ai-safety"),
        ("AI governance", "ai-safety"),
        ("write evals for every model", "model-evaluation"),
        ("LLM evaluation and model evaluation", "model-evaluation"),
        ("Use GitHub Copilot, Cursor or Claude Code", "ai-coding-tools"),
        ("AI coding assistants", "ai-coding-tools"),
        ("AI-powered products", "ai-general"),
        ("artificial intelligence", "ai-general"),
        ("AI fluency", "ai-general"),
        ("Du arbeitest mit KI-Tools", "ai-general"),
    ],
)
def test_alias_counts(text, tag):
    assert tag in tags_in(text)


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("Strong HTML, XML, YAML and UML", "machine-learning"),
        ("Pipette 5 mL into each well", "machine-learning"),
        ("Maintain our email templates", "ai-general"),
        ("Cook authentic Thai food with chef Mai", "ai-general"),
        ("Mastery of Adobe Illustrator (AI) and Photoshop", "ai-general"),
        ("Report the RAG status weekly", "rag"),
        ("drag and drop storage", "rag"),
        ("JD/LLM from an accredited law school", "llm"),
        ("Please contact Claude Dubois in HR", "llm"),
        ("Gemini is a crypto exchange", "llm"),
        ("Support our sales agents and insurance agents", "ai-agents"),
        ("Parse the user-agent header and run monitoring agents", "ai-agents"),
        ("MCP or MCSA certification", "ai-agents"),
        ("Fine-tune our process for receiving", "fine-tuning"),
        ("Specify power transformers and switchgear for substations", "deep-learning"),
        ("Cut steel plate with an oxy-fuel torch", "pytorch"),
        ("Our vision is a simpler bank", "computer-vision"),
        ("Train as an NLP practitioner and coach", "nlp"),
        ("Public speaking skills", "speech"),
        ("Workplace safety and physical safety training", "ai-safety"),
        ("Staff performance evaluation and annual evals", "model-evaluation"),
        ("Move the mouse cursor; use database cursors", "ai-coding-tools"),
        ("Work from the shell prompt and command prompt", "prompt-engineering"),
        ("Defend against prompt injection", "prompt-engineering"),
        ("A MacBook Pro with a dedicated GPU", "gpu-computing"),
        ("Customers like OpenAI and Shopify", "llm-frameworks"),
    ],
)
def test_negative_context_does_not_count(text, tag):
    assert tag not in tags_in(text)


@pytest.mark.parametrize(
    "text",
    [
        "We value automation, algorithms and smart, intelligent routing.",
        "Our personalization engine, analytics and data science team.",
        "Statistical models, business intelligence and threat intelligence.",
        "Our business model and operating model; prompt payment of invoices.",
        "Beware of prompt injection in the command prompt.",
        "Customers like OpenAI use our payments API.",
    ],
)
def test_borderline_phrases_are_not_mentions(text):
    assert tags_in(text) == set()


def test_case_carries_meaning():
    assert "machine-learning" in tags_in("Our ML team")
    assert "machine-learning" not in tags_in("10 ml of buffer")
    assert "jax" not in tags_in("Jax, our office dog")
    assert "fine-tuning" in tags_in("LoRA adapters for our LLMs")
    assert "fine-tuning" not in tags_in("LoRa radios and LoRaWAN gateways")


def test_longest_alias_wins_and_may_carry_two_tags():
    mentions = load_taxonomy().find("We serve models on Vertex AI and speed up LLM inference.")
    assert [(m.phrase, m.tags) for m in mentions] == [
        ("Vertex AI", ("mlops",)),
        ("LLM inference", ("llm", "llm-inference")),
    ]


def test_evidence_points_into_the_stored_text():
    text = "About us\nWe build AI.\n\nRequirements\nExperience with PyTorch and RAG."
    verdict = assess_posting("Backend Engineer", text, split_sections(text))
    for entry in verdict.evidence:
        assert text[entry["start"] : entry["end"]] == entry["phrase"]
    assert {(e["tag"], e["section"]) for e in verdict.evidence} == {
        ("ai-general", "company"), ("pytorch", "requirements"), ("rag", "requirements"),
    }  # fmt: skip


def test_evidence_keeps_the_first_few_hits_of_each_tag():
    text = "Requirements\n" + " ".join(["We use AI every day."] * 12) + " PyTorch."
    verdict = assess_posting("AI Engineer", text, split_sections(text))
    general = [e for e in verdict.evidence if e["tag"] == "ai-general"]
    assert len(general) == MAX_EVIDENCE_PER_TAG
    assert general[0]["section"] == "title"
    assert [e["phrase"] for e in verdict.evidence if e["tag"] == "pytorch"] == ["PyTorch"]


# --- asks vs mentions ----------------------------------------------------------------


def verdict_for(title: str, text: str):
    return assess_posting(title, text, split_sections(text))


@pytest.mark.parametrize(
    "text",
    [
        "About us\nAcme is an AI-native workspace for 20,000 teams.\n\n"
        "The role\nOwn the monthly close.",
        "Responsibilities\nOwn the monthly close.\n\nBenefits\nA yearly AI tool stipend.",
        "The role\nOwn the monthly close.\n\nHiring process\nWe may use AI to screen applications.",
        "The role\nOwn the monthly close.\n\nEqual opportunity\n"
        "We may use artificial intelligence tools to help review applications.",
        "What you'll do\nPlan our offsites. Everyone here uses AI daily.",
        "Acme builds AI agents for support teams. Own the monthly close and the audit.",
        # AI as the employer's field or a trend, not the hire's skill
        "What you'll do\nRun the monthly close at a fast-growing AI startup.",
        "The role\nHelp finance keep pace with the change AI is bringing to logistics.",
        "The role\nOwn the close while a new wave of AI reshapes the industry.",
        "The role\nJoin our mission to bring AI to every warehouse. Own the close.",
        # AI or ML as the teams the hire works with, or in the employer's name
        "The role\nPartner with the data, ML, and product teams on reporting.",
        "The role\nYou will work with disciplines including sales, machine learning and legal.",
        "The role\nAs the first accountant at Globex AI, own the monthly close.",
        # the company's founders, product and offer; hiring notes in either order
        "Our founders spent a decade building AI at a large lab. Own the monthly close.",
        "About the role\nOur AI assistant is used by 3,000 clinics. Own the monthly close.",
        "À propos de Globex\nNous avons bâti une plateforme d'intelligence artificielle.\n\n"
        "The role\nOwn the monthly close.",
        "The role\nOwn the close.\n\nNotes\n"
        "AI software may help us sort applications and transcribe interviews.",
        "The role\nOwn the close.\n\nHighlights\nAn opportunity to work with cutting-edge AI.",
        # perks framed as what the role offers; pitch and press headings
        "The role\nThis role offers the chance to grow and to shape cutting-edge AI products.",
        "The role\nOwn the close.\n\nWhat makes this opportunity special:\n"
        "Join the team bringing generative AI to every warehouse.",
        "The role\nOwn the close.\n\nLearn how we think:\nA podcast with our founder on AI agents.",
        # the company as a subject: a lower-case name, after an "As ...," opener
        "The role\nq9x is the open AI platform for freight teams. Own the close.",
        "The role\nAs the maintainer of the Flux runtime, Globex offers tools for agentic AI.",
        # a heading or tagline names a topic; the sentences under it ask or not
        "THE AI WORKBENCH FOR EVERY WAREHOUSE\nOwn the monthly close.",
        # trends, the company's own AI as the agent, and a company clause before the hire
        "The role\nThe shift to agentic commerce is here, and we lead it. Own the close.",
        "The role\nSource parts for a battery cell discovered by Globex's AI platform.",
        "The role\nWe've grown tenfold with our AI product, and we're looking for an "
        "accountant to own the close.",
    ],
)
def test_boilerplate_mentions_ai_but_does_not_ask(text):
    verdict = verdict_for("Accountant", text)
    assert verdict.mentions_ai and not verdict.asks_for_ai


@pytest.mark.parametrize(
    "text",
    [
        "Requirements\nAI fluency is expected in this role.",
        "About you\nInterest in generative AI.",
        "Qualifications\nExperience with AI tools is a plus.",
        "What you'll do\nBuild LLM features with our product team.",
        "Train and deploy ML models that stop fraud across billions of payments.",
        "About the role\nSell our AI platform to banks.\n\nRequirements\n"
        "Experience selling AI products.",
        # the same backdrops, asked of the hire, still ask
        "Requirements\nExperience at a fast-growing AI startup.",
        "About you\nPassion for AI and how it is transforming logistics.",
        "Requirements\nExperience with Vertex AI pipelines.",
        "What you'll do\nBuild ML models with the data and product teams.",
        "What you'll do\nPartner with the data team to ship LLM features.",
        # after the company clause, the hire's part of the sentence asks
        "The role\nWe've grown tenfold, and we're looking for an engineer who knows PyTorch.",
        # "please apply even if" heads wishes, not the hiring process
        "Ideal, but please apply even if you miss one:\nExperience using AI tools in sales.",
        # a topic heading does not stop the sentences under it from asking
        "AI WORKFLOWS\nBuild and evaluate LLM agents for our customers.",
    ],
)
def test_the_roles_own_sections_ask(text):
    assert verdict_for("Account Executive", text).asks_for_ai


@pytest.mark.parametrize(
    ("title", "asked", "expected"),
    [
        ("Senior Machine Learning Engineer", set(), True),
        ("AI Engineer", {"llm"}, True),
        ("MLOps Engineer", set(), True),
        ("Research Scientist", {"deep-learning", "pytorch"}, True),
        ("Research Scientist, Organic Chemistry", set(), False),
        ("Applied Scientist II", {"recommender-systems"}, True),
        ("AI Safety Researcher", set(), True),
        ("AI Data Trainer", set(), True),
        ("Model Evaluator", {"model-evaluation"}, True),
        ("Product Manager, AI", {"llm"}, False),
        ("Full-Stack Engineer, AI Products", {"llm", "ai-general"}, False),
        ("Account Executive, AI Platform", {"ai-general"}, False),
        ("Backend Engineer", {"llm", "llm-frameworks"}, False),
        ("Platform Engineer, GPU Infrastructure", {"gpu-computing"}, False),
    ],
)
def test_is_ai_role(title, asked, expected):
    assert is_ai_role(title, asked) is expected


# --- the stage -------------------------------------------------------------------------


def run_stages(item: JobPosting) -> tuple[JobPosting, dict]:
    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    item = AiSkillsPipeline(crawler).process_item(CleanPipeline(crawler).process_item(item))
    return item, crawler.stats.get_stats()


def test_stage_fills_the_columns_and_drops_the_parsed_tree():
    item = JobPosting(
        platform="greenhouse", board="acme", external_id="1", company="acme",
        title="Machine Learning Engineer", url="https://example.com/1",
        description_html="<h2>About the role</h2><p>Train models in PyTorch.</p>"
                         "<h2>Benefits</h2><p>A yearly AI tool stipend.</p>",
    )  # fmt: skip
    item, stats = run_stages(item)
    assert "html_tree" not in item.extra
    assert item.mentions_ai and item.asks_for_ai and item.is_ai_role
    assert item.ai_skills == ["pytorch", "machine-learning", "ai-general"]
    assert {"tag": "pytorch", "phrase": "PyTorch", "section": "role"}.items() <= (
        item.ai_evidence[1].items()
    )
    assert stats["jobs/ai/asks"] == 1 and stats["jobs/ai/tag/pytorch"] == 1


def test_posting_without_description_is_judged_on_its_title():
    item = JobPosting(platform="lever", board="acme", external_id="2", company="acme",
                      title="Accountant", url="https://example.com/2")  # fmt: skip
    item, _ = run_stages(item)
    assert (item.mentions_ai, item.asks_for_ai, item.ai_skills) == (False, False, [])

# --- a whole crawl into Postgres ---------------------------------------------------------


def test_crawl_stores_ai_columns_and_evidence(replay, database_url, tmp_path: Path):
    replay.add("/v1/boards/lumenlabs/jobs", fixture_text("greenhouse/lumenlabs_jobs.json"),
               query={"content": "true"})  # fmt: skip
    replay.add("/v1/boards/stripe/jobs", fixture_text("greenhouse/stripe_jobs.json"),
               query={"content": "true"})  # fmt: skip
    registry = write_registry(tmp_path / "companies.toml", [
        {"slug": "lumen-labs", "name": "Lumen Labs", "platform": "greenhouse",
         "board": "lumenlabs"},
        {"slug": "stripe", "name": "Stripe", "platform": "greenhouse", "board": "stripe"},
    ])  # fmt: skip
    result = run_scrapy(
        "crawl", "greenhouse", "-a", "company=lumen-labs,stripe",
        settings={"DATABASE_URL": database_url, "GREENHOUSE_BASE_URL": replay.url,
                  "COMPANIES_FILE": registry, "RETRY_TIMES": 0},
    )  # fmt: skip
    result.assert_clean()
    assert ("GET", "/v1/boards/lumenlabs/jobs?content=true") in replay.requests
    assert re.search(r"'jobs/ai/asks': 2\b", result.log), result.log[-3000:]
    rows = {r["external_id"]: r for r in query(database_url, "SELECT * FROM postings")}
    assert len(rows) == 6

    accountant = rows["5100001"]  # an accountant at an AI lab: mentions, does not ask
    assert (accountant["mentions_ai"], accountant["asks_for_ai"]) == (True, False)
    assert accountant["ai_skills"] == ["ai-general"]
    assert {e["section"] for e in accountant["ai_evidence"]} == {"company", "benefits", "hiring"}
    assert accountant["is_ai_role"] is False

    scientist = rows["5100002"]
    assert (scientist["mentions_ai"], scientist["asks_for_ai"], scientist["is_ai_role"]) == (
        True, True, True,
    )  # fmt: skip
    assert set(scientist["ai_skills"]) == {
        "fine-tuning", "jax", "pytorch", "nlp", "reinforcement-learning", "ai-general",
    }  # fmt: skip
    text = scientist["description_text"]
    for entry in scientist["ai_evidence"]:
        assert text[entry["start"] : entry["end"]] == entry["phrase"] or entry["section"] == "title"
    assert {"tag": "fine-tuning", "phrase": "RLHF", "section": "role"}.items() <= next(
        e for e in scientist["ai_evidence"] if e["phrase"] == "RLHF"
    ).items()

    substation = rows["5100003"]  # transformers, HTML/XML and a JD/LLM: no AI at all
    assert (substation["mentions_ai"], substation["ai_skills"], substation["ai_evidence"]) == (
        False, [], [],
    )  # fmt: skip

    fraud = rows["7011224"]  # Stripe's ML engineer, a description without headings
    assert fraud["is_ai_role"] and fraud["asks_for_ai"]
    assert {"machine-learning", "mlops", "tensorflow", "pytorch"} <= set(fraud["ai_skills"])
    assert not rows["7011223"]["mentions_ai"] and not rows["7011225"]["mentions_ai"]


ML_ASKS = (
    "About the role\nYou will train and deploy machine learning models in PyTorch.\n"
    "Requirements\nExperience with deep learning and model evaluation.\n"
)


@pytest.mark.parametrize(
    "title",
    [
        "Machine Learning Engineer, Security",
        "Machine Learning Engineer, Customer Support Automation",
        "Full Stack Machine Learning Engineer",
        "Security Researcher, AI Safety",
    ],
)
def test_a_clear_ai_title_wins_over_a_domain_word(title):
    assert assess_posting(title, ML_ASKS).is_ai_role


@pytest.mark.parametrize(
    "title",
    [
        "Product Manager, Machine Learning",
        "Technical Recruiter, AI",
        "Full Stack Engineer, AI Products",
    ],
)
def test_roles_around_ai_stay_apart_even_with_ml_asks(title):
    assert not assess_posting(title, ML_ASKS).is_ai_role


def test_a_company_boilerplate_sentence_is_a_mention_not_an_ask():
    text = (
        "About the role\nAcme is an AI-powered platform trusted by our AI customers.\n"
        "What you'll do\nRun quarterly business reviews with clients.\n"
    )
    verdict = assess_posting("Account Manager", text)
    assert verdict.mentions_ai and not verdict.asks_for_ai


def test_sections_are_found_only_for_a_text_that_mentions_ai():
    calls: list[str] = []

    def sections_of_text(text: str):
        def find():
            calls.append(text)
            return split_sections(text)
        return find

    plain = "About the role\nYou will build billing systems in Go."
    asking = "Requirements\nYou have shipped LLM features with RAG."
    assert not assess_posting("Backend Engineer", plain, sections_of_text(plain)).mentions_ai
    assert calls == []
    verdict = assess_posting("Backend Engineer", asking, sections_of_text(asking))
    assert verdict.asks_for_ai
    assert verdict == assess_posting("Backend Engineer", asking, split_sections(asking))
    assert calls == [asking]  # once, though the text has two mentions


# --- recruiting for AI, pitches, trends, the hire described ---------------------------


@pytest.mark.parametrize(
    "text",
    [
        # AI as the field a recruiter hires for, not a skill of the recruiter
        "Requirements\nA record of recruiting senior engineers across AI / ML and data.",
        "What you'll do\nMap the AI talent market and build a pipeline of engineers.",
        # a pitch about where the hire will stand
        "What you'll do\nBe at the forefront of AI and LLM tooling for warehouses.",
        "The role\nYou'll be at the forefront of bringing our AI assistant to pharmacies.",
        # AI as what customers are told about, or generated content as an object
        "The role\nTeach prospects how AI can speed up their claims handling.",
        "The role\nKeep a log of notable AI-generated images that break our rules.",
        # a company clause after a duty: the clause is no ask, the rest judged alone
        "Responsibilities\nRun the monthly close - we are an AI company.",
    ],
)
def test_ai_as_field_pitch_or_topic_does_not_ask(text):
    verdict = verdict_for("Recruiter", text)
    assert verdict.mentions_ai and not verdict.asks_for_ai


@pytest.mark.parametrize(
    "text",
    [
        # the ML team is who the hire works with; the model evaluation is the hire's work
        "Responsibilities\nWork with the ML team to check model outputs and support model "
        "evaluation.",
        # a duty, then a company clause: the duty asks
        "Responsibilities\nSpeed up our support flows with AI - we are an AI-first team.",
        # "Someone ..." in a text without headings describes the hire
        "Globex makes freight software.\nSomeone excited about building LLM agents.",
        "We are a small team.\nWhether your strength is in AI, compilers or design, apply.",
        # code made by AI tools is the hire's work, not a topic
        "Responsibilities\nReview AI-generated code from the team's assistants.",
    ],
)
def test_the_hires_own_work_still_asks(text):
    assert verdict_for("Engineer", text).asks_for_ai


def test_llm_powered_agents_are_agents_and_llms():
    assert {"ai-agents", "llm"} <= tags_in("Ship LLM-powered agents for claims teams.")
    assert "ai-agents" in tags_in("Our AI-powered agents answer the phone.")


def test_ann_indexes_are_vector_search():
    assert "vector-search" in tags_in("Experience with ANN indexes and rerankers.")
    assert "vector-search" in tags_in("approximate nearest neighbor search at scale")
    assert "vector-search" not in tags_in("Ann Lee leads the team.")


@pytest.mark.parametrize(
    "text",
    [
        # the employer's AI product named as what the hire sells, supports or tests
        "What you'll do\nSell our AI agents to dental clinics across the region.",
        "Responsibilities\nWrite end-to-end tests for our clinical AI products.",
        "The role\nDrive tractors and run Globex's AI-powered cameras on customer farms.",
        "Responsibilities\nScale the services that support Globex's AI-driven workflows.",
        # AI qualifying a product or business noun, whoever owns it
        "Responsibilities\nKeep the integrations behind clinical AI products running.",
        "What you'll do\nAutomated payouts and AI invoice approval for the finance team.",
        "The role\nPlan field visits for an AI solutions provider to city councils.",
        # a name written as a domain
        "The role\nHelp Globex.AI grow its finance team across three offices.",
        # a closing pitch
        "About the team\nIf shaping AI for hospitals excites you, we want to hear from you.",
    ],
)
def test_the_employers_ai_product_and_pitch_do_not_ask(text):
    verdict = verdict_for("Account Executive", text)
    assert verdict.mentions_ai and not verdict.asks_for_ai


@pytest.mark.parametrize(
    "text",
    [
        # the hire builds the product
        "What you'll do\nBuild and evaluate our AI agents for dental clinics.",
        "Responsibilities\nDesign the features of our AI assistant end to end.",
        # a pitch naming what the hire has done
        "About the team\nIf you have shipped LLM features, we want to hear from you.",
        # the hire as the subject under a company or culture heading
        "About our engineering culture\nYou'll integrate AI tools into your daily work.",
        "About Globex\nYou are quick to grasp the craft of designing AI products.",
        # AI products the hire uses, builds or is asked to know
        "Responsibilities\nRun payroll, leveraging tools such as Notion and AI-driven solutions.",
        "Requirements\nExperience selling AI platforms to hospitals.",
        "What you'll do\nShip AI workflows for our underwriters.",
    ],
)
def test_the_hire_building_the_product_or_named_under_a_company_heading_asks(text):
    assert verdict_for("Engineer", text).asks_for_ai


@pytest.mark.parametrize(
    ("title", "asked", "expected"),
    [
        # an applied researcher is a research scientist: confirmed by model-work asks
        ("Staff Applied Researcher, Music Generation", {"speech", "llm"}, True),
        ("Applied Researcher, Pricing", set(), False),
        # AI platform or infrastructure engineers whose postings ask for model work
        ("AI Infrastructure Engineer", {"mlops", "llm"}, True),
        ("AI Platform Engineer", {"llm"}, False),
        # a data engineer feeding AI is a data engineer; an AI data trainer is AI work
        ("Senior AI Data Engineer", {"mlops"}, False),
        ("AI Data Specialist", set(), True),
        # an investigator heading an AI programme
        ("Lead Investigator - AI Fellowship", {"llm"}, True),
    ],
)
def test_research_platform_and_data_titles(title, asked, expected):
    assert is_ai_role(title, asked) is expected


AGENT_DUTIES = (
    "Responsibilities\n"
    "Build the planning loop of our LLM agents.\n"
    "Write evals that score agent runs against real tickets.\n"
    "Fine-tune small models on the failures you find.\n"
    "Keep the billing service healthy.\n"
)
FEATURE_DUTIES = (
    "Responsibilities\n"
    "Build the settings pages and billing flows.\n"
    "Ship a summary feature on top of an LLM API.\n"
    "Own the release process.\n"
    "Keep the billing service healthy.\n"
    "Mentor two junior engineers.\n"
)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # a plain or domain title whose duties are model and agent work throughout
        ("Founding Engineer", AGENT_DUTIES, True),
        ("Senior Engineer, Full-Stack & Clinical Support", AGENT_DUTIES, True),
        # the same titles with one LLM feature among product duties
        ("Founding Engineer", FEATURE_DUTIES, False),
        ("Senior Engineer, Full-Stack & Clinical Support", FEATURE_DUTIES, False),
        # not an engineering title, however AI its duties
        ("Product Manager", AGENT_DUTIES, False),
    ],
)
def test_a_role_whose_duties_are_mostly_model_work_is_an_ai_role(title, text, expected):
    assert verdict_for(title, text).is_ai_role is expected


def test_a_data_scientist_building_ml_models_throughout_is_an_ai_role():
    text = (
        "About the role\n"
        "Develop machine learning models for underwriting.\n"
        "Run machine learning experiments end to end.\n"
        "Present machine learning results to the credit team.\n"
    )
    assert verdict_for("Data Scientist", text).is_ai_role
    assert not verdict_for("Data Scientist", "About the role\nUse machine learning.").is_ai_role


def test_gpus_alone_do_not_confirm_an_ai_platform_role():
    assert not is_ai_role("AI Platform Engineer", {"gpu-computing", "llm"})
    assert is_ai_role("AI Platform Engineer", {"gpu-computing", "mlops"})
    assert not is_ai_role("Research Scientist", {"gpu-computing"})


DATA_WORK = (
    "What you'll do\n"
    "Record demonstrations on our robot arms: the training data our models learn from.\n"
    "Review AI-generated answers against the source documents and grade each one.\n"
    "Keep the lab tidy and the rota up to date.\n"
)


@pytest.mark.parametrize(
    ("title", "text", "expected"),
    [
        # producing training data and judging model output is the work, whatever the title
        ("Robot Operator", DATA_WORK, True),
        ("Nurse Specialist", DATA_WORK, True),
        # one such line is a task among others
        ("Robot Operator", "What you'll do\nReview AI-generated answers weekly.\n"
         "Keep the lab tidy.\n", False),
        # plain data collection is field or clinical work, not model data
        ("Field Technician", "What you'll do\nDrive the ATV for data collection.\n"
         "Run data collection for the AI team's clinical study.\n", False),
        # product, sales and other role nouns stay what they are
        ("Product Manager", DATA_WORK, False),
    ],
)  # fmt: skip
def test_a_role_producing_training_data_or_judging_model_output_is_an_ai_role(
    title, text, expected
):
    assert verdict_for(title, text).is_ai_role is expected


# --- the features scripts/train_ai_model.py fits a model on ---------------------------

FEATURE_POSTING = (
    "About us\nAcme is an AI-powered platform for clinics.\n"
    "What you'll do\nTrain and deploy PyTorch models for triage.\n"
    "Build LLM agents with our clinicians.\nRun weekly reviews with the team.\n"
    "Requirements\nExperience with machine learning in production.\n"
    "Benefits\nAn AI tools stipend.\n"
)


@pytest.mark.parametrize(
    ("title", "text"),
    [
        ("Machine Learning Engineer", FEATURE_POSTING),
        ("Account Manager", FEATURE_POSTING),
        ("Machine Learning Engineer, Security", ML_ASKS),
        ("Backend Engineer", "Requirements\nYou have shipped LLM features with RAG."),
    ],
)
def test_computing_the_features_changes_no_column(title, text):
    plain = assess_posting(title, text, split_sections(text))
    featured = assess_posting(title, text, split_sections(text), with_features=True)
    assert featured.features and not plain.features
    featured.features = {}
    assert featured == plain


def test_features_count_the_asking_sentences_by_section():
    verdict = assess_posting(
        "Machine Learning Engineer", FEATURE_POSTING, split_sections(FEATURE_POSTING),
        with_features=True, department="AI Research",
    )  # fmt: skip
    features = verdict.features
    assert features["rule_asks"] == features["rule_role"] == 1.0
    # two duty lines and one requirement ask; the company line and the perk do not
    assert features["asks_in_role"] == pytest.approx(math.log1p(2))
    assert features["asks_in_requirements"] == pytest.approx(math.log1p(1))
    assert features["asks_in_company"] == features["asks_in_intro"] == 0.0
    assert features["ai_duty_share"] == pytest.approx(2 / 3)
    assert features["title_clear_ai"] == features["department_ai"] == 1.0
    assert features["title_veto_noun"] == 0.0
    assert 0.0 < features["not_asking_share"] < 1.0


def test_no_features_for_a_posting_naming_no_ai():
    text = "About the role\nYou will build billing systems in Go."
    assert assess_posting("Backend Engineer", text, with_features=True).features == {}
