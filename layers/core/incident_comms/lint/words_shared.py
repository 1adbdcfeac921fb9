"""What the checks look for in every language, and the shape of one language's word lists.

:data:`SHARED` holds what does not depend on the language (clock times, dates, durations, technical tokens,
internal details); each language module (:mod:`incident_comms.lint.words_en`, :mod:`incident_comms.lint.words_es`)
fills in one :class:`Words` and adds the jargon both share (:data:`TECH`) to its own. Patterns are written with
their accents and folded when compiled (see :mod:`incident_comms.lint.text`), and match case-insensitively unless
said otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from incident_comms.lint.text import alternation, pattern

# --- language-neutral ---------------------------------------------------------------------------

CLOCK = (
    r"\b(?:[01]?\d|2[0-3])[:.h][0-5]\d\b(?:\s*h\b)?",  # 14:30, 14.30, 14h30
    r"\b(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s*(?:a\.?\s?m\b\.?|p\.?\s?m\b\.?)",  # 3 pm, 3:30 p.m.
)
DATE = (r"\b\d{4}-\d{2}-\d{2}\b", r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
DURATION = (
    r"\b\d+\s*(?:min(?:utes?|utos?)?|h(?:ours?|oras?|rs?)?|d(?:ays?|[ií]as?)?)\b",
    r"\b(?:an?|one|two|three|half\s+an|una|dos|tres|media)\s+(?:hours?|horas?|minutes|minutos)\b",
)

TECH = (
    r"\bp(?:50|90|95|99|999)\b",
    r"\b[1-5]xx\b",
    r"\bhttp\s*[45]\d\d\b",
    r"\berror(?:es|s)?\s+50[0-4]\b",
    r"\b50[0-4]\s+errors?\b",
    r"\bdns\b",
    r"\bfail-?over\b",
    r"\bpods?\b",
    r"\bk8s\b",
    r"\bkubernetes\b",
    r"\bcdn\b",
    r"\brds\b",
    r"\bec2\b",
    r"\bs3\b",
    r"\blambdas?\b",
    r"\bdynamodb\b",
    r"\bsqs\b",
    r"\bredis\b",
    r"\bkafka\b",
    r"\bpostgres(?:ql)?\b",
    r"\bmysql\b",
    r"\bbgp\b",
    r"\bcpu\b",
    r"\boom\b",
    r"\biops\b",
    r"\bvpc\b",
    r"\btls\b",
    r"\bssl\b",
    r"\bapi\s+gateway\b",
    r"\bsev\s?\d\b",
    r"\b[a-z]{2}-(?:north|south|east|west|central|northeast|southeast)-\d\b",
    r"\brollback\b",
    r"\bhotfix\b",
    r"\bthrottl\w*",
    r"\btimeouts?\b",
    r"\bmicroservic\w*",
    r"\bshard\w*",
    r"\bslos?\b",
    r"\bdeadlocks?\b",
)


class Shared:
    """Patterns every language uses (a namespace: one instance, ``SHARED``)."""

    clock: re.Pattern[str] = pattern(*CLOCK)
    date: re.Pattern[str] = pattern(*DATE)
    duration: re.Pattern[str] = pattern(*DURATION)
    email: re.Pattern[str] = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
    url: re.Pattern[str] = re.compile(r"\bhttps?://[^\s<>()\"']+|\bwww\.[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
    hostname: re.Pattern[str] = re.compile(
        r"(?<![\w@./-])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9](?![\w-]|\.[\w-])",
        re.IGNORECASE,
    )
    phone: re.Pattern[str] = re.compile(
        r"(?:\+\d{1,3}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}|"
        r"\b(?:tel[eé]fono|phone|tel|tlf|call|ll[aá]menos|llame)\b[^\d\n]{0,20}"
        r"\d{3}[ .-]?\d{2,3}[ .-]?\d{2,4}(?:[ .-]?\d{2,3})?)",
        re.IGNORECASE,
    )
    ipv4: re.Pattern[str] = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?!\w|\.\w)")
    ipv6_candidate: re.Pattern[str] = re.compile(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.I)
    arn: re.Pattern[str] = re.compile(r"\barn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:[^\s,;)\"']+")
    account_id: re.Pattern[str] = re.compile(r"(?<![\d+\w-])\d{12}(?![\d\w])")
    stack_trace: re.Pattern[str] = alternation(
        *(
            r"Traceback \(most recent call last\)",
            r"(?m:^\s*at [\w$.<>]+\([^)\n]*:\d+(?::\d+)?\))",
            r"\bFile \"[^\"\n]+\", line \d+",
            r"\b(?:java|javax|org|com|software\.amazon|io)\.[a-z]\w*(?:\.\w+){2,}",
            r"\b[A-Z][a-z]+(?:[A-Z][a-z]+)*(?:Exception|Error)\b",
            r"\bpanic: ",
            r"\bgoroutine \d+ \[",
            r"\bSegmentation fault\b",
            r"\b[\w/-]+\.(?:py|java|js|ts|go|rb|cs|php|kt):\d+\b",
        )
    )
    query: re.Pattern[str] = alternation(
        *(
            r"\bSELECT\b[^;\n]{1,200}?\bFROM\b",
            r"(?i:\bselect\s+(?:\*|[\w.]+(?:\s*,\s*[\w.]+)+)\s+from\s+\w+)",
            r"(?i:\binsert\s+into\s+\w+)",
            r"\bUPDATE\s+\w+\s+SET\b",
            r"(?i:\bdelete\s+from\s+\w+)",
            r"(?i:\b(?:drop|alter|truncate)\s+table\b)",
            r"\bCREATE\s+(?:TABLE|INDEX|DATABASE)\b",
            r"\bORA-\d{5}\b",
            r"\bSQLSTATE\b",
            r"\bWHERE\s+\w+\s*(?:=|<|>|LIKE|IN)\s*",
        )
    )
    env_resource: re.Pattern[str] = re.compile(
        r"(?<![\w.-])(?:prod|production|staging|stg|preprod|dev|qa)[-_][a-z0-9]+(?:[-_][a-z0-9]+)+(?![\w.-])"
    )
    token: re.Pattern[str] = re.compile(r"[A-Za-z0-9][\w.:/*-]*[A-Za-z0-9*]")
    internal_suffixes: tuple[str, ...] = (
        ".internal",
        ".local",
        ".lan",
        ".corp",
        ".intra",
        ".intranet",
        ".localdomain",
        ".svc",
        ".cluster.local",
        ".consul",
        ".home.arpa",
        ".amazonaws.com",
    )
    environment_labels: frozenset[str] = frozenset(
        {"prod", "production", "staging", "stg", "preprod", "dev", "qa", "int", "internal", "mgmt", "ops"}
    )
    public_labels: frozenset[str] = frozenset(
        {
            *("www", "status", "estado", "help", "ayuda", "support", "soporte", "docs", "developers", "developer"),
            *("app", "web", "blog", "community", "comunidad", "trust", "security", "seguridad", "legal", "privacy"),
            *("contact", "contacto", "info", "news", "noticias", "shop", "tienda", "store", "billing", "pay"),
            *("login", "account", "accounts", "cuenta", "my", "mi", "portal", "dashboard", "panel", "learn", "academy"),
            *("kb", "faq", "answers", "clientes", "customers", "partners", "go", "es", "en", "api", "cdn", "static"),
        }
    )
    """First labels of customer-facing hosts (``status.example.com``, ``ayuda.example.es``): a host of our own
    domain with one of them is public even when the plan does not name it; others must be named."""
    product_labels: frozenset[str] = frozenset(
        {"app", "api", "dashboard", "panel", "login", "account", "accounts", "cuenta", "my", "mi", "console"}
    )
    """First labels of hosts where customers use the product: a link there (*your dashboard at app.…*) is not a
    place to ask."""


SHARED: Final = Shared()

# --- per language -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Words:
    """One language's patterns and messages. ``messages`` are ``str.format`` templates."""

    code: str
    next_update: re.Pattern[str]
    relative_time: re.Pattern[str]
    vague_time: re.Pattern[str]
    deadline: re.Pattern[str]
    data_loss: re.Pattern[str]
    data_thing: re.Pattern[str]
    """What customers keep with us (data, files, invoices, recordings …): with :attr:`data_state` or :attr:`unknown`
    in one sentence it makes a data-loss statement in any wording."""
    data_state: re.Pattern[str]
    unknown: re.Pattern[str]
    """Not known yet: fine while the incident is open, not once it is resolved (``data-loss-settled``)."""
    guess: re.Pattern[str]
    impact: re.Pattern[str]
    symptom: re.Pattern[str]
    recovery: re.Pattern[str]
    """Working again (*back*, *issued again*, *vuelve a funcionar*): an impact only when the sentence says what works
    again (*the Public API is back*); *the service works normally again* alone says nothing customers noticed."""
    """What customers notice, in any wording: failing, slow, delayed, stuck, unable, working again … A sentence
    with one says the impact (*card payments on invoices failing since 09:40*); *an issue*, *una incidencia* do
    not."""
    internal_subject: re.Pattern[str]
    """What only we see (servers, databases, queues, monitoring): a symptom of these alone is not an impact …"""
    customer_subject: re.Pattern[str]
    """… unless the sentence also names customers or what they use (you, your invoices, clientes, facturas)."""
    problem: re.Pattern[str]
    blame: re.Pattern[str]
    commitment: re.Pattern[str]
    hedged_commitment: re.Pattern[str]
    open_question: re.Pattern[str]
    """Just before a fix time, says it is not known (*we can't say yet when…*, *aún no sabemos cuándo…*): what
    follows is the open question, not a promise."""
    never_again: re.Pattern[str]
    jargon: re.Pattern[str]
    contact: re.Pattern[str]
    contact_path: re.Pattern[str]
    """A link's path that is a place to ask (``/support``, ``/contacto``) even on a product host."""
    impact_start: re.Pattern[str]
    impact_end: re.Pattern[str]
    actions_taken: re.Pattern[str]
    actions_planned: re.Pattern[str]
    root_cause: re.Pattern[str]
    timeline: re.Pattern[str]
    lessons: re.Pattern[str]
    salutation: re.Pattern[str]
    messages: MappingProxyType[str, str] = field(repr=False)
