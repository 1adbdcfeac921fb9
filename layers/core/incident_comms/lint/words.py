"""What the checks look for, per language: word lists and regexes kept as data, so every heuristic can be read.

Each :class:`Words` holds the patterns of one language (``ES``, ``EN``); :data:`SHARED` holds what does not
depend on the language (clock times, technical tokens, internal details). Patterns are written with their
accents and folded when compiled (see :mod:`incident_comms.lint.text`), and match case-insensitively unless
said otherwise. To teach a check a phrase, add it here and a draft to ``tests/lint_corpus/`` that needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Final

from incident_comms.lint.text import pattern

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

_TECH = (
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
    ipv4: re.Pattern[str] = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?![\w.]|\.\d)")
    ipv6_candidate: re.Pattern[str] = re.compile(r"(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?![\w:])", re.I)
    arn: re.Pattern[str] = re.compile(r"\barn:aws[\w-]*:[\w-]+:[\w-]*:\d{0,12}:[^\s,;)\"']+")
    account_id: re.Pattern[str] = re.compile(r"(?<![\d+\w-])\d{12}(?![\d\w])")
    stack_trace: re.Pattern[str] = re.compile(
        "|".join(
            (
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
    )
    query: re.Pattern[str] = re.compile(
        "|".join(
            (
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


SHARED: Final = Shared()

GSM7_BASIC: Final = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿"
    "abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""The GSM 03.38 default alphabet: one septet each."""
GSM7_EXTENSION: Final = frozenset("^{}\\[~]|€\f")
"""Characters of the GSM 03.38 extension table: two septets each (an escape, then the character)."""


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
    guess: re.Pattern[str]
    impact: re.Pattern[str]
    problem: re.Pattern[str]
    blame: re.Pattern[str]
    commitment: re.Pattern[str]
    hedged_commitment: re.Pattern[str]
    never_again: re.Pattern[str]
    jargon: re.Pattern[str]
    contact: re.Pattern[str]
    impact_start: re.Pattern[str]
    impact_end: re.Pattern[str]
    actions_taken: re.Pattern[str]
    actions_planned: re.Pattern[str]
    root_cause: re.Pattern[str]
    timeline: re.Pattern[str]
    lessons: re.Pattern[str]
    salutation: re.Pattern[str]
    messages: MappingProxyType[str, str] = field(repr=False)


_EN_PEOPLE = (
    r"(?:junior\s+|new\s+|senior\s+|on-?call\s+)?(?:engineer|employee|developer|administrator|admin|sysadmin|operator|"
    r"technician|contractor|intern|staff\s+member|team\s+member|colleague|dba|programmer)s?"
)
_EN_VENDOR = (
    r"(?:provider|vendor|supplier|partner|third[- ]party|hosting\s+company|isp|carrier|data\s*cent(?:er|re)|"
    r"aws|amazon(?:\s+web\s+services)?|google(?:\s+cloud)?|microsoft|azure|cloudflare|akamai|fastly|stripe|"
    r"twilio|github|datadog|bank|tax\s+agency)(?:'s)?"
)
_EN_FIXED = (
    r"(?:fixed|resolved|restored|repaired|solved|recovered|back(?:\s+(?:up|online|to\s+normal))?|up\s+and\s+running|"
    r"working\s+(?:again|normally)|(?:fully\s+)?operational(?:\s+again)?|available\s+again|normal\s+again)"
)

EN: Final = Words(
    code="en",
    next_update=pattern(
        r"\bnext\s+(?:customer\s+)?(?:update|message|notice|bulletin|status\s+update)s?\b",
        r"\bwe\s*(?:will|'ll|are\s+going\s+to|shall)\s+(?:post|send|publish|share|give|provide)\s+(?:you\s+)?"
        r"(?:an?|another|the\s+next|a\s+further|further|more|a\s+new)\s+(?:update|message|news|information)",
        r"\bwe\s*(?:will|'ll|shall)\s+(?:update|inform|notify)\s+(?:you|this\s+page|this\s+notice|customers|everyone)\b",
        r"\bwe\s*(?:will|'ll|shall)\s+(?:be\s+back|write\s+again|report\s+back|follow\s+up|get\s+back\s+to\s+you|"
        r"confirm|check\s+in|tell\s+you\s+more)\b",
        r"\bfurther\s+updates?\b",
        r"\b(?:an?|another)\s+update\s+(?:at|by|in|within|before)\b",
    ),
    relative_time=pattern(
        r"\b(?:in|within)\s+(?:the\s+next\s+)?(?:\d{1,3}|an?|one|two|three|four|five|six|ten|fifteen|twenty|thirty|"
        r"forty[- ]five|ninety|half\s+an)\s+(?:minutes?|mins?|hours?|hrs?)\b",
        r"\bat\s+(?:noon|midday|midnight)\b",
        r"\b(?:1[0-2]|[1-9])\s*o'clock\b",
    ),
    vague_time=pattern(
        r"\b(?:soon|shortly|asap|in\s+due\s+course|later(?:\s+today|\s+on)?|at\s+some\s+point|periodically|"
        r"regularly|in\s+a\s+(?:while|bit))\b",
        r"\bas\s+soon\s+as\s+(?:possible|we\s+(?:can|know|have)\b)",
        r"\bwhen\s+we\s+(?:know|have)\s+more\b",
    ),
    deadline=pattern(
        r"\b(?:by|before|until|no\s+later\s+than)\s+(?:the\s+)?(?:end\s+of\s+(?:the\s+)?(?:day|morning|afternoon)|"
        r"tonight|tomorrow|noon|midday|midnight|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening)|tomorrow|shortly|soon|any\s+minute(?:\s+now)?)\b",
        r"\bwithin\s+(?:minutes|the\s+hour|the\s+day|(?:a|an|the\s+next)\s+(?:few\s+)?(?:minutes?|hours?))\b",
        r"\bin\s+a\s+(?:few|couple\s+of)\s+(?:minutes|hours)\b",
    ),
    data_loss=pattern(
        r"\bdata\s+(?:was|were|has\s+been|have\s+been|is|are|got)\s+(?:not\s+)?(?:lost|deleted|affected|corrupted|"
        r"at\s+risk|safe|intact)\b",
        r"\b(?:no|any|some|none\s+of\s+(?:your|the))\s+(?:customer\s+|of\s+your\s+|of\s+the\s+)?"
        r"(?:data|files|documents|invoices|records)\s+(?:was|were|has\s+been|have\s+been|is|are)\s+"
        r"(?:lost|deleted|affected|corrupted)\b",
        r"\bdata\s+(?:lost|loss)\b",
        r"\blost\s+(?:any\s+|some\s+|no\s+)?(?:customer\s+)?data\b",
        r"\b(?:your|all|customer)\s+(?:data|files|documents|invoices)\s+(?:is|are|remains?|stays?)\s+"
        r"(?:safe|intact|secure)\b",
        r"\bwhether\s+(?:any\s+)?(?:customer\s+)?data\b",
        r"\bnothing\s+(?:was|has\s+been)\s+lost\b",
        r"\bdata:\s*(?:none|no|yes|not\s+(?:yet\s+)?known|unknown|some)\b",
    ),
    guess=pattern(
        r"\b(?:probably|likely|unlikely|hopefully|apparently|presumably|we\s+(?:believe|assume|think)|"
        r"we\s+(?:do\s+not|don't)\s+(?:think|believe|expect)|should(?:\s+not|n't)?\s+be|it\s+seems|"
        r"most\s+likely|as\s+far\s+as\s+we\s+can\s+tell)\b"
    ),
    impact=pattern(
        r"\byou\s+(?:may|might|can(?:not|'t)?|could(?:n't|\s+not)?|will|are|were|won't|will\s+not)\s+(?:\w+\s+){0,2}?"
        r"(?:unable|not\s+able|see|get|notice|experience|find|fail|have\s+trouble|lose|receive)\b",
        r"\b(?:unable\s+to|cannot|can't|could\s+not|couldn't|not\s+able\s+to)\s+(?:\w+\s+)?(?:sign|log|upload|"
        r"download|open|issue|send|sync|access|use|pay|load|see|create|submit|connect|reach|save|view|print)\b",
        r"\b(?:may|might|could|can|will)\s+(?:\w+\s+)?(?:get|see|receive|experience|notice|hit)\s+(?:\w+\s+){0,2}?"
        r"(?:errors?|failures?|delays?|timeouts?|slowness|problems)\b",
        r"\b(?:may|might|could|can|will)\s+(?:be|get)\s+(?:\w+\s+)?(?:delayed|slow(?:er)?|unavailable|lost|rejected|"
        r"stuck|interrupted)\b",
        r"\b(?:is|are|was|were|has\s+been|have\s+been)\s+(?:\w+\s+)?(?:unavailable|down|slow(?:er)?|delayed|failing|"
        r"not\s+working|intermittent|degraded|offline|inaccessible|rejected|stuck)\b",
        r"\bfail(?:s|ed|ing)?\s+to\s+\w+",
        r"\b(?:load|loads|loaded|loading|open|opens|opened)\s+(?:\w+\s+)?(?:slowly|with\s+errors)\b",
        r"\bwith\s+errors\b",
        r"\b(?:did\s+not|didn't|does\s+not|doesn't|do\s+not|don't)\s+(?:load|arrive|work|sync|go\s+through|open)\b",
        r"\b(?:errors?|failures?|delays?|slowness|outage|disruption|interruption)\s+(?:when|while)\s+\w+",
        r"\b(?:cannot|can't|could\s+not|couldn't)\s+be\s+\w+ed\b",
        r"\b(?:did\s+not|didn't|does\s+not|doesn't|do\s+not|don't)\s+(?:appear|show(?:\s+up)?)\b",
        r"\b(?:with\s+(?:a\s+)?delays?|delays?\s+of)\b",
        r"\b(?:longer|slower)\s+than\s+(?:usual|normal|expected)\b",
        r"\bslow(?:ly|er|ness)?\b",
        r"\b(?:fails|failed|failing)\s+(?:for|with|when|while|during|on|in)\b",
        r"\blate\b(?!\s+(?:last\s+)?(?:night|evening|afternoon|morning))",
        r"\b(?:requests?|uploads?|downloads?|payments?|invoices?|submissions?|sign-?ins?|logins?|syncs?|"
        r"integrations?|pages?|documents?|files?|previews?)\s+(?:\w+\s+)?(?:failed|fail|are\s+failing|were\s+failing|"
        r"time\s+out|timed\s+out)\b",
    ),
    problem=pattern(
        r"\b(?:problems?|issues?|incidents?|outages?|disruptions?|errors?|failures?|degradation|faults?|fix(?:es|ed)?)\b"
    ),
    blame=pattern(
        r"\b(?:human|operator|employee|engineer|user|customer|staff|manual)\s+errors?\b",
        rf"\b(?:an?|one\s+of\s+our|our|the|their)\s+{_EN_PEOPLE}\s+(?:\w+\s+){{0,2}}?(?:made\s+a\s+mistake|"
        r"accidentally|mistakenly|by\s+mistake|forgot|failed\s+to|wrongly|incorrectly|carelessly|deleted|"
        r"misconfigured|broke|caused|ran\s+the\s+wrong|did\s+not|didn't|neglected|ignored)\b",
        rf"\b(?:mistake|error|fault|negligence|carelessness)\s+(?:by|of|from)\s+(?:an?|one\s+of\s+our|our|the)\s+"
        rf"(?:\w+\s+)?{_EN_PEOPLE}\b",
        rf"\b(?:caused|triggered|created)\s+by\s+(?:our\s+|the\s+|a\s+|an\s+|one\s+of\s+our\s+)?(?:\w+\s+)?{_EN_VENDOR}",
        rf"\b{_EN_VENDOR}\s+(?:\w+\s+){{0,6}}?(?:caused|is\s+to\s+blame|was\s+to\s+blame|is\s+responsible|"
        r"was\s+responsible|failed\s+us|let\s+us\s+down|messed\s+up|screwed\s+up|made\s+a\s+mistake)\b",
        rf"\b(?:due\s+to|because\s+of)\s+(?:a\s+|an\s+|the\s+)?(?:\w+\s+)?(?:failure|outage|problem|issue|mistake|"
        rf"error|bug)\s+(?:at|by|of|from|in)\s+(?:our\s+|the\s+|a\s+|an\s+)?(?:\w+\s+)?{_EN_VENDOR}",
        r"\bnot\s+our\s+fault\b",
        r"\b(?:is|was)\s+(?:entirely\s+|completely\s+|solely\s+)?(?:their|your|the\s+customer's|the\s+\w+'s)\s+fault\b",
        r"\bto\s+blame\b",
        r"\bblam(?:e|ed|es|ing)\b",
        r"\bat\s+fault\b",
        r"\bfault\s+of\b",
        r"\b(?:their|your|customers')\s+(?:mistake|fault)\b",
        r"\b(?:the|our|another|a)\s+(?:\w+\s+)?team\s+(?:\w+\s+){0,2}?(?:made\s+a\s+mistake|forgot|failed\s+to|broke|"
        r"caused|did\s+not\s+follow|didn't\s+follow|ignored|messed\s+up)\b",
        r"\bcustomers?\s+(?:who|that)\s+(?:\w+\s+){0,3}?(?:misused|abused|overloaded|flooded|ignored|"
        r"did\s+not\s+follow|didn't\s+follow|sent\s+too\s+many|entered\s+(?:wrong|incorrect|invalid))\b",
        r"\b(?:a|one|some|several)\s+(?:single\s+|large\s+)?customers?\s+(?:\w+\s+){0,6}?(?:caused|overloaded|flooded|"
        r"abused|misused|broke|saturated|overwhelmed|hammered)\b",
        r"\b(?:negligence|careless(?:ness|ly)?|incompeten(?:ce|t))\b",
    ),
    commitment=pattern(
        rf"\b(?:will|'ll|shall|is\s+going\s+to|are\s+going\s+to|(?:is|are)\s+expected\s+to|expects?\s+(?:it|this|"
        rf"the\s+\w+|everything|service)\s+to|(?:is|are)\s+guaranteed\s+to)\s+(?:be\s+)?(?:fully\s+|completely\s+)?"
        rf"{_EN_FIXED}\b",
        r"\bwe\s*(?:will|'ll|are\s+going\s+to|shall)\s+(?:have\s+(?:it|this|the\s+\w+)\s+)?(?:fix|resolve|restore|"
        r"repair|solve|recover)\s+(?:it|this|everything|service|access|the\s+(?:problem|issue|incident|outage|"
        r"errors?|service|fault))\b",
        r"\b(?:eta|estimated\s+(?:time\s+(?:of|to)\s+)?(?:fix|resolution|recovery|restoration)(?:\s+time)?|"
        r"expected\s+(?:resolution|fix|recovery)\s+time)\b",
        r"\bfull\s+recovery\s+(?:is\s+)?expected\b",
    ),
    hedged_commitment=pattern(
        rf"\b(?:should|ought\s+to|expect\s+to|hope\s+to|aim\s+to|plan\s+to)\s+(?:be\s+)?(?:fully\s+)?{_EN_FIXED}\b",
        r"\b(?:expect|hope|aim|plan)\s+to\s+(?:fix|resolve|restore|repair|solve|recover)\b",
    ),
    never_again=pattern(
        r"\b(?:this|it|that)\s+(?:will|won't|will\s+not|cannot|can't|can\s+not|shall\s+not)\s+(?:never\s+)?"
        r"(?:happen|occur)\s+again\b",
        r"\bnever\s+(?:happen|occur)\s+again\b",
        r"\bwe\s+guarantee\b",
        r"\bguaranteed\b",
        r"\brest\s+assured\b",
    ),
    jargon=pattern(
        *_TECH,
        r"\blatenc(?:y|ies)\b",
        r"\bload\s+balancers?\b",
        r"\b(?:database\s+|read\s+)?replicas?\b",
        r"\bclusters?\b",
        r"\bnodes?\b",
        r"\b(?:up|down)stream\b",
        r"\bdeploy(?:s|ed|ing|ments?)?\b",
        r"\bpacket\s+loss\b",
        r"\bmemory\s+leaks?\b",
        r"\berror\s+rates?\b",
        r"\bqueue\s+depth\b",
    ),
    contact=pattern(
        r"\bcontact\s+(?:us|our\s+(?:support|team|help)|support|customer\s+service)\b",
        r"\bget\s+in\s+touch\b",
        r"\b(?:write|email|e-mail|reply)\s+(?:to\s+)?(?:us|support|this\s+(?:email|message))\b",
        r"\b(?:call|phone|ring)\s+us\b",
        r"\bhelp\s*(?:cent(?:er|re)|desk)\b",
        r"\bsupport\s+(?:team|page|portal|site)\b",
        r"\bour\s+support\b",
        r"\bcustomer\s+(?:service|support)\b",
    ),
    impact_start=pattern(
        r"\b(?:impact\s+)?(?:started|start(?:ed)?\s+at|began|beginning|since|from|starting|between)\b",
    ),
    impact_end=pattern(
        r"\b(?:impact\s+)?(?:ended|end(?:ed)?\s+at|until|till|to|through)\b",
        r"\b(?:resolved|restored|fixed|recovered)\s+(?:at|since|by|on)\b",
        r"\blasted\b",
        r"\bduration\b",
    ),
    actions_taken=pattern(
        r"\bwhat\s+we\s+(?:did|have\s+done|'ve\s+done)\b",
        r"\bdone:",
        r"\bwe\s+(?:have\s+|'ve\s+)?(?:\w+ly\s+)?(?:restored|rolled\s+back|reverted|restarted|rebooted|fixed|repaired|"
        r"replaced|moved|added|increased|applied|switched|deployed|corrected|resent|reprocessed|recovered|removed|"
        r"disabled|re-?enabled|enabled|migrated|scaled|upgraded|patched|undid|undone|cleared|re-?ran|retried|"
        r"contacted|stopped|blocked|freed|released|rebuilt|reissued|refunded|resubmitted)\b",
    ),
    actions_planned=pattern(
        r"\bwhat\s+we\s+(?:will|are\s+going\s+to)\s+do\b",
        r"\bso\s+(?:that\s+)?(?:it|this)\s+(?:does\s+not|doesn't|won't|will\s+not)\s+happen\s+again\b",
        r"\bto\s+prevent\b",
        r"\bnext\s+steps?\b",
        r"\bplanned:",
        r"\bwe\s*(?:will|'ll|are\s+going\s+to|plan\s+to)\s+(?:also\s+)?(?:add|improve|review|change|introduce|automate|"
        r"monitor|test|audit|publish|set\s+up|build|strengthen|train|update\s+our|extend|tighten|require|document|"
        r"alert|implement|move|split|limit|replace|upgrade|remove|rehearse|check|follow\s+up|send)\b",
        r"\bwe\s+are\s+(?:adding|improving|reviewing|changing|introducing|automating|building|strengthening)\b",
        r"\b(?:incident\s+report|post-?mortem)\b",
    ),
    root_cause=pattern(
        r"\broot\s+cause\b",
        r"\bthe\s+cause\s+(?:was|is)\b",
        r"\b(?:was|were)\s+caused\s+by\b",
        r"\bcause:",
        r"\bhappened\s+because\b",
        r"\bwhy\s+(?:it|this)\s+happened\b",
        r"\bthe\s+(?:problem|issue|incident|outage)\s+(?:was\s+due\s+to|came\s+from|started\s+when)\b",
    ),
    timeline=pattern(r"\btimeline\b", r"\bchronology\b", r"\bsequence\s+of\s+events\b"),
    lessons=pattern(
        r"\blessons?\b",
        r"\bwhat\s+we\s+(?:have\s+)?learn(?:ed|t)\b",
        r"\bwe\s+(?:have\s+)?learn(?:ed|t)\b",
        r"\btakeaways?\b",
    ),
    salutation=pattern(r"^(?:dear|hello|hi|good\s+(?:morning|afternoon|evening))\b[^\n.!?]{0,60}[,:!]?\s*$"),
    messages=MappingProxyType(
        {
            "impact-stated": 'Say what customers notice now (for example "you may be unable to send invoices"): '
            "the draft does not say how customers are affected.",
            "data-loss-stated": "Say whether data was lost: yes, no or not yet known ({severity} requires it).",
            "data-loss-guess": '"{text}" makes the data-loss statement a guess: say yes, no or not yet known.',
            "next-update-missing": 'Give the time of the next update (for example "Next update: 15:00 CET").',
            "next-update-vague": '"{text}" is not a time: give the time of the next update (for example 15:00 CET '
            'or "in 30 minutes").',
            "next-update-untimed": 'The next update has no time: give one (for example 15:00 CET or "in 30 minutes").',
            "no-blame": '"{text}" points at someone: own the problem as a company, without blaming people, '
            "customers, vendors or teams.",
            "no-blame-person": '"{text}" names a person from the plan: the message speaks for the company, not '
            "about people.",
            "no-unsure-commitment": '"{text}" promises a fix time or an outcome: say what you know and when you '
            "will update, unless the responder marked the fix as certain.",
            "never-again": '"{text}" promises what nobody can know: say what you will change instead.',
            "summary-long": "The first sentence has {words} words: open with a plain summary of at most {limit}.",
            "summary-jargon": '"{text}" is jargon in the opening: say it the way a customer notices it.',
            "internal-detail": '"{text}" is an internal detail ({kind}): customers cannot use it, and it tells '
            "attackers about our systems. Leave it out.",
            "contact-given": 'Say where customers can ask: a support address, a link, or "contact us".',
            "resolved-missing": "The resolved message does not say {part}.",
            "postmortem-missing": "The postmortem does not give {part}.",
            "sms-long": "The SMS is {count} characters long: at most {limit} fit in one message.",
            "sms-gsm-parts": " It would go as {parts} parts of 153.",
            "sms-ucs2": " Its {chars} are not in the GSM-7 alphabet, so it goes as UCS-2 (70 characters per "
            "part, 67 when split): {parts} parts.",
            "subject-long": "The {what} is {count} characters long: keep it under {limit}.",
            "subject-lines": "The {what} must be one line.",
            "subject-empty": "The {what} is empty.",
        }
    ),
)
EN_TERMS: Final = MappingProxyType(
    {
        "subject": "subject",
        "title": "title",
        "hostname": "internal host name",
        "ip": "IP address",
        "arn": "AWS resource name",
        "account": "AWS account id",
        "stack": "stack trace",
        "query": "query text",
        "alarm": "internal alarm name",
        "start": "when the impact started",
        "end": "when the impact ended, or how long it lasted",
        "taken": "what was done",
        "planned": "what comes next (actions planned or the incident report)",
        "root_cause": "the root cause",
        "timeline": "a timeline",
        "actions_taken": "the actions taken",
        "actions_planned": "the actions planned",
        "lessons": "what was learned",
    }
)

_ES_PEOPLE = (
    r"(?:ingenier[oa]|emplead[oa]|t[eé]cnic[oa]|desarrollador(?:a)?|administrador(?:a)?|operador(?:a)?|becari[oa]|"
    r"compañer[oa]|programador(?:a)?|responsable\s+de\s+guardia|miembro\s+del\s+equipo)(?:e?s)?"
)
_ES_VENDOR = (
    r"(?:proveedor(?:es)?|terceros?|socio|partner|centro\s+de\s+datos|operadora|aws|amazon(?:\s+web\s+services)?|"
    r"google(?:\s+cloud)?|microsoft|azure|cloudflare|akamai|stripe|twilio|github|banco|agencia\s+tributaria|"
    r"hacienda|compañ[ií]a\s+telef[oó]nica|hosting|empresa\s+externa)"
)
_ES_FIXED = (
    r"(?:resuelt[oa]s?|solucionad[oa]s?|restablecid[oa]s?|arreglad[oa]s?|reparad[oa]s?|recuperad[oa]s?|"
    r"operativ[oa]s?|funcionando(?:\s+con\s+normalidad)?|disponibles?\s+de\s+nuevo|de\s+nuevo\s+disponibles?|"
    r"normalizad[oa]s?)"
)

ES: Final = Words(
    code="es",
    next_update=pattern(
        r"\bpr[oó]xim[oa]s?\s+(?:actualizaci[oó]n|aviso|mensaje|comunicado|informaci[oó]n|noticias?)",
        r"\bpr[oó]x\.\s*(?:aviso|actualizaci[oó]n|act\.)",
        r"\bsiguiente\s+(?:actualizaci[oó]n|aviso|mensaje)",
        r"\bnuevo\s+(?:aviso|mensaje|comunicado)\b",
        r"\bvolveremos\s+a\s+(?:informar|escribir|actualizar|publicar|dar\s+noticias|contactar)",
        r"\b(?:le|les|os)\s+(?:informaremos|actualizaremos|avisaremos|escribiremos|contaremos|daremos\s+noticias)\b",
        r"\b(?:publicaremos|enviaremos|daremos|compartiremos)\s+(?:una|otra|la\s+pr[oó]xima|m[aá]s|nueva|nuevas)\s+"
        r"(?:actualizaci[oó]n|aviso|informaci[oó]n|noticias?)",
        r"\bnuevas?\s+actualizaci(?:[oó]n|ones)\b",
    ),
    relative_time=pattern(
        r"\b(?:en|dentro\s+de)\s+(?:los\s+pr[oó]ximos\s+|las\s+pr[oó]ximas\s+)?(?:\d{1,3}|un|una|uno|dos|tres|cuatro|"
        r"cinco|seis|diez|quince|veinte|treinta|cuarenta\s+y\s+cinco|noventa|media)\s+(?:minutos?|min|horas?|h)\b",
        r"\ba\s+las\s+(?:\d{1,2}|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce)\b"
        r"(?:\s*(?:h|horas)\b|\s+(?:en\s+punto|y\s+media|y\s+cuarto|de\s+la\s+(?:mañana|tarde|noche)))?",
        r"\ba\s+la\s+una\b",
        r"\ba\s+(?:mediod[ií]a|medianoche)\b",
    ),
    vague_time=pattern(
        r"\b(?:pronto|en\s+breve|lo\s+antes\s+posible|cuanto\s+antes|m[aá]s\s+tarde|pr[oó]ximamente|"
        r"peri[oó]dicamente|regularmente|a\s+lo\s+largo\s+del\s+d[ií]a)\b",
        r"\ben\s+cuanto\s+(?:sepamos|tengamos|podamos)\b",
        r"\bcuando\s+(?:sepamos|tengamos)\s+m[aá]s\b",
    ),
    deadline=pattern(
        r"\b(?:hoy|esta\s+(?:mañana|tarde|noche)|mañana|enseguida|en\s+breve|pronto|en\s+seguida)\b",
        r"\ben\s+(?:unos|pocos|unas|pocas)\s+(?:minutos|horas)\b",
        r"\bantes\s+de\s+(?:las|la\s+una|el\s+mediod[ií]a|que\s+acabe\s+el\s+d[ií]a|esta\s+noche|mañana|"
        r"fin\s+de\s+d[ií]a)\b",
        r"\ba\s+lo\s+largo\s+del\s+d[ií]a\b",
        r"\ben\s+cuesti[oó]n\s+de\s+(?:minutos|horas)\b",
    ),
    data_loss=pattern(
        r"\bdatos\s+perdidos\b",
        r"\bp[eé]rdida\s+de\s+datos\b",
        r"\bse\s+(?:ha|han)\s+perdido\b",
        r"\b(?:sus|los|todos\s+los)\s+(?:datos|documentos|archivos|facturas)\s+(?:est[aá]n|siguen|permanecen)\s+"
        r"(?:a\s+salvo|seguros|intactos)\b",
        r"\bdatos\s+afectados\b",
        r"\bsi\s+(?:hay|se\s+han\s+perdido|se\s+perdieron)\s+datos\b",
        r"\bning[uú]n\s+dato\b",
        r"\b(?:hemos|han)\s+perdido\s+datos\b",
        r"\bse\s+(?:perdi[oó]|perdieron)\b",
        r"\bno\s+se\s+(?:ha|han)\s+(?:perdido|borrado)\b",
        r"\bdatos:\s*(?:ninguno|no|s[ií]|a[uú]n\s+no|se\s+desconoce|desconocido|algunos)\b",
    ),
    guess=pattern(
        r"\b(?:probablemente|posiblemente|seguramente|presumiblemente|en\s+principio|es\s+probable|"
        r"(?:no\s+)?creemos\s+que|parece\s+que|no\s+deber[ií]a(?:n)?|suponemos|esperamos\s+que\s+no|"
        r"todo\s+indica)\b"
    ),
    impact=pattern(
        r"\bno\s+(?:\w+\s+)?(?:puede|pueden|pudo|pudieron|pod[ií]a|pod[ií]an|podr[aá]|podr[aá]n|pueda|puedan|"
        r"se\s+puede|se\s+pod[ií]a|se\s+pueden)\b",
        r"\bpuede\s+que\s+no\b",
        r"\b(?:puede|pueden|podr[ií]a|podr[ií]an)\s+(?:\w+\s+){0,2}?(?:recibir|ver|tener|sufrir|notar|encontrar)\s+"
        r"(?:\w+\s+){0,2}?(?:errores|fallos|retrasos|problemas|lentitud)\b",
        r"\bno\s+(?:funciona|funcionan|funcionaba|funcionaban|carga|cargan|cargaba|cargaban|sincroniza|sincronizan|"
        r"sincronizaban|llega|llegan|lleg[oó]|llegaron|est[aá]\s+disponible|est[aá]n\s+disponibles|estaba\s+disponible|"
        r"estaban\s+disponibles|responde|responden|respond[ií]a|abre|abren|se\s+env[ií]a(?:n|ba|ban)?)\b",
        r"\b(?:con|sufren|sufr[ií]an|tienen|ten[ií]an|reciben|recib[ií]an|recibieron|dan|daban|dieron)\s+"
        r"(?:\w+\s+)?(?:errores|fallos|retrasos|lentitud)\b",
        r"\b(?:se\s+)?(?:retrasa|retrasan|retras[oó]|retrasaron|retrase|retrasen|retrasaban)\b",
        r"\bcon\s+retraso\b",
        r"\bm[aá]s\s+lent[oa]s?\b",
        r"\bva(?:n)?\s+(?:muy\s+)?lent[oa]s?\b",
        r"\b(?:fueron|son|han\s+sido)\s+rechazad[oa]s\b",
        r"\b(?:no\s+disponible|ca[ií]d[oa]|sin\s+servicio|interrumpid[oa]|inaccesible|fuera\s+de\s+servicio)\b",
        r"\b(?:fallan|fallaban|fall[oó]|fallaron|falla)\s+(?:al|en|las|los|la|el|durante|con|para|desde|cuando)\b",
        r"\b(?:aparec[ií]a|aparec[ií]an|aparece|aparecen|sale|sal[ií]a)\s+(?:un\s+)?(?:error|errores|fallo)\b",
        r"\bcon\s+errores\b",
        r"\b(?:errores|fallos|lentitud)\s+al\s+\w+",
        r"\bsin\s+poder\b",
        r"\blent(?:o|a|os|as|itud)\b",
        r"\bdespacio\b",
        r"\btard(?:a|an|aba|aban|[oó]|aron|ando|ar[aá]n?)\b",
        r"\bm[aá]s\s+de\s+lo\s+(?:normal|habitual)\b",
        r"\bcon\s+(?:hasta\s+)?(?:\w+\s+){0,3}?de\s+retraso\b",
    ),
    problem=pattern(
        r"\b(?:problemas?|incidencias?|incidentes?|fallos?|interrupci[oó]n|interrupciones|ca[ií]das?|errores|"
        r"aver[ií]as?|correcci[oó]n|arreglo)\b"
    ),
    blame=pattern(
        r"\berror(?:es)?\s+humanos?\b",
        rf"\berror(?:es)?\s+(?:de|del|de\s+un|de\s+una|de\s+uno\s+de\s+nuestros|de\s+nuestr[oa]s?)\s+(?:\w+\s+)?"
        rf"{_ES_PEOPLE}",
        rf"\b(?:un|una|uno\s+de\s+nuestros|una\s+de\s+nuestras|nuestr[oa]s?|el|la|los|las)\s+{_ES_PEOPLE}\s+"
        r"(?:\w+\s+){0,2}?(?:cometi[oó]|cometieron|se\s+equivoc[oó]|se\s+equivocaron|borr[oó]|borraron|olvid[oó]|"
        r"olvidaron|no\s+(?:revis[oó]|sigui[oó]|comprob[oó]|hizo)|configur[oó]\s+mal|rompi[oó]|provoc[oó]|caus[oó]|"
        r"elimin[oó]|ejecut[oó]|por\s+error|por\s+descuido|sin\s+querer)",
        rf"\b(?:causad[oa]s?|provocad[oa]s?|originad[oa]s?)\s+por\s+(?:el\s+|la\s+|un\s+|una\s+|nuestr[oa]\s+|los\s+|"
        rf"uno\s+de\s+nuestros\s+)?(?:\w+\s+)?{_ES_VENDOR}\b",
        r"\b(?:por\s+culpa\s+de|culpa\s+(?:de|del|suya)|la\s+culpa|es\s+culpa|tiene(?:n)?\s+la\s+culpa|culpables?|"
        r"culpar|culpamos|negligencia|descuido|incompetencia)\b",
        rf"\b{_ES_VENDOR}\s+(?:\w+\s+){{0,6}}?(?:fall[oó]|nos\s+fall[oó]|provoc[oó]|caus[oó]|es\s+(?:el\s+)?responsable|"
        r"fue\s+(?:el\s+)?responsable|tuvo\s+la\s+culpa|cometi[oó]|se\s+equivoc[oó])",
        rf"\b(?:debido\s+a|por)\s+(?:un\s+|una\s+|el\s+|la\s+)?(?:fallo|error|ca[ií]da|problema|incidencia)\s+"
        rf"(?:de|del|en\s+el|en\s+la|en|de\s+nuestro|de\s+la)\s+(?:\w+\s+)?{_ES_VENDOR}\b",
        r"\b(?:el|otro|un|nuestro)\s+equipo\s+(?:de\s+\w+\s+)?(?:\w+\s+)?(?:cometi[oó]|se\s+equivoc[oó]|olvid[oó]|"
        r"no\s+(?:revis[oó]|sigui[oó])|rompi[oó]|provoc[oó]|caus[oó])",
        r"\b(?:un|algunos|ciertos|un\s+solo|unos)\s+clientes?\s+(?:\w+\s+){0,6}?(?:provoc[oó]|provocaron|caus[oó]|"
        r"causaron|sobrecarg[oó]|sobrecargaron|abus[oó]|abusaron|hizo\s+un\s+mal\s+uso|hicieron\s+un\s+mal\s+uso|"
        r"usaron\s+mal|satur[oó]|saturaron|colaps[oó]|colapsaron|tumb[oó]|tumbaron)\b",
        r"\b(?:error|fallo)\s+del\s+(?:usuario|cliente)\b",
        r"\bmal\s+uso\s+(?:del|de\s+los|de\s+las|por\s+parte)\b",
        r"\bno\s+es\s+(?:culpa|responsabilidad)\s+nuestra\b",
    ),
    commitment=pattern(
        rf"\b(?:quedar[aá]n?|estar[aá]n?|ser[aá]n?|volver[aá]n?\s+a\s+estar|va(?:n)?\s+a\s+(?:quedar|estar))\s+"
        rf"(?:\w+\s+)?{_ES_FIXED}\b",
        r"\b(?:volver[aá]n?|va(?:n)?\s+a\s+volver)\s+a\s+funcionar\b",
        r"\b(?:lo\s+|la\s+|los\s+|las\s+)?(?:resolveremos|solucionaremos|arreglaremos|restableceremos|repararemos|"
        r"recuperaremos)\b",
        r"\bhora\s+(?:estimada|prevista)\s+de\s+(?:resoluci[oó]n|soluci[oó]n|recuperaci[oó]n|restablecimiento)\b",
        r"\beta\b",
        r"\bgarantizamos\b",
        r"\bgarantizad[oa]\b",
    ),
    hedged_commitment=pattern(
        rf"\bdeber[ií]a(?:n)?\s+(?:estar|quedar)\s+(?:\w+\s+)?{_ES_FIXED}\b",
        r"\b(?:esperamos|prevemos|contamos\s+con|confiamos\s+en)\s+(?:poder\s+)?(?:resolver|solucionar|restablecer|"
        r"arreglar|recuperar)\w*\b",
        r"\b(?:esperamos|prevemos)\s+que\s+(?:\w+\s+){0,3}?(?:quede|est[eé]|vuelva)\b",
        rf"\bprevisiblemente\s+(?:\w+\s+){{0,2}}?{_ES_FIXED}",
    ),
    never_again=pattern(
        r"\bno\s+(?:volver[aá]|va\s+a\s+volver)\s+a\s+(?:pasar|ocurrir|suceder|repetirse|producirse)\b",
        r"\bnunca\s+(?:m[aá]s\s+)?volver[aá]\s+a\b",
        r"\ble\s+aseguramos\s+que\b",
        r"\bgarantizamos\b",
    ),
    jargon=pattern(
        *_TECH,
        r"\blatencias?\b",
        r"\bbalanceador(?:es)?(?:\s+de\s+carga)?\b",
        r"\br[eé]plicas?\b",
        r"\bcl[uú]ster(?:es)?\b",
        r"\bnodos?\b",
        r"\bdespliegues?\b",
        r"\bdesplegad[oa]s?\b",
        r"\bdesplegamos\b",
        r"\bp[eé]rdida\s+de\s+paquetes\b",
        r"\bfuga\s+de\s+memoria\b",
        r"\btasa\s+de\s+errores\b",
        r"\bconmutaci[oó]n\s+por\s+error\b",
        r"\bbase\s+de\s+datos\s+(?:primaria|secundaria|principal)\b",
        r"\bcolas?\s+de\s+mensajes\b",
    ),
    contact=pattern(
        r"\bescr[ií]b(?:anos|a\s+(?:a|al)|enos)\b",
        r"\bcont[aá]cte(?:nos|\s+con)\b",
        r"\bcontactar\s+con\s+(?:nosotros|soporte)\b",
        r"\bp[oó]ngase\s+en\s+contacto\b",
        r"\bll[aá]menos\b",
        r"\bllame\s+al\b",
        r"\bresponda\s+a\s+este\s+(?:correo|mensaje)\b",
        r"\bcentro\s+de\s+ayuda\b",
        r"\b(?:equipo|servicio|departamento)\s+de\s+(?:soporte|atenci[oó]n)\b",
        r"\batenci[oó]n\s+al\s+cliente\b",
        r"\bsoporte\b",
    ),
    impact_start=pattern(
        r"\b(?:inicio(?:\s+del\s+impacto)?|empez[oó]|comenz[oó]|desde|a\s+partir\s+de|empezando|entre)\b",
    ),
    impact_end=pattern(
        r"\b(?:fin(?:\s+del\s+impacto)?|termin[oó]|acab[oó]|hasta|finaliz[oó])\b",
        r"\b(?:resuelto|restablecido|solucionado)\s+(?:a\s+las|desde)\b",
        r"\bdur[oó]\b",
        r"\bduraci[oó]n\b",
    ),
    actions_taken=pattern(
        r"\bqu[eé]\s+(?:hemos\s+hecho|hicimos)\b",
        r"\bhecho:",
        r"\b(?:hemos|se\s+ha|se\s+han)\s+(?:\w+mente\s+)?(?:restaurado|restablecido|revertido|reiniciado|corregido|"
        r"reparado|sustituido|cambiado|añadido|aumentado|ampliado|aplicado|desplegado|reenviado|reprocesado|"
        r"recuperado|retirado|desactivado|activado|migrado|escalado|actualizado|parcheado|deshecho|bloqueado|"
        r"detenido|contactado|devuelto|liberado|reconstruido|vuelto\s+a)\b",
        r"\b(?:restauramos|restablecimos|revertimos|reiniciamos|corregimos|reparamos|sustituimos|añadimos|"
        r"aumentamos|ampliamos|reenviamos|reprocesamos|recuperamos|retiramos|desactivamos|migramos|deshicimos|"
        r"volvimos\s+a|devolvimos|liberamos)\b",
    ),
    actions_planned=pattern(
        r"\bqu[eé]\s+(?:haremos|vamos\s+a\s+hacer)\b",
        r"\bpara\s+que\s+no\s+(?:se\s+)?(?:repita|vuelva\s+a)\b",
        r"\bpara\s+evitar\b",
        r"\bpr[oó]ximos\s+pasos\b",
        r"\bprevisto:",
        r"\b(?:añadiremos|mejoraremos|revisaremos|cambiaremos|introduciremos|automatizaremos|vigilaremos|"
        r"probaremos|auditaremos|publicaremos|crearemos|reforzaremos|formaremos|ampliaremos|exigiremos|"
        r"documentaremos|implantaremos|implementaremos|separaremos|limitaremos|sustituiremos|actualizaremos|"
        r"retiraremos|pondremos|haremos|ensayaremos|enviaremos|comprobaremos)\b",
        r"\bvamos\s+a\s+(?:añadir|mejorar|revisar|cambiar|introducir|automatizar|publicar|reforzar)\b",
        r"\bestamos\s+(?:añadiendo|mejorando|revisando|cambiando|reforzando)\b",
        r"\b(?:informe\s+del\s+incidente|post-?mortem)\b",
    ),
    root_cause=pattern(
        r"\bcausa\s+ra[ií]z\b",
        r"\bla\s+causa\s+(?:fue|es|ha\s+sido)\b",
        r"\bcausa:",
        r"\b(?:fue|fueron)\s+(?:causad[oa]s?|provocad[oa]s?)\s+por\b",
        r"\bse\s+debi[oó]\s+a\b",
        r"\bocurri[oó]\s+porque\b",
        r"\bpor\s+qu[eé]\s+(?:pas[oó]|ocurri[oó]|sucedi[oó])\b",
        r"\bel\s+origen\s+(?:fue|del\s+problema)\b",
    ),
    timeline=pattern(r"\bcronolog[ií]a\b", r"\bsecuencia\s+de\s+(?:hechos|eventos)\b", r"\bl[ií]nea\s+temporal\b"),
    lessons=pattern(
        r"\baprendizajes?\b",
        r"\blecciones\b",
        r"\bqu[eé]\s+hemos\s+aprendido\b",
        r"\bhemos\s+aprendido\b",
        r"\baprendimos\b",
    ),
    salutation=pattern(
        r"^(?:estimad[oa]s?|hola|buen(?:os|as)\s+(?:d[ií]as|tardes|noches)|querid[oa]s?)\b[^\n.!?]{0,60}[,:!]?\s*$"
    ),
    messages=MappingProxyType(
        {
            "impact-stated": "Diga qué notan ahora los clientes (por ejemplo, «puede que no pueda enviar facturas»): "
            "el borrador no dice cómo les afecta.",
            "data-loss-stated": "Diga si se han perdido datos: sí, no o aún no se sabe ({severity} lo exige).",
            "data-loss-guess": "«{text}» convierte lo que se dice de los datos en una suposición: diga sí, no o aún "
            "no se sabe.",
            "next-update-missing": "Dé la hora de la próxima actualización (por ejemplo, «Próxima actualización: "
            "15:00 CET»).",
            "next-update-vague": "«{text}» no es una hora: dé la hora de la próxima actualización (por ejemplo, "
            "15:00 CET o «en 30 minutos»).",
            "next-update-untimed": "La próxima actualización no tiene hora: dé una (por ejemplo, 15:00 CET o «en 30 "
            "minutos»).",
            "no-blame": "«{text}» señala a alguien: asuma el problema como empresa, sin culpar a personas, clientes, "
            "proveedores ni equipos.",
            "no-blame-person": "«{text}» nombra a una persona del plan: el mensaje habla por la empresa, no de "
            "personas.",
            "no-unsure-commitment": "«{text}» promete una hora de solución o un resultado: diga lo que sabe y cuándo "
            "volverá a informar, salvo que el responsable haya marcado la solución como segura.",
            "never-again": "«{text}» promete lo que nadie puede saber: diga qué va a cambiar.",
            "summary-long": "La primera frase tiene {words} palabras: empiece con un resumen sencillo de {limit} "
            "como máximo.",
            "summary-jargon": "«{text}» es jerga al principio del mensaje: dígalo como lo nota un cliente.",
            "internal-detail": "«{text}» es un detalle interno ({kind}): al cliente no le sirve y da pistas a un "
            "atacante. Quítelo.",
            "contact-given": "Diga dónde pueden preguntar los clientes: una dirección de soporte, un enlace o "
            "«contacte con nosotros».",
            "resolved-missing": "El mensaje de resolución no dice {part}.",
            "postmortem-missing": "El postmortem no incluye {part}.",
            "sms-long": "El SMS tiene {count} caracteres: en un mensaje caben {limit} como máximo.",
            "sms-gsm-parts": " Saldría en {parts} partes de 153.",
            "sms-ucs2": " Sus caracteres {chars} no están en el alfabeto GSM-7, así que se envía en UCS-2 (70 "
            "caracteres por parte, 67 si se divide): {parts} partes.",
            "subject-long": "El {what} tiene {count} caracteres: que tenga menos de {limit}.",
            "subject-lines": "El {what} debe ocupar una sola línea.",
            "subject-empty": "El {what} está vacío.",
        }
    ),
)
ES_TERMS: Final = MappingProxyType(
    {
        "subject": "asunto",
        "title": "título",
        "hostname": "nombre de un servidor interno",
        "ip": "dirección IP",
        "arn": "nombre de un recurso de AWS",
        "account": "id de una cuenta de AWS",
        "stack": "traza de error",
        "query": "texto de una consulta",
        "alarm": "nombre de una alarma interna",
        "start": "cuándo empezó el impacto",
        "end": "cuándo terminó el impacto ni cuánto duró",
        "taken": "qué se hizo",
        "planned": "qué viene ahora (acciones previstas o el informe del incidente)",
        "root_cause": "la causa raíz",
        "timeline": "una cronología",
        "actions_taken": "las acciones realizadas",
        "actions_planned": "las acciones previstas",
        "lessons": "lo aprendido",
    }
)

LANGUAGES: Final = MappingProxyType({"en": (EN, EN_TERMS), "es": (ES, ES_TERMS)})
"""The languages the checks know, by base locale (``es-MX`` uses ``es``)."""
