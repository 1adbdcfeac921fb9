"""What the checks look for in English: :data:`EN` (patterns and messages) and :data:`EN_TERMS` (the labels).

Word lists and regexes kept as data, so every heuristic can be read. Patterns are written with their accents and
folded when compiled (see :mod:`incident_comms.lint.text`), and match case-insensitively unless said otherwise. To
teach a check a phrase, add it here and a draft to ``tests/lint_corpus/`` that needs it.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from incident_comms.lint.text import pattern
from incident_comms.lint.words_shared import TECH, Words

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
    r"working\s+(?:again|normally)|work\s+(?:again|normally)|(?:fully\s+)?operational(?:\s+again)?|available\s+again|"
    r"normal\s+again|sorted(?:\s+out)?|cleared(?:\s+up)?|(?:\w+\s+)?going\s+out\s+again)"
)

_EN_AGENT = (
    rf"(?:{_EN_PEOPLE}|someone|somebody|people|(?:\w+\s+)?teams?|customers?|clients?|users?|companies|businesses|"
    rf"merchants?|tenants?|carriers?|banks?|partners?|registrars?|{_EN_VENDOR})"
)
"""Who can be blamed: people, a team, customers, a vendor."""
_EN_GAP = r"(?:[\s,:]+\S+){0,8}?[\s,:]+"
_EN_WRONGDOING = (
    r"(?:misus\w*|abus\w*|overload\w*|flood\w*|saturat\w*|hammer\w*|overwhelm\w*|spamm\w*|forgot|forgetting|"
    r"skipp\w*|ignor\w*|neglect\w*|failed\s+to|entered\s+(?:the\s+)?wrong|made\s+an?\s+(?:\w+\s+)?(?:mistake|error)|"
    r"mistakenly|accidentally|carelessly|by\s+mistake|let(?:ting)?\s+us\s+down|did\s+not\s+(?:follow|check|"
    r"double-check|test|warn|tell|notify)|didn't\s+(?:follow|check|double-check|test|warn|tell)|without\s+(?:telling|"
    r"warning|notifying|asking|testing|checking)|caused|triggered|broke|messed\s+up|screwed\s+up|'s\s+doing|"
    r"'s\s+fault|at\s+fault|sent\s+(?:too\s+many|millions|thousands|a\s+flood)|sending\s+(?:millions|thousands)|"
    r"crowd\w*\s+(?:\w+\s+){0,2}?out|untested|unapproved|without\s+approval|let\s+(?:\w+\s+){0,2}?(?:lapse|expire|slip)|"
    r"had\s+(?:\w+\s+)?(?:problems|issues|an?\s+outage|trouble)\s+(?:\w+\s+){0,4}?(?:again|once\s+more))"
)
"""What someone did wrong, in the active voice: *skipped a step*, *misusing the bulk upload*, *letting us down*."""

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
        r"\b(?:write|post|report|email|check\s+in|come\s+back|get\s+back|update\s+(?:you|this\s+page))\s+(?:to\s+you\s+|here\s+|with\s+you\s+)?again\b",
        r"\b(?:we\s*(?:will|'ll))\s+(?:write|post|email|report|be\s+in\s+touch|send\s+news)\b",
        r"\bmore\s+(?:info|information|news|details)\s+(?:at|by|in|before)\b",
        r"\b(?:closing|final|next|another|further)\s+(?:update|message|notice|post)\b",
        r"\b(?:we\s*(?:will|'ll|shall)|and\s+will)\s+(?:\w+\s+){0,2}?(?:text|message|write|email|post|report|confirm|contact|publish|be\s+in\s+touch)\b",
        r"\bhear\s+from\s+us\b",
        r"\b(?:last|final|closing)\s+(?:post|update|note|message|notice|word)\b",
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
        r"\b(?:by|before|until)\s+(?:lunch(?:time)?|the\s+afternoon|the\s+morning|close\s+of\s+business|cob|eod)\b",
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
        r"(?:^|\n)\s*(?:customer\s+)?data(?:\s+loss)?\s*:",
        r"\bdata:\s*(?:none|no|yes|not\s+(?:yet\s+)?known|unknown|some)\b",
        r"(?:^|\n)\s*(?:customer\s+)?data(?:\s+loss)?\s*:",
        r"\bnone\s+(?:(?:were|was|have\s+been|has\s+been|got)\s+)?lost\b",
        r"\bnothing\s+(?:\w+\s+){0,4}?(?:has\s+been|have\s+been|was|were|is|got)\s+(?:lost|deleted|changed|corrupted|damaged)\b",
    ),
    data_thing=pattern(
        r"\b(?:data|files?|documents?|records?|invoices?|recordings?|messages?|e-?mails?|transactions?|orders?|"
        r"uploads?|backups?|attachments?|photos?|contacts?|information|content|entries|settings|history|"
        r"work|changes|drafts?|receipts?|reports?|notes|calls?|databases?|payments?|debits?|charges?|collections?)\b"
    ),
    data_state=pattern(
        r"\b(?:lost|loss|lose|losing|deleted|corrupt(?:ed|ion)?|intact|safe|preserved|retained|unaffected|"
        r"at\s+risk|gone|missing|damaged|destroyed|wiped|overwritten|unharmed|untouched|securely\s+stored)\b",
        r"\b(?:recorded|stored|saved|kept|processed)\s+(?:\w+\s+)?(?:correctly|normally|as\s+(?:normal|usual)|safely|securely)\b",
    ),
    unknown=pattern(
        r"\bnot\s+(?:yet\s+)?(?:known|clear|confirmed|determined|certain|verified)\b",
        r"\b(?:unknown|unclear|undetermined|unconfirmed)\b",
        r"\b(?:still|currently|now)\s+(?:\w+\s+)?(?:checking|verifying|investigating|assessing|confirming|reviewing|"
        r"analy[sz]ing|looking\s+into|working\s+out|determining|validating|auditing)\b",
        r"\b(?:do\s+not|don't|cannot|can't|can\s+not)\s+(?:yet\s+)?(?:\w+\s+)?(?:know|confirm|say|tell|rule\s+out)\b",
        r"\b(?:to\s+be\s+(?:confirmed|determined)|tbc|tbd|not\s+yet\s+(?:able|possible))\b",
        r"\b(?:is|are|remains?)\s+(?:still\s+)?(?:under\s+(?:review|investigation)|being\s+(?:checked|verified|"
        r"investigated|assessed|reviewed|confirmed))\b",
        r"\bstill\s+(?:being\s+)?(?:checked|verified|investigated|assessed|reviewed|confirmed|analy[sz]ed)\b",
        r"\b(?:we\s+are|we're)\s+(?:still\s+)?(?:checking|verifying|assessing|confirming|reviewing|validating)\b",
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
    symptom=pattern(
        r"\bfail(?:s|ed|ing)?\b(?!\s*-?over)",
        r"\b(?:unavailable|unreachable|inaccessible|offline|broken|unusable|unresponsive|pending|on\s+hold)\b",
        r"\b(?:is|are|was|were|went|been|being)\s+(?:\w+\s+)?down\b",
        r"\b(?:slow\w*|delay\w*|late|stuck|stall\w*|hang(?:s|ing)?|frozen|freez\w*|laggy|lag(?:s|ging)?)\b",
        r"\b(?:time[ds]?\s+out|timing\s+out)\b",
        r"\btak(?:e|es|ing|en)\s+(?:\w+\s+){0,3}?(?:minutes|hours|longer|too\s+long|ages)\b",
        r"\b(?:cannot|can't|can\s+not|unable|could\s+not|couldn't|not\s+able)\b",
        r"\b(?:not|never|won't|wouldn't|didn't|don't|doesn't|aren't|isn't|weren't|wasn't)\s+(?:\w+\s+)?"
        r"(?:load\w*|work\w*|open\w*|appear\w*|arriv\w*|sync\w*|go(?:ing)?\s+through|show\w*|finish\w*|"
        r"complet\w*|sent|send\w*|deliver\w*|process\w*|generat\w*|import\w*|export\w*|updat\w*|sav\w*|"
        r"submit\w*|upload\w*|download\w*|moving|matched|reach\w*|respond\w*|connect\w*|available)\b",
        r"\b(?:disrupt\w*|interrupt\w*|intermittent\w*|degrad\w*|reject\w*|declin\w*|bounc\w*|duplicat\w*|"
        r"incorrect\w*|wrong(?:ly)?|blank|missing)\b",
        r"\b(?:down|out)\s+(?:since|for|from|between|at)\b",
        r"\bout\s+\d",
        r"\binstead\s+of\b",
        r"\b(?:not|never)\s+(?:yet\s+|been\s+|being\s+)?\w+(?:ed|en)\b",
    ),
    recovery=pattern(
        r"\b\w+(?:ed|ing)\s+(?:\w+\s+){0,3}?again\b",
        r"\b(?:works?|work|available|back|online)\s+(?:\w+\s+){0,2}?again\b",
        r"\b(?:restored|recovered|back\s+to\s+normal|back\s+online|up\s+and\s+running)\b",
        r"\b(?:is|are|was|were)\s+(?:now\s+|fully\s+|all\s+)?back\b",
    ),
    internal_subject=pattern(
        r"\b(?:servers?|databases?|clusters?|nodes?|monitoring|metrics?|alarms?|alerts|infrastructure|back-?end|"
        r"internal|systems?|queues?|jobs?|workers?|hosts?|instances?|containers?|engineers?|error\s+rates?|"
        r"response\s+times?|latenc(?:y|ies)|capacity|dependenc(?:y|ies))\b"
    ),
    customer_subject=pattern(
        r"\b(?:you|your|customers?|clients?|users?|merchants?|shoppers?|accounts?|invoices?|payments?|documents?|"
        r"files?|uploads?|downloads?|log\s*-?in|sign\s*-?in|dashboard|app|website|site|pages?|e-?mails?|"
        r"receipts?|reports?|exports?|imports?|orders?|checkout|cards?|transfers?|statements?|notifications?|"
        r"messages?|api\s+(?:requests?|calls?))\b"
    ),
    problem=pattern(
        r"\b(?:problems?|issues?|incidents?|outages?|disruptions?|errors?|failures?|degradation|faults?|fix(?:es|ed)?)\b",
        r"\blatenc(?:y|ies)\b|\b[1-5]xx\b|\btimeouts?\b",
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
        rf"\b(?:an?|one\s+of\s+our|our|the|their|some|several|a\s+few|a\s+handful\s+of|a\s+small\s+number\s+of|"
        rf"a\s+single|one)\s+(?:\w+\s+){{0,3}}?{_EN_AGENT}\b{_EN_GAP}{_EN_WRONGDOING}\b",
        r"\b\w+'s\s+(?:own\s+)?(?:doing|fault)\b",
        rf"\b(?:caused|triggered|created|started)\s+by{_EN_GAP}{_EN_AGENT}\b",
        rf"\b(?:due\s+to|because\s+of|the\s+result\s+of)\s+(?:\S+\s+){{0,4}}?{_EN_AGENT}\b(?!\s+(?:could|can|were\s+unable|saw|see))",
        rf"\b(?:mistake|error|oversight|slip|fault|negligence|misuse|abuse)\s+(?:by|of|from)\s+(?:\S+\s+){{0,3}}?{_EN_AGENT}\b",
        r"\bfault\s+(?:lies|lay|is|was|rests|rested)\s+(?:\w+\s+)?with\s+(?!us\b|ourselves\b|nubeteca\b)",
        rf"\b{_EN_AGENT}'s\s+(?:\w+\s+){{0,2}}?(?:outage|failure|mistake|error|script|bug|problem|fault|doing|negligence|misconfiguration)\b",
        rf"\b{_EN_WRONGDOING}{_EN_GAP}by\s+(?:the\s+|our\s+|a\s+|an\s+|one\s+of\s+our\s+)?(?:\w+\s+)?{_EN_AGENT}\b",
        r"\bresponsibility\s+(?:\w+\s+){0,4}?(?:lies|lay|rests|rested|is|was)\s+(?:entirely\s+|squarely\s+)?with\s+(?!us\b|ourselves\b|nubeteca\b)",
        rf"\b(?:comes?|came|stems?|stemmed)\s+(?:down\s+)?(?:from|to)\s+(?:\S+\s+){{0,4}}?{_EN_AGENT}\b",
        r"\b(?:someone|somebody)\s+(?:\S+\s+){0,5}?(?:changed|deleted|touched|pushed|ran|made|forgot|deployed|removed|turned\s+off|switched\s+off|broke)\b",
        rf"\b{_EN_AGENT}\s+had\s+(?:\w+\s+)?(?:problems|issues|an?\s+outage|trouble)\s+(?:\S+\s+){{0,6}}?(?:again|once\s+more)\b",
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
        rf"\b(?:we\s*(?:will|'ll)|we\s+are\s+going\s+to)\s+(?:have|get)\s+(?:\w+\s+){{0,3}}?{_EN_FIXED}\b",
        rf"\bexpect(?:s|ing)?\s+(?:\w+\s+){{1,3}}?to\s+be\s+(?:\w+\s+)?{_EN_FIXED}\b",
        rf"\b(?:all|everything|it|this|service|access)\s+(?:\w+\s+)?{_EN_FIXED}\s+(?:by|before|within)\s+(?=\S*\d|noon|midday|tonight|tomorrow|lunch|the\s+end)",
    ),
    hedged_commitment=pattern(
        rf"\b(?:should|ought\s+to|expect\s+to|hope\s+to|aim\s+to|plan\s+to)\s+(?:be\s+)?(?:fully\s+)?{_EN_FIXED}\b",
        r"\b(?:expect|hope|aim|plan)\s+to\s+(?:fix|resolve|restore|repair|solve|recover)\b",
        r"\bexpect\s+to\s+have\s+(?:\w+\s+){0,4}?(?:going|working|running|back|again|sorted|fixed|restored)\b",
        r"\bexpect\s+(?:full|normal|complete)\s+(?:service|recovery|operations?)\b",
    ),
    open_question=pattern(
        r"(?:\b(?:not|no|cannot|unable\s+to)\b|n't\b)[^.;:!?]{0,40}?\b(?:when|whether|if|how\s+long|what\s+time|an?\s+(?:time|eta)\s+for)\s+[^.;:!?]*$",
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
        *TECH,
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
    contact_path=pattern(r"(?:help|support|contact|status|faq|ticket)"),
    impact_start=pattern(
        r"\b(?:impact\s+)?(?:started|start(?:ed)?\s+at|began|beginning|since|from|starting|between)\b"
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
        r"(?m:^\s*(?:\d+[.)]\s*|[-*#]+\s*)?(?:fix(?:es)?(?:\s+applied)?|resolution|mitigation|actions?\s+taken|measures?\s+taken|what\s+we\s+(?:did|changed|fixed)|remediation|immediate\s+actions?)\s*[:.\n-])",
        r"\bwe\s+(?:have\s+|'ve\s+|then\s+|also\s+|quickly\s+|immediately\s+)?(?:(?!(?:learn|realis|realiz|notic|detect|identifi|believ|expect|hop|want|need|apologi[sz]|regrett|plann|fail|tri|continu|start|observ|receiv|ask|decid|investigat|look|discover|wonder|assum)ed\b)[a-z]+ed|put|set|made|took|ran|rebuilt|undid|shut|cut|split|kept|built|sent|brought|began|wrote|found\s+and\s+fixed)\b(?!\s+(?:to|that\s+we))",
        r"\b(?:has|have|was|were)\s+(?:now\s+|since\s+|already\s+|then\s+)?been\s+(?:[a-z]+ed|rebuilt|undone|reset|sent|put\s+back|rerun|re-?run)\b",
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
        r"(?m:^\s*(?:\d+[.)]\s*|[-*#]+\s*)?(?:follow-?ups?|next\s+steps?|what(?:'s|\s+is)\s+next|going\s+forward|prevention|planned(?:\s+actions?)?|actions?\s+planned|what\s+we(?:'re|\s+are|\s+will\s+be)\s+(?:changing|doing)|improvements?|action\s+items?)\s*[:.\n-])",
        r"\bwe\s*(?:will|'ll|are\s+going\s+to|plan\s+to|intend\s+to)\s+(?:also\s+|now\s+|then\s+)?(?!update\s+you|send\s+(?:you\s+)?(?:an?|the|another)\s+update|be\s+back)[a-z]+\b",
        r"\b(?:report|review|write-?up|analysis)\s+(?:will\s+follow|is\s+coming|to\s+follow)\b",
        r"\bwe\s+are\s+(?:now\s+)?(?:adding|improving|reviewing|changing|introducing|automating|building|strengthening|moving|replacing|testing|updating|extending|reworking)\b",
        r"(?m:^\s*actions\s*:)",
    ),
    root_cause=pattern(
        r"\broot\s+cause\b",
        r"\bthe\s+cause\s+(?:was|is)\b",
        r"\b(?:was|were)\s+caused\s+by\b",
        r"\bcause:",
        r"\bhappened\s+because\b",
        r"\bwhy\s+(?:it|this)\s+happened\b",
        r"\bthe\s+(?:problem|issue|incident|outage)\s+(?:was\s+due\s+to|came\s+from|started\s+when)\b",
        r"(?m:^\s*(?:\d+[.)]\s*|[-*#]+\s*)?(?:cause|causes|trigger|origin|why\s+(?:it|this)\s+happened|what\s+(?:happened|went\s+wrong))\s*[:.\n-])",
        r"\b(?:caused|triggered)\s+by\b",
        r"\b(?:because|due\s+to|was\s+the\s+result\s+of|resulted\s+from|stemmed\s+from|came\s+from)\b",
    ),
    timeline=pattern(r"\btimeline\b", r"\bchronology\b", r"\bsequence\s+of\s+events\b"),
    lessons=pattern(
        r"\blessons?\b",
        r"\bwhat\s+we\s+(?:have\s+)?learn(?:ed|t)\b",
        r"\bwe\s+(?:have\s+)?learn(?:ed|t)\b",
        r"\btakeaways?\b",
        r"\blearn(?:ed|t|ings?)\b",
        r"\b(?:what\s+went\s+(?:well|wrong)|we\s+(?:realised|realized|recogni[sz]ed|noticed|saw)\s+that|in\s+hindsight|what\s+we\s+take\s+away|should\s+have|could\s+have|reflections?|conclusions?)\b",
    ),
    salutation=pattern(r"^(?:dear|hello|hi|good\s+(?:morning|afternoon|evening))\b[^\n.!?]{0,60}[,:!]?\s*$"),
    messages=MappingProxyType(
        {
            "impact-stated": 'Say what customers notice now (for example "you may be unable to send invoices"): '
            "the draft does not say how customers are affected.",
            "data-loss-stated": "Say whether data was lost: yes, no or not yet known ({severity} requires it).",
            "data-loss-unsettled": '"{text}": once resolved, say whether data was lost (yes or no), or what is lost '
            "and what customers should do; not that it is still unknown.",
            "language-matches": "This sentence reads as {language}: write every sentence in the draft's language.",
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
            "sms-long": "The SMS is {count} characters long: it goes as {parts} billed parts (one part holds {limit}).",
            "sms-ucs2": " Its {chars} are not in the GSM-7 alphabet, so it goes as UCS-2 (70 characters in one "
            "part, 67 per part when split): write it without them to fit 160.",
            "sms-over-max": " The channel allows at most {max_parts}.",
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
        "language-en": "English",
        "language-es": "Spanish",
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
