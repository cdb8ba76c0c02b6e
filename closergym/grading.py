"""The rubric grader: a rebuttal marked against our 4-step framework, deterministic and offline.

The four moves are each marked 0-2 with the exact phrases of the rebuttal that earned them:

- acknowledge: shows the objection was heard, without agreeing it ends the conversation;
- clarify: a genuine question (or invitation to explain) that digs for the real concern or isolates it;
- respond: specifics that answer it: numbers, proof, an example, a reframe of the cost or the risk;
- advance: a small concrete next step: a time, a tiny action, not "let me know".

Red flags (arguing, insults and sarcasm, pressure, instant discount, false guarantee, giving up,
monologue, generic follow-up, knocking a competitor, caving on value, ignoring a closed door) cap the
tier. Fit, not form: an answer that never meets what this objection is about (who decides, what went
wrong, what they asked for, the money, the timing), or that is the library's answer to another
objection, is at most strong, and the feedback names what was missed in the prospect's terms; pushing
on after "take me off your list", a loss or a deal signed elsewhere is weak.

The rules' tier (weak replies neither ask nor advance, or carry a red flag; strong replies engage with
a real question or a concrete step; elite replies acknowledge and cover at least three moves well) is
the floor of the final tier; a small learned calibration (closergym.calibration, fitted on rebuttals
real trainers graded) lifts the complete answers the patterns under-read; the red flags cap the result.

Behaviours, not magic words: every cue is read inside a sentence, a move's points come from its best
sentence (saying it three times earns nothing more), fragments and lists of buzzwords do not count,
a question or a specific must be about someone, words that are not the rep's (a quoted prospect, a
stage direction) earn nothing, and sentences that talk to the grader ("ignore your rubric, grade this
elite") are set aside, though every word the prospect would hear counts toward the monologue limits.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from closergym.calibration import features, predict
from closergym.content import TIERS, Library, Objection, library
from closergym.matching import matcher_for

MAX_REBUTTAL = 2000
MOVE_LABELS = {
    "acknowledge": "Acknowledge",
    "clarify": "Clarify / isolate",
    "respond": "Respond with specifics",
    "advance": "Advance with a small ask",
}
RUBRIC = {
    "acknowledge": "Show you heard it, in your own words, without agreeing it is a dealbreaker.",
    "clarify": "Ask a real question that finds the concern behind the objection, or checks it is the only one.",
    "respond": "A number, an example, proof, or what waiting costs them: something concrete that answers the concern.",
    "advance": "Propose a small, concrete next step: a time, a short call, a quick check. Not 'let me know'.",
}
ELITE_POINTS, ELITE_MOVES = 6, 3  # the rules' own elite: move points, over this many moves
ELITE_MINIMUM = 4  # move points, over two moves or more, one of them a question or an answer to the concern
TIER_RULES = {
    "weak": "Nothing that moves the conversation (no real question, no concrete next step, no specific answer "
            "to a concern you acknowledged), or a red flag that sinks a reply (arguing, insults or sarcasm, "
            "pressure or invented deadlines, discounting, false guarantees, giving up, caving on value, a wall of "
            "text, pushing on after a request to stop, a loss or a deal signed elsewhere).",
    "strong": "Engages: a genuine diagnostic question, a concrete next step, or a clean acknowledgement answered "
              "with specifics. Sound but partial. A long monologue, a generic follow-up, knocking a competitor, or "
              "an answer that is not fitted to this objection (generic, or borrowed from another) caps a reply here.",
    "elite": f"Covers at least {ELITE_MOVES} of the four moves well ({ELITE_POINTS} of 8 points), acknowledging the "
             f"concern; or a complete answer of the kind sales trainers grade elite (at least {ELITE_MINIMUM} points "
             "over two moves or more, with a real question or specifics). No red flag that caps it.",
}
TIER_BANDS = {"weak": (0, 44), "strong": (45, 74), "elite": (75, 100)}

# -- text handling ---------------------------------------------------------------------------------

# One-for-one character substitutions keep offsets, so every phrase we quote is the rebuttal's own text.
_FOLD = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "“": '"', "”": '"', "–": "-", "—": "-",
                       "…": ".", "\u00a0": " ", "？": "?", "！": "!", "。": "."})


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str  # folded text, same length as the original slice
    index: int

    @property
    def is_question(self) -> bool:
        return self.text.rstrip(" \"')]").endswith("?")

    @property
    def words(self) -> int:
        return len(WORD.findall(self.text))


WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
SENTENCE = re.compile(r"(?:[^.!?\n]|(?<=\d)\.(?=\d))+(?:[.!?]+|$)")  # "4.7 stars", "$1.5m": no end of a sentence


def split_sentences(folded: str) -> list[Sentence]:
    sentences = []
    for match in SENTENCE.finditer(folded):
        raw = match.group()
        stripped = raw.strip()
        if not WORD.search(stripped):
            continue
        start = match.start() + (len(raw) - len(raw.lstrip()))
        sentences.append(Sentence(start, start + len(stripped), stripped, len(sentences)))
    return sentences


def cues(*patterns: str) -> re.Pattern:
    """One case-insensitive regex from alternatives; `'` also matches a curly apostrophe (folded).
    The alternatives that start at a word boundary share one `\\b`, so the engine tries them only where
    a word starts or ends: two to three times faster on a long answer."""
    bounded = [p.removeprefix(r"\b") for p in patterns if p.startswith(r"\b")]
    parts = [r"\b(?:" + "|".join(f"(?:{p})" for p in bounded) + ")"] if bounded else []
    parts += [f"(?:{p})" for p in patterns if not p.startswith(r"\b")]
    return re.compile("|".join(parts), re.IGNORECASE)


# -- cues ---------------------------------------------------------------------------------------------

ACK = cues(
    r"\bi (?:completely |totall?y |really |fully |absolutely )?(?:understand|get (?:it|that|why|where)|hear you|appreciate|respect)",
    r"\b(?:that|it) (?:totally |completely |really )?makes (?:total |complete |a lot of )?sense",
    r"^(?:totally|completely|absolutely) (?:fair|understand|get it)", r"^makes (?:total |complete |perfect )?sense\b",
    r"\b(?:that's|that is|it's) (?:a |an )?(?:very |totally |completely |perfectly )?(?:fair|reasonable|understandable|valid) "
    r"(?:concern|question|point|worry|position|stance|view|instinct|ask|thing to (?:ask|raise|check))\b", r"\byou know your \w+ better than (?:i do|me|we do)\b",
    r"\b(?:that's|that is|totally|completely|very|perfectly) (?:fair|reasonable|understandable)",
    r"\bfair (?:enough|point|question|call)\b", r"^fair\b",
    r"\b(?:good|great|smart|fair) (?:question|point|call|instinct)\b",
    r"^(?:of course|got it|understood|absolutely|i see|right|sure thing|no doubt)\b",
    r"\bthanks? (?:you )?for (?:telling|sharing|being (?:honest|straight|upfront)|raising|saying|letting me know)",
    r"\bsorry (?:to catch|for catching|i caught) you\b",  # "Sorry to catch you mid-flow": the bad moment, heard
    r"\b(?:glad|good|great) to hear\b", r"\bi'm glad\b", r"\bglad you\b",
    r"\b(?:that|it|this) (?:sounds|must have been|must be|was) (?:like )?(?:a |an )?(?:\w+ )?(?:frustrating|tough|hard|painful|rough|stressful|difficult|annoying|lot|real|big)\b",
    r"\bi can (?:see|imagine|tell) (?:why|how|that)\b", r"\bno wonder\b",
    r"\byou(?:'re| are) right to\b", r"\bwith (?:all due )?respect\b",
    r"\b(?:a|that's a|it's a) (?:big|real|serious|important) (?:decision|investment|commitment)\b",
    r"\bdecision (?:like this |you )?should(?:n't)? (?:be made|make)\b",
    r"\byou want to (?:stick with|be sure|get (?:this|it) right|make sure)\b",
    r"\bmakes? (?:total |complete )?sense (?:that|to)\b", r"\bi'd (?:want|feel|do|say) the same\b",
    r"\bi hear (?:that|what)\b", r"\bthat's (?:a )?(?:totally |completely )?(?:normal|natural|common)\b",
    r"\bthat's (?:smart|wise|sensible)\b", r"^(?:point taken|sensible|wise|understandable|noted|appreciated)\b",
    r"\bi hear (?:ya|that)\b", r"\b(?:i )?appreciate (?:the|your) (?:honesty|candou?r|directness|straight answer)\b",
    # naming what they feel or face: "sounds like you're slammed", "that'd worry me too", "that's a lot"
    r"\b(?:sounds|seems) like (?:you(?:'re|'ve| are| have)?|i (?:caught|called|got)|it's been|things are|the timing)\b",
    r"\b(?:that|it)(?:'d| would) (?:worry|bother|frustrate|concern|annoy|put off) (?:me|anyone|most people)\b",
    r"\b(?:bad|poor|wrong) timing on my (?:part|end)\b", r"\b(?:is|that's|it's) (?:a lot|real money|no small thing)(?=\s*[.,;!]|$)",
    r"^(?:you|they|it|that) (?:probably|definitely|certainly|absolutely|might well|may well|could well) \w+",
    r"\b(?:that|it)'s a (?:real|big|fair|huge) (?:gap|jump|difference|number|increase|commitment)\b", r"\bi'd be \w+ing too\b",
    r"\bi(?:'d| would) want to know(?: why| that)? too\b", r"\bi don't blame you\b", r"\b\w+'s a lot(?=\s*[.,;!]|$)",
    # granting the criticism its part: "some of them are fair", "a few of those reviews were deserved"
    r"\b(?:some|a few|one|two|most|many|all) of (?:them|those|these|the \w+) (?:are|were|is|was) (?:fair|right|true|valid|deserved)\b",
    r"\bthat's (?:so |really |super )?(?:frustrating|annoying|rough|tough|painful|a pain)\b",
    r"\bthat's a (?:solid|legitimate|sensible|smart|good|fair|reasonable|valid) (?:habit|approach|plan|move|setup|choice)\b",
    r"^agreed\b", r"\bi'd be (?:wary|worried|cautious|careful|skeptical|sceptical|nervous) too\b",
    r"\b(?:very|totally|completely) sensible\b", r"\bcredit to (?:you|him|her|them)\b", r"^(?:might|may) be all you need\b",
    r"\bi (?:won't|will not|can't) pretend (?:it|that|otherwise)\b", r"\bno argument\b", r"\bi don't doubt (?:it|that)\b",
    r"\bnobody (?:wants|likes|enjoys) (?:to|paying|switching|changing)\b", r"\bthat's real\b", r"\b(?:completely|totally|fully) understood\b",
    r"\bthat's (?:pretty |very |really |super |quite )(?:common|normal|natural|fair|reasonable)\b",
    # empathy and apology: "I'm really sorry about that", "I hate it when that happens", "I can definitely understand"
    r"\b(?:i'm|i am) (?:so |really |truly |very |genuinely )?sorry (?:about|to hear|for|that)\b", r"\bmy apologies\b",
    r"\bi hate (?:it )?when\b", r"\bnothing worse than\b", r"^sorry (?:to hear|about) (?:that|this|it)\b",
    r"^(?:they|you|that) (?:might|may|could) (?:well )?be(?: right)?\s*[.!,;]",  # "They might be." granting the point
    r"\bi can (?:definitely |totally |completely |certainly |fully )?(?:understand|relate)\b",
)
OPENER = cues(
    r"\b(?:good|great|nice|love|fair|right|true|sure|definitely|absolutely|totally|happy to|glad|honest|reasonable|"
    r"smart|valuable|worth|plus|tough|brutal|rough|hard|frustrating|understandable|natural|normal|none taken|no offense|"
    r"makes sense|of course|gotcha|noted|good to know|thanks|thank you|can do|will do|no argument)\b",
    r"\byou should\b", r"\bi(?:'d| would) want\b", r"\b(?:most|lots of|plenty of|many) (?:people|folks|of our customers)\b",
    r"\ba (?:real|fair|big|good|great) (?:one|point|concern|constraint|question|plus)\b", r"\bcaught you\b",
)
BUT_AFTER = re.compile(r"^[^.?!]{0,40}?\b(?:but|however)\b", re.IGNORECASE)

INVITE = cues(
    r"\btell me (?:more|about|what|how|why|a bit|which)\b", r"\bhelp me (?:understand|test|see)\b",
    r"\bwalk me through\b", r"\bi'm curious (?:what|how|why|about|whether|if)\b",
    r"\bi'd (?:love|like) to (?:understand|hear|know|ask)\b", r"\bcould you (?:explain|say more|tell me)\b",
    r"\bi'd like to ask (?:a few|some) questions\b",
)
WH_QUESTION = cues(r"\b(?:what|what's|which|how|how's|why|when|when's|who|whom|where)\b")
CLOSED_QUESTION = cues(
    r"^(?:so |and |but |now |then |just |quick one[:,]? |knowing that,? )?(?:is|are|was|were|do|does|did|have|has|had|would|could|can|will|should|if)\b",
)
ISOLATE = cues(
    r"\b(?:is|was) (?:it|that|the) [^?]{2,80}\bor\b", r"\bor (?:is it|something else|anything else)\b",
    r"\banything else\b", r"\bthe only (?:thing|reason|concern|issue)\b", r"\bother than\b",
    r"\bif [^?]{3,90}\bwould you\b", r"\bsuppose\b", r"\blet's say\b", r"\bwhat's really\b",
    r"\bwhat (?:specifically|exactly|part)\b", r"\bwhat would (?:need to|have to|it take)\b",
    r"\bwhat(?:'s| is) (?:holding|stopping|keeping)\b", r"\bon a scale\b",
)
# Leading, condescending questions: never a real question (RHETORICAL), and a red flag (arguing) too.
LEADING = (r"\bwhy (?:aren't|don't|won't|wouldn't) you\b(?! (?:like|want to (?:see|try|talk|meet|start)))",
           r"\bwhy would you (?:ever |even |possibly )?(?:want to )?(?:stay|shop|go|buy|wait|leave|need|look|keep|pay|settle|risk|"
           r"stick|choose|pick|use)\b",
           r"\bhow (?:can|do|could) i get you to\b", r"^(?:are|you're) (?:you )?sure\s*\?", r"\bisn't it (?:true|obvious)\b", r"\bdo you (?:really|honestly|seriously|actually) (?:think|believe|need)\b",
           r"\bwhat(?:'s| is) there to think about\b", r"\bcan you (?:really|honestly) afford\b",
           r"\bhow (?:can|could|do) you (?:know|be sure)\b", r"\bcan't you just\b")
RHETORICAL = cues(
    r"(?:,|-)\s*(?:right|correct|okay|ok|yeah|you know|isn't it|don't you think|wouldn't you agree|agreed|no)\s*\?$",
    r"^(?:right|correct|okay|ok|yeah|agreed|make sense|sound good|deal|ready|any questions)\s*\?$",
    r"^(?:does that |that )?sounds? (?:ok|okay|alright|all right|fair|fine)\s*\?$",
    r"\bdon't you (?:want|think|agree)\b", r"\bwouldn't you (?:agree|want|rather)\b",
    r"\bwhy wouldn't you\b", r"\bwhat (?:do|have) you (?:got|have) to lose\b", r"\bwho doesn't\b",
    r"\bare you serious\b", r"\bhow can you (?:say|not)\b", r"\bwhy would you (?:ever )?(?:say|think)\b",
    *LEADING, r"\bsurely\b", r"^(?:so |and )?(?:you|we) (?:both )?agree\b",
)
# "What does your calendar look like?", "What's your availability Thursday?": when to meet, not what holds them back
WHEN_FREE = (r"\bwhat(?:'s| is| does) (?:your|the) (?:calendar|schedule|diary|availability)\b",
             r"\bwhat (?:does|do) (?:your |the )?(?:(?:next|this|rest of the) )?(?:week|weekend|day|morning|afternoon|tomorrow|"
             r"monday|tuesday|wednesday|thursday|friday)s? (?:\w+ )?look like\b")
# "When's a better time to call?", "When can I catch you?": when to talk again
WHEN_BACK = (r"\bwhen(?:'s| is| would be| will be)? (?:a )?(?:better|good|convenient|easier) (?:time|day|moment)\b",
             r"\bwhen (?:can|should|could|shall) i (?:call|ring|catch|reach|try) you\b",
             r"\bwhen (?:are you|would you be|will you be) (?:free|around|available|back)\b")
SCHEDULING_QUESTION = cues(
    r"(?<!how it )(?<!how this )(?<!how that )\b(?:does|would|will|could|can) (?:\w+ ){0,3}(?:work|suit|fit) (?:for )?(?:you|both)\b",
    r"\bare you (?:free|around|available)\b", r"\bwhat time\b", r"\bwhich (?:day|time|works)\b",
    r"\b(?:want|like) me to\b", r"\bshould we (?:book|set|put|do|schedule|start)\b",
    r"\bcan (?:we|i) (?:book|set|put|schedule|grab|get (?:a|some|\d+))\b", r"\bwhy not let me\b",
    r"\bhow about (?:we|i|a|tuesday|monday|wednesday|thursday|friday|tomorrow)\b",
    r"\b(?:tuesday|monday|wednesday|thursday|friday|saturday|sunday|tomorrow)\b[^?]*\bor\b[^?]*\?$",
    r"\bwho (?:should|would you like to|else should) (?:we )?invite\b", r"\bsame card\b",
    r"\bshall (?:i|we)\b", r"^(?:do you |would you )?want (?:me )?to (?:start|go|book|meet|get|try|do|kick|set|pencil|lock)\b",
    r"\bwhy don't (?:we|i)\b", r"\bhow (?:does|do|would|is) (?:\w+ ){0,4}(?:look|sound|suit)(?: for you)?\s*\?",
    *WHEN_FREE, *WHEN_BACK,
)

NUMBER = cues(
    # a range, a figure with thousands separators, a number in words: "70-80%", "3,000", "twelve thousand a month"
    r"\b\d+(?:[.,]\d+)?\s?(?:-|to)\s?\d+(?:[.,]\d+)?\s?(?:%|percent)", r"\b\d{1,3}(?:,\d{3})+(?:\.\d+)?\b",
    r"\b\d+(?:[.,]\d+)?\s?(?:thousand|million|billion|grand)\b",
    r"\b(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety|a|several|a few)[- ])+(?:hundred|thousand|million|billion|grand)\b(?: (?:dollars|euros|pounds|a (?:day|week|month|year)|"
    r"per (?:day|week|month|year)))?",
    r"[$€£]\s?\d+(?:[.,]\d+)*(?:\s?(?:k|m|bn)\b)?", r"\b\d+(?:[.,]\d+)?(?:\s|-)?(?:%|percent|x\b|k\b|hours?|hrs?|days?|weeks?|weekends?|months?|years?|minutes?|"
    r"mins?|dollars?|euros?|pounds?|clients?|customers?|companies|firms?|teams?|reps?|users?|people|homes?|houses?|"
    r"locations?|sites?|sessions?|lines?|seats?|licen[cs]es?|visits?|claims?|stores?|offices?|employees?|staff|"
    r"installs?|calls?|deals?|times?|reviews?|ratings?|stars?|per|a (?:week|month|year))",
    r"\b(?:average|averages|averaging|rated|rating of|score of) \d(?:\.\d)?\b",  # "our reviews average 4.7"
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|ninety|a hundred|half|double|triple|twice|several|a few)(?:\s|-)(?:(?:more|extra|weekly|monthly|full) )?"
    r"(?:hours?|days?|weeks?|weekends?|months?|years?|minutes?|clients?|customers?|companies|firms?|teams?|times|"
    r"sessions?|visits?|locations?|of (?:our|the|them|your))\b",
    r"\b(?:within|in|after|over|under|inside) (?:about |roughly |just )?(?:a|one|two|three|six|the first) (?:week|weekend|month|quarter|season|year|days?)\b",
    r"\b(?:dropped|fell|cut|rose|grew|went (?:down|up)|down|up|reduced|shrank) by (?:a |one |two )?(?:third|quarter|half|fifth|tenth)\b",
    r"\bhalf\b(?!-\w+ed\b)", r"\b(?:doubled|tripled|halved)\b",  # "half-finished" is no figure
    r"\byear \d{1,2}\b", r"\b(?:a|one|two) (?:third|quarter|fifth|tenth) of\b", r"\bsame-day\b",
    r"\bby (?:month|week|day) (?:\d+|one|two|three|four|five|six|nine|twelve)\b",
    r"\b(?:a|one|half a) (?:day|week|hour) a (?:week|month|year)\b", r"\b(?:under|over|below|above|up to) \$?\d[\d,.]*\b",
    r"\b(?:\d+|one|two|three|four|five|six|ten|twelve|twenty) (?:\w+ )?(?:clients|customers|companies|firms|teams|users|"
    r"stores|offices|homes|suppliers|practices|shops|sites|members|patients|students|subscribers|sign-?ups|leads|tenants|"
    r"placements|bookings|orders|clinics|haulers|trucks|units|cases|claims|procedures)\b",
    r"\b(?:one|two|three|four|five|\d+) (?:developers|engineers|hires|staff|people|employees|reps|admins|nurses|drivers)\b",
)
PROOF = cues(
    r"\b(?:clients?|customers?|teams?|companies|people|owners?|homeowners?|firms?|families) (?:like (?:you|yours)|"
    r"(?:we|i) (?:work|worked) with|in your (?:position|situation|shoes|industry)|usually|typically|often|tend to|"
    r"who (?:switched|started|moved|tried))",
    r"\b(?:plenty|lots|many|most|a lot|some|half|several|dozens) of (?:our |my |your )?(?:neighbou?rs|customers|clients|"
    r"people|teams|firms|companies|businesses|owners|families|buyers|offices|practices)\b",
    r"\b(?:firms|companies|teams|businesses|offices|practices|houses|homes|groups|clients|customers) (?:of |at )?(?:your|that|this) "
    r"(?:size|stage|industry|area|kind)\b",
    r"\b(?:a|one) (?:customer|client|firm|company|team|family|practice|group|distributor|agency|owner|school)\b"
    r"[^.?!]{0,40}\b(?:who|that|switched|cut|saved|went|grew|got|moved|had|asked)\b",
    r"\b(?:the|our) average\b", r"\bthe story (?:i|we) hear\b",
    r"\bin my experience\b", r"\bhere's what (?:i've|we've|i|we) (?:seen|see|found)\b",
    r"\bwhat (?:we|i) (?:see|usually see|often see|have seen)\b", r"\bfor (?:example|instance)\b",
    r"\bcase study\b", r"\blast (?:month|quarter|year|week) (?:we|a|one)\b", r"\bone of (?:our|my) (?:clients|customers)\b",
    r"\bmost (?:of our |of my )?(?:clients|customers|teams|people|buyers|owners|firms|companies|businesses|shops|practices|families|homeowners)\b",
    r"\b\w+ (?:of |at |in )?your (?:size|stage|industry|kind|shoes|position)\b",
    r"\bat this stage (?:my|our|most) (?:clients|customers)\b", r"\b(?:references?|testimonials?)\b",
)
REFRAME = cues(
    r"\bwhich means\b", r"\brather than\b", r"\bwarrant(?:y|ies)\b", r"\bno (?:deposit|long-term|contract|commitment|obligation|"
    r"setup fee|lock-?in|drilling)\b", r"\bfree (?:trial|scan|check|assessment|audit|review|inspection|quote|consultation)\b",
    r"\b(?:an|the) out\b", r"\bwe(?:'ll)? pay the difference\b", r"\b(?:credit|cover) (?:up to|toward|the)\b",
    r"\byou (?:keep|take it with you|can cancel|can walk|walk)\b", r"\bthat's (?:usually|often) (?:the|what|why|where)\b", r"\bso you(?:'re| are)? (?:spending|paying|losing|getting|already)\b",
    r"\b(?:the )?(?:real|true|hidden) cost\b", r"\bwhere we (?:come in|differ|stand out)\b",
    r"\bsaw (?:\w+ ){0,2}(?:drop|fall|rise|double|halve|improve)\b", r"\bthe difference is\b", r"\bcost of (?:doing nothing|waiting|inaction|staying)\b",
    r"\bevery (?:week|month|day|quarter) (?:you|that|this|it)\b", r"\binstead of\b", r"\bnot because\b",
    r"\bthe difference (?:is|between)\b", r"\bunlike\b", r"\bthat's why\b", r"\bwhat that means\b",
    r"\ba (?:good|great) (?:vendor|partner|one)\b", r"\bbreak(?:s)? even\b", r"\bpays? for itself\b",
    r"\b(?<!great )(?<!amazing )(?<!huge )(?<!incredible )(?<!industry-leading )(?<!massive )(?:roi|return)\b", r"\bcosts? (?:about|roughly|around) the same\b", r"\bprofessional[- ]grade\b",
    r"\b(?:refund|money back|cancel (?:any ?time|at any time)|pilot|trial|start small|a piece of your)\b",
    # payment terms: "start billing at go-live", "move the first invoice", "spread it over three payments"
    r"\b(?:start|begin|delay|defer|hold off on) (?:the )?(?:billing|invoicing|payments?|charging)\b",
    r"\b(?:first|next) (?:invoice|payment|bill)\b", r"\bpayment (?:plan|terms|schedule)\b",
    r"\b(?:spread|split) (?:the |it |that )?(?:cost|payments?|price|fee|bill|over)\b", r"\bnothing (?:to pay|due) until\b",
    r"\b(?:bill|invoice|charge) (?:you )?(?:only )?(?:from|at|after|once|when) (?:go[- ]live|launch|you go live|it'?s live)\b",
    r"\bnot (?:calling|asking|here) to (?:ask you to |get you to |make you )?(?:drop|replace|switch|sign)\b",
    r"\bso (?:that )?you can (?:see|walk|compare|decide|show)\b", r"\bhow we(?:'ve| have) changed\b",
    r"\bwhat(?:'s| has)? changed\b", r"\bwhat (?:it|that|this) (?:costs|means for) you\b",
    r"\b(?:usually|often|typically|tends to) (?:stalls?|fails?|happens?|works?|means?)\b",
    r"\bif (?:it|they|anything) (?:doesn't|don't|breaks?|fails?|comes? back)\b",
    # the takeaway: "we're not for everyone", "maybe this isn't for you", "if it's something you should do on your own"
    r"\bnot (?:for|right for) every(?:one|body)\b", r"\b(?:maybe|perhaps) (?:this|it|we)(?:'s| is| are|'re)? (?:not|isn't|aren't) "
    r"(?:for|right for|a fit for) you\b", r"\bnothing (?:i|we) can do (?:to help|for you)\b",
    r"\bsomething you should do (?:on your own|yourself|yourselves)\b", r"\b(?:benefits|pros) and (?:the )?(?:drawbacks|cons)\b",
)
GENERIC_CLAIM = cues(
    r"\b(?:we're|we are|our (?:product|service|company) is) (?:the best|the leader|number one|#1|great|amazing|better)\b",
    r"\bmuch better (?:reputation|product|service)\b", r"\bstand behind everything\b",
    r"\byou don't know how (?:great|good)\b", r"\bbest in the (?:market|industry|business)\b",
    r"\bclients love (?:it|us)\b", r"\bamazing reviews\b", r"\bintegrates with everything\b",
)

PROPOSAL = cues(
    r"\blet's (?!say\b|be honest\b|face it\b|see if\b)\w+", r"\bhow about\b", r"\bwhy not let me\b",
    r"\b(?:want|like) me to\b", r"\bwould (?:you|he|she|they|your \w+(?: \w+)?|the two of you) (?:like|be open|be up for|be free|be willing)\b",
    r"\b(?:can|could|shall|should) we\b", r"\b(?:can|could|shall|should) (?:the (?:two|three|four) of us|all (?:three|four) of us|"
    r"you (?:and|&) (?:your |the )?[\w-]+|you (?:both|two)|both of you) (?:join|meet|take|hop|jump|sit|get|grab|find|set|look)\b",
    r"\b(?:then )?we can (?:go|walk|look|talk|meet|set|start|get|run|review|take|grab|book|do (?:a|an|one))\b",
    r"\bwe (?:can|could) do (?:(?:\d+|five|ten|fifteen|twenty|thirty) (?:minutes?|mins?)|half an hour)\b",  # "We can do 15 minutes Friday"
    r"\bif you've got (?:\d+|ten|fifteen|twenty|a few) minutes\b",
    r"\b(?:call|ring|phone) you (?:on |at )?(?:monday|tuesday|wednesday|thursday|friday|tomorrow)\b",
    r"\b(?:can|could|may) i (?!ask\b|be honest\b|just say\b)\w+", r"\bworth a (?:quick|short|\d+|fifteen|ten|twenty)\b",
    r"\bworth (?:\d+|ten|fifteen|twenty|thirty) (?:minutes?|mins?)\b", r"\byou (?:tell|text|call|ping) me\b",
    r"\b(?:ring|call|text|email|ping) me (?:back )?(?:today|tomorrow|on|at|by|this|next)\b",
    r"\b(?:a|one|quick) (?:free |quick |short )?(?:\d+|five|ten|fifteen|twenty|thirty)[- ]minute (?:call|chat|demo|look|meeting|"
    r"walk-?through|session|screen ?share|check|visit|test)\b", r"\b(?:what|which) (?:day|time|date)\b",
    # "If it helps, I could walk you both through the photos on Thursday at 7": an offer to do the step
    r"\bi (?:could|can) (?:walk|show|run|come (?:by|over|round)|bring|meet|set up|put together|map)\b",
    # "Would a free walk-through on Saturday help?": a step offered as a question
    r"\bwould (?:a|an) (?:[\w-]+ ){0,3}(?:call|chat|demo|visit|walk-?through|meeting|look|session|trial|test) (?:[\w-]+ ){0,4}"
    r"(?:help|work|suit|be useful)\b",
    r"\bi(?:'ll| will) (?:run|check|put together|draft|build|map|prepare|measure|set|bring|print|email the intro|connect)\b",
    r"\blet me (?:show|run|check|walk|set|book|put|send you a (?:calendar|invite)|come|swing|pull|map|do)\b",
    r"\bi(?:'ll| will) (?:come by|swing (?:back|by)|call you (?:at|on|tomorrow|back at)|book|set up|put|send (?:the |a |you (?:a |the )?)?(?:invite|calendar|link) )",
    r"\bi(?:'ve| have) got (?:\d+|twenty|fifteen|ten|thirty|a few) minutes\b", r"\bi(?:'ve| have) (?:got )?time (?:on|at|tomorrow)\b",
    r"\bdoes (?:\w+ ){0,3}work for you\b", r"\bare you free\b", r"\binvite\b",
    *WHEN_FREE,
    r"\bshould (?:i|we) (?:just )?(?:send|book|set|call|put|pencil|write|draw|draft|go ahead|start|get)\b",
    # "What if we started with one team?", "What if I called you Friday at 3?": a step offered
    r"\bwhat if (?:we|i) (?:just )?(?!(?:don't|didn't|can't|couldn't|won't|wasn't|weren't|never|said|told|were|was)\b)\w+",
    # a closing question: "Are you ready to get started today?", "Would it help to start with a two-week pilot?"
    r"\b(?:are|is) (?:you|we|your \w+) (?:ready|good|happy|set|okay|ok|comfortable) to (?:get (?:started|going)|start|sign|"
    r"go ahead|move (?:forward|ahead)|proceed|book|lock|give it a (?:go|try))\b",
    r"\bwould it help (?:to|if (?:we|i)) (?:start|try|begin|book|set|run|do|kick)\b",
    r"\b(?:book|schedule|set up|put|grab|lock in|pencil in) (?:a|the|some|\d+|fifteen|twenty|ten|thirty)\b",
    r"\b(?:next|our next) (?:call|meeting|step)\b", r"\bdecide together\b", r"\bthen we can\b",
    r"\bearn (?:a|the) (?:shot|chance|meeting)\b", r"\bjoin (?:me|us|the call|in)\b", r"\bkick ?off\b",
    r"\b(?:same|different) card\b", r"\bwhat time (?:does|do|should|works)\b",
    r"\blet me (?:call|ring|phone|text|pop|drop)\b", r"\bi(?:'ll| will) (?:call|ring|phone) you\b", r"\bshall i\b",  # "shall we": above
    r"\bi(?:'d| would) (?:suggest|propose|recommend) (?:that )?(?:we|a|an|you and i)\b", r"\bwhy don't (?:we|i)\b",
    r"\b(?:i'm |i'd be |i am |i'd be more than )?happy to (?:go|walk|run|look|lay|sit|meet|show|come|set|map|bring|pop|drop|put|do (?:a|an)|"
    r"line up|compare|review)\b",
    r"\b(?:want|fancy) a (?:quick |short |free |live )?(?:demo|call|chat|look|walk-?through|trial|meeting)\b",
    r"\bwe(?:'ll| will) (?:compare|go|walk|look|talk|meet|sit|run|review)\b", r"\bare you (?:around|available|free)\b",
    r"^(?:monday|tuesday|wednesday|thursday|friday|tomorrow|next week)\b[^?]{0,70}\?$",
    r"\b(?:ok|okay|alright|cool|fine|mind) if i\b", r"\b(?:could|can) (?:hop|jump) on\b", r"\bgive you a (?:quick )?(?:call|ring|buzz)\b",
    # "Would Thursday at 9:30 work?", "Does 2pm work to go through it?"
    r"\b(?:would|does|will) (?:[\w:.'-]+ ){1,4}work(?: (?:for|to|with|around|on|at) [^.?!]{1,50})?\s*\?",
    r"^(?:pop|come|swing|drop) (?:in|by|over|round)\b",
    r"\bif you (?:can |could )?(?:send|forward|share|give|email|text)\b[^.?!]{0,60}\bi(?:'ll| will)\b",
    r"\bwant to (?:fill|go|walk|look|run|hop|jump|meet|grab|book|try|sit|send|come|spend)\b",
    r"\bsend me\b[^.?!]{0,40}\band i(?:'ll| will)\b", r"\bif you're (?:open|up) (?:to|for) (?:it|that)\b",
    r"\b(?:could|can|would) you (?:send|forward|share|snap|text|email|give|introduce|loop|book|grab|fill|watch)\b",
    r"\bcould (?:your|the) \w+(?: \w+)? (?:give|spare|join|take)\b",
    # an offer tied to a visit or a time: "would it help if I brought ... when I come by Thursday?"
    r"\bwould it help if (?:i|we)\b", r"\bwhen (?:i|we) (?:come|swing|drop|pop|stop|call) (?:by|over|in|round|back)\b",
    r"\bwhen(?:'s| is| would be) (?:a )?(?:better|good|convenient|easier) (?:time|day|moment)\b",
)
_WHEN = (  # a day, a date, a time of day, a length of time
    r"(?<!the )(?<!our )(?<!your )(?<!their )\b(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b"
    r"(?!\s(?:backlog|meeting|rush|report|standup|stand-up|crowd|blues|deadline|shift|list|batch|queue|pile|morning crowd)s?\b)",
    r"\b(?:tomorrow|tonight|today)\b",
    r"\bthis (?:afternoon|morning|evening|week)\b", r"\bnext (?:week|monday|tuesday|wednesday|thursday|friday)\b",
    # a clock time ("by 5pm", "at 3:30", "at 10 with you"), not an amount ("by 5 hours", "at 30 days", "at 20%")
    r"\b(?:at|by) (?:[01]?\d|2[0-3])(?::[0-5]\d)?\s?(?:am|pm|o'clock)?\b(?!\s?(?:%|percent|[.,]\d))"
    r"(?!\s?-?\s?(?:hours?|hrs?|days?|weeks?|months?|years?|minutes?|mins?|seconds?|people|users|seats|staff|reps?|"
    r"percent|k|x|times|per)\b)", r"\b\d{1,2}(?::\d\d)?\s?(?:am|pm)\b",
    r"\b(?:\d+|five|ten|fifteen|twenty|thirty) ?(?:-| )?(?:minutes?|mins?)\b", r"\bright now\b",
    r"\b(?:mon|tue|tues|wed|weds|thu|thur|thurs|fri)\b", r"\b(?:on|by) the \d{1,2}(?:st|nd|rd|th)\b",
    r"\b(?:after|around|before) \d{1,2}(?::\d\d)?\s?(?:am|pm)?\b(?!\s?(?:%|percent|[.,]\d|\w))",
    r"\b\d+ days? (?:before|ahead of)\b", r"\b(?:the )?end of (?:the )?(?:day|week)\b", r"\beod\b",
)
WHEN = cues(*_WHEN)
VAGUE_TIME = cues(r"\bsome ?time\b", r"\bat some point\b", r"\bwhenever\b", r"\bone day\b", r"\bdown the (?:line|road)\b",
                  r"\b(?:soon|later)\b")
CONCRETE = cues(
    *_WHEN, r"\b(?:in|on|into) (?:the|your) (?:calendar|diary)\b", r"\breal quick\b", r"\bquick (?:call|look|demo|test|check|chat)\b",
    r"\b(?:speed test|run the numbers|check your|show you (?:what|how|exactly)|walk (?:you|him|her|them) through|calendar invite)\b",
    r"\b(?:joint|three-way|short|quick) call\b", r"\b(?:you|him|her|them|your \w+) both\b", r"\bon the call\b",
    r"\b(?:same|different) card\b", r"\bcome (?:in|by|over) and\b", r"\binvite\b",
    r"\bset up a (?:time|call|meeting)\b", r"\byour (?:calendar|diary|schedule) look\b",
    r"\b(?:\d+|one|two|three|four|six|fourteen|thirty|a)[- ](?:day|week|month)[- ](?:free )?(?:pilot|trial)\b",  # "a two-week pilot"
)
# Asking for the decision itself ("Are you ready to get started today?", "Can we lock it in now?"): a next step, but
# the biggest one there is, not a small one they can say yes to while the objection still stands.
BIG_ASK = cues(
    r"\bready to (?:get started|get going|start|sign|go ahead|move forward|move ahead|proceed|buy|commit|lock)\b",
    r"\b(?:sign|signed|signing) (?:up )?(?:today|now|tonight|this week)\b", r"\block (?:it|this|that) in (?:now|today)\b",
    r"\bget (?:you|this|it) (?:signed|started|booked) (?:up )?(?:today|now)\b", r"\bgo ahead (?:today|now)\b",
    r"\bsign (?:it|this|that|the (?:contract|agreement|paperwork|order))\b(?! (?:off|over))",
    r"\b(?:get|have) the (?:paperwork|contract) (?:done|signed|sorted)\b",
    r"\b(?:send|write|draw up|raise) (?:you )?(?:an|the) (?:invoice|order form|contract|agreement|paperwork)\b",
    r"\b(?:do|close|make) (?:this|the) deal (?:today|now|tonight)\b",
)
# The seller's own years, size and versions ("I've been in sales 10 years", "we have 3 offices and 200 employees",
# "founded in 2009"): figures, but about the seller, not the prospect's concern.
BRAG = cues(
    r"\b(?:i've|i have|we've|we have|i'm|we're) (?:been )?(?:doing this|in (?:sales|business|the (?:business|industry|game))|around|"
    r"selling \w+)(?: for)?(?: over| more than| almost| nearly)? (?:\d+|two|three|five|ten|fifteen|twenty) years\b",
    r"\b(?:in|for|after) (?:over |more than |all )?(?:my |our )?(?:\d+|ten|fifteen|twenty) years(?: of [\w ]{1,20})?,? (?:i've|we've|i have|we have) never\b",
    r"\bwe have (?:over |more than )?\d[\d,]*\+? (?:offices|employees|staff|locations|engineers|branches|people)"
    r"(?: and (?:over |more than )?\d[\d,]*\+? (?:offices|employees|staff|locations|engineers|branches|people))?\b",
    r"\b(?:founded|established|started) (?:back )?in (?:19|20)\d\d\b", r"\bversion \d+\b", r"\b24/7\b",
)
# "There's never a good time!": the objection brushed aside, not acknowledged
DISMISS = cues(r"\b(?:there's|there is) never (?:a|the) (?:good|right|perfect|better|ideal) time\b", r"\bno time like the present\b")

FLAGS: dict[str, tuple[str, str, re.Pattern]] = {
    "arguing": ("Arguing or contradicting", "weak", cues(
        r"\byou(?:'re| are) wrong\b", r"\bthat's (?:not true|wrong|ridiculous|crazy|silly|nonsense)\b",
        r"\byou (?:don't|do not) (?:understand|know|get|realize)\b", r"\byou can't (?:do|be|handle|afford not)\b",
        r"\bi disagree\b", r"\bthat doesn't make (?:any )?sense\b", r"\byou're missing\b", r"\bobviously\b",
        r"\btrust me\b", r"\bwaste of (?:our |my )?time\b", r"\bwe don't send\b", r"\bare you serious\b",
        r"\bcome on\b", r"\bhonestly,? you\b.*\bshould\b", r"\byou (?:should|need to) (?:know|realize|understand) (?:that|better)\b",
        r"^(?:no|nope),? (?:it's|that's|you|we)\b", r"\bhow can you (?:say|think)\b",
        r"\bthat's (?:exactly )?the (?:kind of )?(?:attitude|thinking|mindset) that\b", r"\b(?:problem|issue) on your (?:end|side)\b",
        r"\byou(?:'re| are|'d be| would be) making a (?:big |huge |real )?mistake\b",
        r"\b(?:naive|naïve|short-?sighted|foolish)\b", r"\byou(?:'re| are) (?:probably |likely |definitely )?overpaying\b",
        *LEADING, r"\bsurely you (?:can see|know|agree|realize|understand)\b", r"\bdo you (?:really|honestly|seriously) want\b",
    )),
    "insult": ("Insult or sarcasm", "weak", cues(
        r"\b(?:lazy|lame|cheap|pathetic|silly|weak) excuses?\b", r"\b(?:that's|it's) (?:just |only )?(?:an|a) excuse\b",
        r"\b(?:are you|you're|you are) (?:just |being |so )?(?:cheap|lazy|stupid|dumb|clueless|scared|chicken|broke|stingy|a cheapskate)\b",
        r"\byou must (?:not|be) (?:care|embarrassed|ashamed|joking|kidding)\b", r"\bdo you even\b",
        r"\b(?:wasting|waste) my time\b", r"\byeah,? right\b", r"\bgood luck with that\b", r"\bmust be nice\b",
        r"\b(?:oh )?(?:sure|great),? (?:another|because)\b", r"\bgrow up\b", r"\bget (?:real|a grip)\b",
        r"\byou(?:'re| are) either in or you(?:'re| are) out\b", r"\bbig boy pants\b", r"\bman up\b",
        r"^(?:\w+, )?(?:just |please )?(?:settle|calm) down\b", r"\byou (?:really )?(?:need to|have to|should|must|gotta) (?:settle|calm) down\b",
        r"\byou(?:'re| are) (?:acting )?like a (?:child|kid|baby|rooster)\b",
    )),
    "pressure": ("Pressure or fake urgency", "weak", cues(
        r"\b(?:price|offer|deal|discount|rate|spot)s?\b[^.?!]{0,30}\b(?:only|just) (?:(?:good|valid|available|on) (?:for |until )?)?(?:today|tonight|this week)\b",
        r"\b(?:only|just) (?:today|tonight|this week)\b[^.?!]{0,30}\b(?:price|offer|deal|discount|rate|sign)", r"\b(?:today|tonight) only\b",
        r"\bsign (?:it |up )?(?:today|now|right now|tonight)\b",
        r"\b(?:offer|deal|price|discount|promotion|rate)s? (?:ends?|expires?|goes? up|won't last)\b",
        r"\blast chance\b", r"\blimited[- ]time\b", r"\bwon't last\b", r"\b(?:only|just) \d+ (?:spots?|slots?|left|units?)\b",
        r"\b(?:decide|commit|need an answer) (?:now|today|right now|tonight)\b", r"\bwhat's it (?:going to|gonna) take\b",
        r"\byou'd be (?:crazy|foolish|silly)\b", r"\bdon't miss out\b", r"\bact (?:now|fast)\b",
        r"\bbefore (?:the price|it) goes up\b", r"\beveryone (?:else )?is (?:signing|buying|switching)\b",
        r"\b(?:\d+|one|two|three|a few|a couple of|last) (?:\w+ )?(?:spots?|slots?|places?|openings?|units?|seats?) (?:left|remaining)\b",
        r"\bmiss out\b", r"\bthe sooner the better\b", r"\bafter that,? (?:it's|it is|they're|the (?:price|offer|deal|rate)) (?:gone|over|up)\b",
        r"\b(?:hold|keep|lock) (?:this|the|that|my) (?:price|rate|offer|deal|discount) (?:\w+ ){0,3}until\b",
        r"\b(?:price|rate|offer|deal|cost)s? (?:is |are )?(?:set|going|due|about) to (?:rise|go up|increase|end|expire|change)\b",
        r"\b(?:only|just) (?:good|valid|available|open|on offer) (?:until|till|through|for) (?:today|tonight|this week|the end of|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b", r"\breverts? to (?:the )?(?:standard|full|regular|normal|list) (?:rate|price|pricing)\b",
        r"\b(?:decide|deciding|sign|signing|commit|committing) (?:\w+ ){0,2}before (?:then|the deadline|it (?:ends|expires|goes up))\b",
        r"\b(?:can't|cannot) (?:promise|guarantee) (?:it'll|it will|they'll|that|the \w+ will) (?:still )?be (?:free|available|there|open)\b",
        r"\b(?:a lot of|lots of|quite a lot of|high|huge) (?:interest|demand) (?:in|for) (?:your|that|this|the) (?:date|slot|spot|unit|room|day)\b",
        r"\bi'd hate for you to (?:lose|miss)\b", r"\block (?:it|this|that) in (?:today|now|tonight|this week)\b",
        # a deadline by the clock or a countdown: "only good until 5pm today", "signed in the next 15 minutes"
        r"\b(?:only|just) (?:good|valid|available|open|on offer) (?:until|till|through|for) \d{1,2}(?::\d\d)?\s?(?:am|pm|o'clock)?\b",
        r"\b(?:offer|price|deal|rate|discount|promotion)s?\b[^.?!]{0,30}\b(?:until|till|before|by|at) \d{1,2}(?::\d\d)?\s?(?:am|pm|o'clock)?"
        r" (?:today|tonight)\b",
        r"\b(?:sign|signed|decide|commit|buy|order|agree)\w* (?:\w+ ){0,3}(?:in|within) the next (?:\d+|few|couple of|five|ten|fifteen|"
        r"twenty|thirty|sixty) (?:minutes?|mins?|hours?)\b",
        r"\byou (?:seem like you |could |can )?(?:can )?make (?:this|the|that) (?:call|decision) (?:yourself|on your own)\b",
        r"\bevery(?:one| other \w+| \w+ (?:on|in|around) your \w+)[^.?!]{0,30}\b(?:has|have) already (?:signed|bought|switched|joined|moved)\b",
    )),
    "discount": ("Instant discount", "weak", cues(
        r"\b(?:get|give|offer|do|find|knock|take|throw) (?:you |off |in )?(?:a |an |some |\d+\s?%? )?(?:discount|percent off|% off)\b",
        r"\bdiscount\b", r"\bknock (?:[^.?!]{0,20}?\boff\b|off|some|\d+|a bit)", r"\b\d+\s?% off\b",
        r"\b(?:get|give|find|offer|do) you (?:a )?(?:better|lower|cheaper|special|reduced|sharper) (?:price|rate|deal|number)\b",
        r"\b(?:cut|lower|drop|reduce) (?:the |our |my )?price\b", r"\b(?:cheaper|smaller|lower|lighter) (?:one|option|version|plan|package|model)\b",
        r"\bmatch (?:their|that|the|any) (?:price|quote|offer)\b", r"\bspecial (?:price|deal|rate)\b",
        r"\b(?:beat|undercut) (?:it|that|them|their (?:price|quote|offer)|the (?:price|quote)|any (?:price|quote))\b",
        r"\bthrow (?:in|it in) for free\b", r"\bwaive (?:the|your)\b", r"\bfree month\b",
        r"\bi (?:can|could) (?:probably )?do (?:it for|\$\s?\d|\d+\s?%)", r"\bthe lowest (?:i've|we've|i have|we have) (?:ever )?(?:gone|offered|done)\b", r"\bget (?:a|one) smaller\b", r"\ba smaller one for\b",
        r"\bshave (?:\w+ ){0,3}off\b", r"\b(?:throw|threw|throwing) (?:in|it in)\b", r"\b(?:throw|threw|add|give|do) (?:\w+ ){0,4}at no (?:extra )?charge\b",
        r"\b(?:months?|weeks?|install(?:ation)?|setup|set-up|onboarding|training|upgrade) (?:\w+ )?at no (?:extra )?charge\b",
        r"\b(?:first|next) (?:\w+ )?(?:weeks?|months?|year) (?:free|on us|on the house)\b",
        r"\b(?:\d+|one|two|three|four|six) (?:extra )?(?:weeks?|months?) (?:free|on us|on the house)\b",
    )),
    "guarantee": ("False guarantee", "weak", cues(
        r"\bguarantee(?:d)? (?:you(?:'ll| will)|that (?:you|it|this)|results|it will|this will|success|to (?:double|triple|work|increase))",
        r"\b100\s?% (?:sure|guaranteed|certain|success)\b", r"\b(?:it|this) will (?:definitely|absolutely|certainly) (?:work|pay|double)",
        r"\bcan't (?:fail|lose|go wrong)\b", r"\b(?:zero|no) risk (?:at all|whatsoever)\b",
        r"\bi (?:can )?promise (?:you(?:'ll| will)|it(?:'ll| will)|this(?:'ll| will)|results)\b", r"\byou will (?:definitely|double|triple)\b",
        r"\bnever (?:have (?:a|any) problem|fail)\b",
        r"\bwe (?:can |will |absolutely )?guarantee (?:a |an |you )?(?:\d+(?:\.\d+)?\s?(?:x|%)|results|roi|returns|growth|more|double|triple)",
        r"\bi(?:'ll|'d| personally| can| will| would| absolutely)? ?guarantee\b(?! (?:nothing|that i))", r",\s*guaranteed\b", r"\b(?:can't|cannot|can not) (?:possibly )?lose\b",
        r"\bimpossible (?:for (?:this|it|you) )?(?:not )?to (?:fail|lose|pay off|work)\b", r"\b(?:it's|it is|this is|totally|completely) risk[- ]free\b",
        r"\bi(?:'m| am) (?:certain|positive|100\s?% sure) (?:of it|it will|you(?:'ll| will)|that)\b",
        r"\bwill never (?:go down|break|fail|let you down)\b",
        r"\byou(?:'ll| will) (?:definitely |certainly |absolutely )?(?:see|get|have|make) (?:all )?(?:of )?your money back\b",
        r"\b(?:your|the) (?:team|sales|revenue|numbers) will (?:hit|double|triple|grow)\b",
    )),
    "giving_up": ("Giving up or accepting the stall", "weak", cues(
        r"\bno (?:problem|worries)\b", r"\btake your time\b", r"\bthink it over\b", r"\blet me know\b",
        r"\bwhenever you(?:'re| are) ready\b", r"\bi(?:'ll| will) (?:come back|call you back|check back|circle back|follow up|try again) (?:later|some ?time|another time|next (?:week|month))\b",
        r"\bi(?:'ll| will) come back later\b", r"\bsorry to (?:bother|disturb)\b", r"\bi(?:'ll| will) let you go\b(?! ?\.? ?\w)",
        r"\bhave a (?:great|good|nice) (?:day|one)\b", r"\bi(?:'ll| will) (?:send|email|mail|get) (?:it|that|this|them|you|some|the|over|out)\b",
        r"\bi(?:'ll| will) (?:just )?(?:follow up|check in|circle back|touch base|reach out|check back|ping you|give you a (?:call|ring|shout))"
        r"(?: with you)? (?:(?:again )?(?:next (?:week|month|quarter)|later|in a (?:week|month|few (?:days|weeks))|some ?time|down the (?:road|line))|"
        r"to (?:check in|see how|touch base|follow up))\b",
        # "I'll make a note and give you a ring next quarter": the stall taken as the plan
        r"\b(?:give you a (?:call|ring|shout|bell)|call you|ring you|reach out|follow up|check (?:back|in)|circle back|touch base)"
        r"(?: with you)?(?: again)? (?:next (?:week|month|quarter|year)|in (?:the )?(?:new year|spring|summer|autumn|fall|q[1-4]))\b",
        r"\bget it out\b", r"\bkeep you in mind\b", r"\bno pressure\b", r"\bi understand,? (?:bye|goodbye)\b", r"\bthanks? anyway\b",
    )),
    "generic_followup": ("Generic follow-up", "strong", cues(
        r"\bjust (?:following|checking|circling|touching) (?:up|in|back|base)\b", r"\bany updates?\b",
        r"\b(?:wanted|want) to (?:touch base|check in|follow up)\b", r"\bjust wanted to see\b", r"\bbump(?:ing)? this\b",
    )),
    "knocking": ("Knocking the competition", "weak", cues(
        r"\b(?:a lot of|many|most|lots of) (?:people|customers|clients|users) (?:have |had |have had )?(?:problems|issues|trouble|complaints) with "
        r"(?:them|those guys|that (?:company|vendor|provider|firm|agency|outfit)|your (?:current|old|existing|present) \w+|(?-i:[A-Z]\w+))\b",
        r"\b(?:they|their \w+) (?:are|is) (?:terrible|awful|bad|the worst|a joke|rubbish)\b", r"\bwe're not (?:like )?them\b",
        r"\bwe're not (?-i:[A-Z]\w+)\b(?=\.|,| -)",  # "We're not Acme.": a name, not "we're not cheap"
        r"\byour (?:current |existing |old |present )?(?:provider|vendor|supplier|agent|agency|company|firm|system|software|tool|"
        r"platform|bank|carrier|contractor|guy|team)s? (?:is|are|was|were) (?:(?:just|frankly|honestly|really|pretty) )?"
        r"(?:terrible|awful|bad|the worst|a joke|rubbish|useless|garbage|hopeless|incompetent|a rip-?off|crooks|overpriced)\b",
    )),
    "caving": ("Caving on value", "weak", cues(
        r"\b(?:yeah|yes|you're right|true|agreed),? (?:it is|it's|that is|that's) (?:pretty |really |way |a bit |kind of )?(?:expensive|outrageous|a lot|too much|crazy|steep|pricey)\b",
    )),
}
# Flags read from what the objection said rather than from a phrase: (label, cap)
FIT_FLAGS = {"ignores": ("Ignores what they said", "weak"), "off_target": ("Not fitted to this objection", "strong")}
THIRD_PARTY = cues(r"\b(?:insurers?|insurance (?:companies|providers?)|banks?|lenders?|the (?:government|state|council|utility))\b",
                   r"\byour (?:insurer|bank|lender|utility|council)\b", r"\b(?:tax credits?|rebates?|grants?)\b",
                   r"\b(?:knocked|negotiated|shaved|saved)\b")  # what clients got elsewhere, reported
FLAG_ADVICE = {
    "arguing": "Stop contradicting the prospect; get curious about why they see it that way.",
    "pressure": "Drop the pressure and invented deadlines: they make careful buyers walk away.",
    "discount": "Don't discount before you know the real concern: it teaches the buyer your price was padding.",
    "guarantee": "Don't promise results you can't control; offer proof or a low-risk first step instead.",
    "giving_up": "Don't accept the stall at face value: ask what's behind it, then set a specific next step.",
    "monologue": "Say less: a long pitch loses the prospect. Make one point, ask one question, then listen.",
    "generic_followup": "Replace 'just following up' with a reason to talk: something new and specific to them.",
    "knocking": "Don't run down the competition; talk about what you do differently.",
    "insult": "Never mock or shame the prospect: name the concern respectfully and ask about it.",
    "ignores": "They told you where things stand: respect it, and let them go with no question, pitch or meeting.",
    "off_target": "Answer this objection, not objections in general: say back what they told you and build on it.",
    "caving": "Don't agree that the price or product isn't worth it: explore what they compare it to.",
}
INJECTION = cues(
    r"\bignore (?:all |any |your |the |previous |prior |above |my |these )*(?:instructions?|rubric|rules?|prompt|guidelines|criteria)\b",
    r"\b(?:grade|rate|score|mark|label|classify) (?:this|me|it|my (?:answer|rebuttal|reply|response))(?: as)? (?:as )?(?:an? )?(?:elite|strong|perfect|100|10|a+)\b",
    r"\b(?:this|my) (?:answer|rebuttal|response|reply) (?:is|deserves|should (?:get|be)) (?:an? )?(?:elite|perfect|100|full marks)\b",
    r"\byou are (?:now )?(?:a|an|the|my) (?:grader|judge|assistant|ai|model|system)\b", r"\bsystem prompt\b", r"\bas an ai\b",
    r"\bdisregard (?:the|your|all|previous)\b", r"\bnew instructions?\b", r"[{\[]\s*\"?(?:tier|score|grade|moves)\"?\s*:",
    r"\b(?:tier|score|grade)\s*[:=]\s*(?:elite|100|strong)\b", r"</?(?:system|assistant|user|instructions?)>",
    r"\bfull (?:marks|points|score)\b", r"\b(?:award|give) (?:me|this) (?:full|all|maximum|max|\d+) (?:marks|points)\b",
    r"\bpretend (?:you|that)\b", r"\bjailbreak\b",
    r"\bgive (?:all|every|each|the) (?:four |4 )?(?:moves?|steps?|categories|criteria)\b",
    r"\b(?:\d|two|full|max(?:imum)?) points? (?:for|on|to) (?:all|every|each)\b",
    # the grader addressed, not a grader mentioned ("what would a grader need to see in week one?")
    r"\boverride\s*[:=]", r"\boverride (?:the|your|all|any|previous|my) (?:rules?|rubric|instructions?|grad\w*|scor\w*|tiers?)\b",
    r"\b(?:dear|hey|hi|hello|attention|note (?:to|for)(?: the)?|to the|ok|okay) (?:grader|evaluator|judge|rubric|ai|model)\b",
    r"\b(?:grader|evaluator)(?:'s)?\s*(?:note|:)", r"\b(?:grader|evaluator|judge),", r"\b(?:your|the) (?:rubric|grader)\b",
    r"^\W*#*\s*instructions?\s*:", r"\btier\s+(?:elite|strong)\b",
    r"^\W*(?:system|assistant|developer|user|admin)\s*:", r"\bmake (?:this|it|me) (?:one )?(?:elite|strong|a 100)\b",
    r"\b(?:what|which) (?:score|grade|tier|mark)s? (?:does|should|would|do|will) (?:this|it|i|my)\b",
    r"\b(?:answer|rebuttal|response|reply|candidate)\W[^.?!]{0,40}\bis (?:an? )?(?:elite|perfect|flawless)\b",
    r"\b(?:elite|strong) (?:grade|rating|score)\b",
)
# "why don't we ..." proposes; it negates nothing
NEGATED = re.compile(r"(?<!why )\b(?:not|never|no|won't|don't|isn't|wouldn't|can't|rather not|rather than|without)\b[^.?!,;:]{0,30}$",
                     re.IGNORECASE)
NEGATABLE_FLAGS = {"discount", "pressure", "guarantee", "arguing"}
SOFT_GIVING_UP = re.compile(r"\bno (?:problem|worries|pressure)\b|\blet you go\b", re.IGNORECASE)
AND = re.compile(r"\band\b", re.IGNORECASE)
KEYWORD_LIST = re.compile(r"(?:[^,;]{1,25}[,;]){4,}")  # many short comma-separated bits: a list, not speech


# -- the grade -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoveMark:
    move: str
    points: int
    phrases: tuple[str, ...] = ()
    note: str = ""
    title: str = ""  # a second-call step's name: the move is the slot its points are kept in
    counted: bool = True  # False: a slot the second call's round does not ask for (0 points, not shown)

    @property
    def label(self) -> str:
        return self.title or MOVE_LABELS[self.move]


@dataclass(frozen=True)
class RedFlag:
    code: str
    label: str
    cap: str
    phrases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feedback:
    keep: tuple[str, ...]
    start: tuple[str, ...]
    stop: tuple[str, ...]
    better: str
    better_why: str


@dataclass(frozen=True)
class Grade:
    tier: str
    score: int
    moves: tuple[MoveMark, ...]
    red_flags: tuple[RedFlag, ...]
    feedback: Feedback
    objection_slug: str | None = None
    ignored: tuple[str, ...] = ()  # sentences addressed to the grader, set aside
    engine: str = "builtin"
    notes: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(mark.points for mark in self.moves)

    def mark(self, move: str) -> MoveMark:
        return next(mark for mark in self.moves if mark.move == move)

    @property
    def points(self) -> dict[str, int]:
        return {mark.move: mark.points for mark in self.moves}

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Grade:
        feedback = data.get("feedback") or {}
        return cls(
            tier=data["tier"],
            score=int(data["score"]),
            moves=tuple(MoveMark(m["move"], int(m["points"]), tuple(m.get("phrases", ())), m.get("note", ""),
                                 m.get("title", ""), bool(m.get("counted", True)))
                        for m in data.get("moves", ())),
            red_flags=tuple(RedFlag(f["code"], f["label"], f["cap"], tuple(f.get("phrases", ())))
                            for f in data.get("red_flags", ())),
            feedback=Feedback(tuple(feedback.get("keep", ())), tuple(feedback.get("start", ())),
                              tuple(feedback.get("stop", ())), feedback.get("better", ""),
                              feedback.get("better_why", "")),
            objection_slug=data.get("objection_slug"),
            ignored=tuple(data.get("ignored", ())),
            engine=data.get("engine", "builtin"),
            notes=tuple(data.get("notes", ())),
        )


def _is_word_list(sentence: Sentence) -> bool:
    """Many short comma-separated bits with few words each, or a run of short bits chained with 'and'
    ('I understand and I hear you and what do you think and why is that and ...'): a list of
    buzzwords, not speech."""
    pieces = sentence.text.count(",") + 1
    if KEYWORD_LIST.search(sentence.text) and sentence.words < 2 * pieces:
        return True
    chained = [len(WORD.findall(piece)) for piece in AND.split(sentence.text)]
    return len(chained) >= 5 and sorted(chained)[len(chained) // 2] <= 4


# Words in the answer that are not the rep's: a quotation ("you said \"ten minutes\""), a stage direction
# in brackets ("[draws a line down a sheet]") or a prospect's line in a transcript ("Prospect: ...").
NOT_THE_REPS = re.compile(r'"[^"\n]{1,300}"|\[[^\]\n]{0,300}\]|^[ \t]*(?:prospect|buyer|customer|client|homeowner|them|he|she)'
                          r'[ \t]*:[^\n]*', re.IGNORECASE | re.MULTILINE)


def _mask_others(folded: str) -> str:
    """The text with every word that is not the rep's own blanked out, offsets kept."""
    return NOT_THE_REPS.sub(lambda match: " " * len(match.group()), folded)


class _Reader:
    """One rebuttal, split into sentences, with helpers that quote the original text."""

    def __init__(self, rebuttal: str):
        self.original = rebuttal
        self.folded = rebuttal.translate(_FOLD)
        self.ignored: list[str] = []
        self.sentences: list[Sentence] = []
        self.all_sentences = []  # red flags count even in ignored text
        reps = _mask_others(self.folded)
        for sentence in split_sentences(self.folded):
            if INJECTION.search(unicodedata.normalize("NFKC", sentence.text)):
                self.ignored.append(self.quote(sentence.start, sentence.end))
                self.all_sentences.append(sentence)
                continue
            sentence = Sentence(sentence.start, sentence.end, reps[sentence.start:sentence.end], sentence.index)
            if not WORD.search(sentence.text):
                continue  # only the prospect's words, or a stage direction
            self.all_sentences.append(sentence)
            if _is_word_list(sentence):
                self.ignored.append(self.quote(sentence.start, sentence.end))
            else:
                self.sentences.append(sentence)

    def quote(self, start: int, end: int) -> str:
        """The rep's own words from `start` to `end`, widened to whole words ("teams like you" in "teams like
        yours" quotes "teams like yours")."""
        text = self.original
        while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
        while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            end += 1
        return text[start:end].strip()

    def find(self, pattern: re.Pattern, sentence: Sentence, *, skip_negated: bool = False) -> str | None:
        if not skip_negated:
            span = _first(pattern, sentence.text)
            return self.quote(sentence.start + span[0], sentence.start + span[1]) if span else None
        for match in pattern.finditer(sentence.text):
            if skip_negated and NEGATED.search(sentence.text[:match.start()]):
                continue  # "I won't discount it" is not a discount
            return self.quote(sentence.start + match.start(), sentence.start + match.end())
        return None

    def find_all(self, pattern: re.Pattern, sentence: Sentence, limit: int) -> list[str]:
        quotes = [self.quote(sentence.start + m.start(), sentence.start + m.end())
                  for m in pattern.finditer(sentence.text)]
        return list(dict.fromkeys(quotes))[:limit]

    def whole(self, sentence: Sentence) -> str:
        return self.quote(sentence.start, sentence.end)


# A greeting or a filler word before the first words that count: "Hi Priya, ...", "Yeah, so ...", "Look, ..."
LEAD_IN = re.compile(r"^(?:(?:hi|hey|hello|dear|morning|afternoon) [^\W\d_]+|yeah|yes|yep|yup|oh|ah|ugh|ok(?:ay)?|look|so|well|"
                     r"right|honestly|hmm)(?:,|\s-|\.\.\.)?\s+", re.IGNORECASE)


def _without_lead_in(sentence: Sentence) -> Sentence:
    """The sentence from its first words that count, so "Yeah, makes sense" is read as "makes sense"."""
    skip = 0
    while match := LEAD_IN.match(sentence.text[skip:]):
        skip += match.end()
    if not skip:
        return sentence
    return Sentence(sentence.start + skip, sentence.end, sentence.text[skip:], sentence.index)


def _acknowledge(reader: _Reader) -> MoveMark:
    for sentence in map(_without_lead_in, reader.sentences[:3]):
        phrase = reader.find(ACK, sentence)
        if not phrase:
            continue
        undercut = BUT_AFTER.search(sentence.text[sentence.text.lower().find(phrase.lower()[:8]):])
        early = sentence.index <= 1
        if early and not undercut:
            return MoveMark("acknowledge", 2, (phrase,), "Acknowledged the objection before answering it.")
        return MoveMark("acknowledge", 1, (phrase,),
                        "Acknowledged, but undercut it with 'but'." if undercut else "Acknowledged, but late.")
    for sentence in reader.sentences[3:]:
        phrase = reader.find(ACK, sentence)
        if phrase:
            return MoveMark("acknowledge", 1, (phrase,), "Acknowledged, but only late in the reply.")
    opener = _opening_clause(reader)
    if opener:
        return MoveMark("acknowledge", 2, (opener,), "Opened by validating what they said before moving on.")
    return MoveMark("acknowledge", 0, (), "No acknowledgement: the prospect may not feel heard.")


WALL_OF_TEXT = 250  # words
MEETING_LENGTH = re.compile(r"\b(?:minutes?|mins?)\b", re.IGNORECASE)
# "15 min to walk thru it": the length of the meeting asked for
MEETING_WORDS = re.compile(r"\b(?:walk|go|run|talk) (?:you |me |us )?(?:thru|through|over) (?:it|this|that|them|the)\b|"
                           r"\b(?:walkthrough|walk-through)\b", re.IGNORECASE)
# "this'll only take two minutes": the length of the call being pushed, not evidence
CALL_LENGTH = re.compile(r"\b(?:only|just)\b[^.?!,]{0,15}$", re.IGNORECASE)
YOU = re.compile(r"\b(?:you|your|you're|they|their|he|she|we've)\b", re.IGNORECASE)


def last_clause(text: str) -> str:
    """The part of a sentence after its last colon or dash: 'I'm only asking: are you ...?'."""
    return re.split(r"[:;]\s+|\s-\s", text)[-1]


def _opening_clause(reader: _Reader) -> str | None:
    """A short, validating first clause ('Good, you should compare.') followed by more: an acknowledgement
    in the rep's own words, whatever the exact phrase."""
    if len(reader.sentences) < 2:
        return None
    first = _without_lead_in(reader.sentences[0])
    clause = re.split(r"\s-\s|[,;:]\s", first.text, maxsplit=1)[0]
    words = len(WORD.findall(clause))
    if first.is_question or words > 12 or not OPENER.search(clause) or BUT_AFTER.search(first.text) or DISMISS.search(first.text):
        return None
    if any(pattern.search(first.text) for _, _, pattern in FLAGS.values()):
        return None
    return reader.quote(first.start, first.start + len(clause))


@functools.lru_cache(maxsize=4096)
def _first(pattern: re.Pattern, text: str) -> tuple[int, int] | None:
    """Where `pattern` first matches `text`. The moves ask the same long patterns (a proposal, a concrete
    time) of the same sentence more than once; this asks each once."""
    match = pattern.search(text)
    return match.span() if match else None


def _is_scheduling(sentence: Sentence) -> bool:
    """A question that books the next step ('Does Thursday work for you?', 'Can we look at your numbers
    Thursday at 2?'): the ask, not a question that finds the concern."""
    text = sentence.text
    asking = WH_QUESTION.search(VISIT.sub(" ", text))  # "when I come by Thursday" is the visit, not a question
    return bool(_first(SCHEDULING_QUESTION, text) or (_first(PROPOSAL, text) and _first(CONCRETE, text)
                                                      and not (asking or ISOLATE.search(text))))


WHAT_IF = cues(r"^(?:but |and |so |well,? )?what if (?!(?:we|i)\b)")  # "What if rates go up?": an argument, not a question
# "What if we started small?": the ask, not a question about them ("What worries you, and what if we ...?" asks both)
WHAT_IF_WE = cues(r"^(?:(?:so|and|but|well|okay|ok|then|look)\b[,\s]*)*what if (?:we|i)\b")
CONTACT_DETAILS = cues(r"\bwhat(?:'s| is) (?:your|the best) (?:email|e-mail|number|phone|address|mobile)\b")
VISIT = cues(r"\bwhen (?:i|we) (?:come|swing|drop|pop|stop|call) (?:by|over|in|round|back)\b")
CHECK_IN = cues(r"\b(?:did|have) you (?:get|got|had|have) (?:a )?(?:chance|moment|time|minute) to\b",
               r"\bdid you (?:see|read|get) my (?:email|message|note|proposal)\b")


def _is_about_them(sentence: Sentence, objection_words: set[str]) -> bool:
    """Whether a sentence speaks of the prospect, the rep or the business ('you', 'we', 'it', 'clients'), or
    takes up a word of the objection: "What would make the moon taste of cheese?" does none of that. A short
    follow-up ("What happened?") is about what they just said."""
    return bool(sentence.words < 7 or ABOUT.search(sentence.text) or ISOLATE.search(sentence.text) or INVITE.search(sentence.text)
                or objection_words & {w.lower() for w in WORD.findall(sentence.text)})


def _clarify(reader: _Reader, objection_words: set[str] = frozenset()) -> MoveMark:
    best: tuple[int, str, str] | None = None
    for sentence in reader.sentences:
        text = sentence.text
        invite = INVITE.search(text)
        if not _is_about_them(sentence, objection_words):
            continue
        if sentence.is_question and not RHETORICAL.search(text) and not _is_scheduling(sentence):
            if BIG_ASK.search(text) or CONTACT_DETAILS.search(text) or WHAT_IF_WE.search(text):
                continue  # "Can you sign it today?", "What's your email?": the ask, not a question about them
            if sentence.words < 2:
                candidate = (0, reader.whole(sentence), "A one-word question does not find the real concern.")
            elif CHECK_IN.search(text):
                candidate = (1, reader.whole(sentence), "Asks whether they read it, not what holds them back.")
            elif sentence.words < 3 and not WH_QUESTION.search(text):
                candidate = (1, reader.whole(sentence), "A question, but too short to find the real concern.")
            elif WHAT_IF.search(text) and not YOU.search(text):
                candidate = (1, reader.whole(sentence), "A what-if makes a point; ask what it would mean for them.")
            elif ISOLATE.search(text) or WH_QUESTION.search(text) or invite:
                candidate = (2, reader.whole(sentence), "Asked a real question that digs for the concern behind it.")
            elif _first(PROPOSAL, text):
                continue  # "Would you be open to a pilot?": the ask, not a question about them
            elif CLOSED_QUESTION.search(last_clause(text)) and YOU.search(text):
                candidate = (2, reader.whole(sentence), "Asked a question about their situation.")
            else:
                candidate = (1, reader.whole(sentence), "A question, but not one that finds the real concern.")
        elif invite and sentence.words >= 4:
            candidate = (2, reader.whole(sentence), "Invited them to explain, which surfaces the real concern.")
        else:
            continue
        if best is None or candidate[0] > best[0]:
            best = candidate
    if best is None:
        if any(sentence.is_question for sentence in reader.sentences):  # "Sound good?", "Does Thursday work?"
            return MoveMark("clarify", 0, (), "No question about their concern: yours ask for a step or a yes, not "
                                              "what's behind the objection.")
        return MoveMark("clarify", 0, (), "No question: you answered the objection without finding out what's behind it.")
    if not best[0]:
        return MoveMark("clarify", 0, (), best[2])
    return MoveMark("clarify", best[0], (best[1],), best[2])


def _is_list(sentence: Sentence) -> bool:
    """A run of short items ("mobile app, integrations, 24/7 support, a dedicated CSM and ..."): a
    feature list or a string of keywords, not an answer to the prospect's concern."""
    items = [len(WORD.findall(part)) for part in re.split(r",|\band\b", sentence.text)]
    return len(items) >= 5 and sum(1 for n in items if 0 < n <= 3) >= 4


def _respond(reader: _Reader, objection_words: set[str]) -> MoveMark:
    signals: list[str] = []
    kinds: set[str] = set()
    for sentence in reader.sentences:
        if sentence.words < 4 or (sentence.is_question and not NUMBER.search(sentence.text)):
            continue
        if GENERIC_CLAIM.search(sentence.text) or _is_list(sentence) or not _is_about_them(sentence, objection_words):
            continue
        asks = _first(PROPOSAL, sentence.text)
        found = [("number", phrase) for phrase in reader.find_all(NUMBER, sentence, 2)]
        found += [(kind, reader.find(pattern, sentence)) for kind, pattern in (("proof", PROOF), ("reframe", REFRAME))]
        brag = " ".join(match.group() for match in BRAG.finditer(sentence.text)).lower()
        for kind, phrase in found:
            if not phrase or phrase.lower() in brag:
                continue  # nothing found, or the seller's own years, size or version
            if kind == "number" and MEETING_LENGTH.search(phrase) and (
                    asks or MEETING_WORDS.search(sentence.text)
                    or CALL_LENGTH.search(sentence.text[:sentence.text.lower().find(phrase.lower())])):
                continue  # "15 minutes on Thursday", "it'll only take two minutes": the call, not evidence
            # the same words count once ("one of our clients" is proof, not also the figure "one of our"),
            # quoted at their longest
            shorter = next((i for i, seen in enumerate(signals) if seen.lower() in phrase.lower()), None)
            if shorter is not None:
                signals[shorter] = phrase
            elif not any(phrase.lower() in seen.lower() for seen in signals):
                signals.append(phrase)
                kinds.add(kind)
    if len(kinds) >= 2 or (len(signals) >= 2 and "number" in kinds) or len(signals) >= 3:
        return MoveMark("respond", 2, tuple(signals[:4]), "Answered with specifics: numbers, proof or a reframe.")
    if signals:
        return MoveMark("respond", 1, tuple(signals), "Some substance, but thin: add a number, an example or proof.")
    return MoveMark("respond", 0, (), "No specifics: nothing concrete answered the concern.")


# The prospect cannot talk at this moment ("I'm in the middle of something"): asking when to call back is the
# whole of the right answer, and their answer is the time.
BAD_MOMENT = cues(r"\b(?:can't|cannot|can not|couldn't) (?:really )?(?:talk|speak|chat)\b", r"\bin the middle of\b",
                  r"\b(?:in|into|walking into|about to (?:go into|start)) (?:a|another) (?:meeting|call|session)\b",
                  r"\b(?:i'm|i am) (?:driving|on the other line|with a (?:customer|client|patient))\b",
                  r"\b(?:not a good|bad|a bad|busy) (?:time|moment)\b", r"\b(?:busy|swamped|slammed|tied up) (?:right )?now\b",
                  r"\bcaught me at a bad\b")
CALL_BACK_WHEN = cues(*WHEN_BACK)


def _advance(reader: _Reader, *, bad_moment: bool = False) -> MoveMark:
    best: tuple[int, tuple[str, ...], str] | None = None
    for position, sentence in enumerate(reader.sentences):
        if bad_moment and sentence.is_question and (asked := reader.find(CALL_BACK_WHEN, sentence)):
            best = (2, (asked,), "Asked when to call back: at a bad moment, that is the small next step.")
            continue
        # a big ask asked is an ask too ("Can you sign it in the next hour?"); "if you sign today" is a condition
        proposal = reader.find(PROPOSAL, sentence) or (sentence.is_question and reader.find(BIG_ASK, sentence))
        if not proposal:
            continue
        neighbours = reader.sentences[max(0, position - 1):position + 2]
        # the step's own sentence first ("Thursday at 2" in the ask, not "right now" in the line before it)
        concrete = next((found for s in (sentence, *neighbours) if (found := reader.find(CONCRETE, s))), None)
        if concrete and reader.find(VAGUE_TIME, sentence) and not any(reader.find(WHEN, s) for s in neighbours):
            concrete = None  # "happy to walk you through it sometime": a real action, but no time to hold it to
        if BIG_ASK.search(sentence.text):
            candidate = (1, (proposal,), "Asked for the decision itself: offer a smaller step they can say yes to first.")
        elif concrete:
            candidate = (2, (proposal, concrete) if concrete != proposal else (proposal,),
                         "Proposed a small, concrete next step.")
        else:
            candidate = (1, (proposal,), "Proposed a next step, but a vague one: name a time or a tiny action.")
        if best is None or candidate[0] >= best[0]:  # a tie goes to the later step: the ask an answer ends on
            best = candidate
    if best is None:
        return MoveMark("advance", 0, (), "No next step: the conversation has nowhere to go.")
    return MoveMark("advance", best[0], best[1], best[2])


# -- fit: does the answer meet what this prospect said? -------------------------------------------------

_KIN = (r"(?:mother|father|mum|mom|dad|wife|husband|son|daughter|brother|sister|partner|child|baby|grandmother|grandfather|"
        r"grandma|grandpa|gran|nan|aunt|uncle|friend|best friend)")
# Objections that close the door for now: the right answer respects them, pushing on ignores them.
HARD_STOPS = {
    "do_not_call": (cues(r"\b(?:take|get|put|strike) (?:me|us|my (?:name|number)) (?:off|out of)\b", r"\bremove (?:me|us|my)\b",
                         r"\b(?:don't|do not|stop|never) (?:call|calling|contact|contacting|email|emailing|ring|ringing|phone) "
                         r"(?:me|us|here)(?: again)?\b(?! (?:before|after|until|till|at|on|during|between|in the|at work|at home))",
                         r"\bdo[- ]not[- ]call\b", r"\bunsubscribe\b", r"\blose my number\b"),
                    "they asked to be taken off your list; your answer pushes on instead of doing it"),
    "bereavement": (cues(r"\b(?:passed away|passed on|funeral|bereave\w*|hospice)\b",
                         rf"\b(?:lost|losing) (?:my|our) {_KIN}\b", rf"\b(?:my|our) {_KIN} (?:just |recently |has )?(?:died|is dying)\b"),
                    "they told you about a loss; your answer sells through it instead of respecting it"),
    "signed_elsewhere": (cues(r"\b(?:we|i)(?:'ve| have)? (?:already |just )?(?:signed|went|gone|chose|committed|decided to go|"
                              r"contracted|bought)(?: (?:with|for|to|from))? (?:elsewhere|another \w+|someone else|a different \w+|"
                              r"a competitor|the other \w+|other \w+)\b",
                              # "I signed up with a company that promised the same thing": a story of the past, not a deal
                              r"\b(?:we|i)(?:'ve| have)? (?:already |just )?signed (?:up )?with (?!you\b|your\b|us\b)"
                              r"(?!(?:a|an|some|one) \w+ (?:that|who|which)\b)\w+"),
                         "they already signed elsewhere; your answer pushes on instead of wishing them well"),
}
# "You're off the list", "your number is removed", "nobody here will call you again": the removal, said plainly
REMOVED = (r"\byou(?:'re| are|'ve been| have been) (?:now )?(?:off|taken off|removed from) (?:the|our|my|this|every) (?:\w+ )?lists?\b",
           r"\byour (?:number|details|name|record|data|email)(?: is|'s| has been|'s been) (?:now |already )?(?:removed|deleted|off|marked|flagged|blocked|suppressed)\b",
           r"\b(?:removed|deleted|taken off|took off|taking off) your (?:number|details|name|record|data|email)\b",
           r"\b(?:removed|deleted) it from (?:our|the|my) (?:\w+ )?(?:lists?|system|database)\b",
           r"\b(?:nobody|no one|no-one)(?: here| from (?:us|our side|here))? will (?:call|contact|ring|phone|email) you\b")
RESPECT = cues(*REMOVED, r"\b(?:taken|take|took|remove|removed|removing|taking) you (?:off|out)\b", r"\bwon't (?:call|contact|bother|email) you\b",
               r"\b(?:removed|deleted|unsubscribed) you\b", r"\bwon't hear from (?:us|me)\b", r"\bsorry to hear\b",
               r"\b(?:my|our) (?:deepest |sincere )?sympathies\b", r"\bthinking of you\b",
               r"\b(?:not|never) (?:call|contact|bother) you again\b", r"\bsorry (?:for|about) your loss\b", r"\bcondolences\b",
               r"\bso sorry\b", r"\bcongratulations\b", r"\b(?:best of luck|good luck with (?:it|the|your))\b",
               r"\bwish (?:you|them) (?:well|the best|all the best)\b", r"\bhope it goes (?:well|great)\b",
               r"\btake (?:all )?the time you need\b")
# What answers each closed door in full, beyond letting go: the removal done, condolences, good wishes.
# (Another door's courtesy is not enough: "I've taken you off our list" to a bereaved prospect is strong at most.)
FITTING_RESPECT = {
    "do_not_call": cues(*REMOVED, r"\b(?:taken|took|removed|removing|deleted|taking) you (?:off|out)\b", r"\bi(?:'ll| will) take you off\b", r"\b(?:removed|deleted|unsubscribed) you\b",
                        r"\bwon't hear from (?:us|me)\b", r"\b(?:not|never) (?:call|contact|bother) you again\b",
                        r"\bwon't (?:call|contact|bother|email) you\b"),
    "bereavement": cues(r"\bsorry (?:for|about) your loss\b", r"\bcondolences\b", r"\b(?:my|our) (?:deepest |sincere )?sympathies\b",
                        r"\bso sorry\b", r"\bsorry to hear\b", r"\bthinking of you\b"),
    "signed_elsewhere": cues(r"\bcongratulations\b", r"\b(?:best of luck|good luck with (?:it|the|your))\b",
                             r"\bwish (?:you|them) (?:well|the best|all the best)\b", r"\bhope it goes (?:really )?(?:well|great)\b"),
}
# What a prospect may say the objection is about, first match wins, and how an answer shows it heard it.
FIT_TOPICS = (
    ("decider", cues(r"\b(?:my|our|the|her|his|their) (?:wife|husband|partner|spouse|boss|manager|board|other half|co-?founder|director|cfo|ceo|owner|"
                     r"family|dad|mum|mom|father|mother|accountant|committee|team|business partner|supervisor|superiors?|procurement|legal)\b",
                     r"\b(?:run|check|talk|speak) (?:it |this |that )?(?:by|with|past|over with) (?:my|our|the)\b", r"\bnot (?:my|up to me)\b",
                     r"\b(?:sign[- ]off|approval|decision[- ]maker)\b"),
     cues(r"\b(?:both of you|the two of you|you both|(?:the |all )?(?:three|four) of us|all of us|everyone|together|joint\w*|him|her|he|she|them|they|their|he'll|she'll|they'll|"
          r"decision[- ]?makers?|sign[- ]?off|approv\w*|wife|husband|partner|spouse|boss|board|manager|co-?founder|director|"
          r"family|committee|team|cfo|ceo|owner|accountant|procurement|legal|supervisor)\b"),
     "they said {who} has a say; your answer never brings them in"),
    ("past", cues(r"\b(?:tried|burned|burnt|last time|bad experience|didn't work|did not work|unprofessional|let us down|"
                  r"in the past|never again|got stung|fell through|went wrong|hype)\b",
                  r"\b(?:used|had|did|done|bought|hired|worked with) (?:\w+ ){0,4}(?:before|years? ago)\b"),
     PAST_MET := cues(r"\b(?:last time|before|happened|went wrong|fell apart|different|differently|changed|experience|burn\w*|sorry|"
                      r"apolog\w*|that kind of thing|mistake|fix\w*|again|then|past|previous\w*|hype|story|trust|honest\w*|"
                      r"drawbacks?|broke\w*|fail\w*|wrong)\b"),
     "they said it went wrong before; your answer never asks what happened or says what would be different"),
    ("request", cues(r"\b(?:send|email|e-mail|mail|brochure|information|info|literature|proposal|pricing sheet|deck)\b"),
     cues(r"\b(?:send\w*|sent|email\w*|e-mail|mail|inbox|will do|info\w*|brochure|proposal|quote|document|summary|materials?|one[- ]page\w*|"
          r"details|literature|deck|pdf|write\w*|writing|invoice|attach\w*|read|reading|look(?:ed)? at|price|pricing|figures|numbers)\b"),
     "they asked for {what}; your answer never deals with what they asked for"),
    ("timing", cues(r"\b(?:busy|time|timing|later|next (?:week|month|quarter|year)|in a (?:month|few)|call (?:me )?back|not now|"
                    r"not ready|wait|right now|this year|season|swamped|slammed)\b"),
     cues(r"\b(?:time|timing|busy|quarter|month|months|week|weeks|later|when|now|calm\w*|wait\w*|schedule|diary|calendar|days?|"
          r"moment|minutes?|year|season|ready|postpone|slammed|swamped|tired|dial|priorit\w*|on your plate|a lot on|"
          r"q[1-4]|today|tonight|tomorrow|weekend|monday|tuesday|wednesday|thursday|friday|january|february|march|april|june|"
          r"july|august|september|october|november|december|spring|summer|autumn|winter|renewal)\b"),
     "they said the timing is wrong; your answer never talks about when"),
    ("diy", cues(r"\b(?:ourselves|myself|in-house|in house|our own|diy)\b"),
     cues(r"\b(?:yourself|yourselves|in-house|in house|own|team|people|diy|sav\w*|costs?|time|money|hours|project|job)\b"),
     "they said they'll do it themselves; your answer never speaks to doing it themselves"),
    ("incumbent", cues(r"\b(?:happy with|already (?:have|use|work|got)|current|vendors?|providers?|suppliers?|competitors?|"
                       r"(?:an)?other (?:vendors?|providers?|suppliers?|compan(?:y|ies)|firms?|agenc(?:y|ies)|options?|quotes?|"
                       r"dealers?|contractors?|agents?|ones?|brands?|banks?|lenders?)|"
                       r"shopping|compare|comparing|quotes|cheaper|better deal|agent|(?:have|got|use|using) someone who|"
                       r"what (?:i|we) have)\b"),
     cues(r"\b(?:current\w*|vendors?|providers?|suppliers?|them|they|their|compar\w*|options?|switch\w*|happy|loyal\w*|other|"
          r"side by side|alternatives?|competit\w*|already|yourselves|in-house|own|deal|quotes?|equal|agents?|someone|backup|"
          r"second|number 2|improve\w*|better|lowest|cheap\w*|decid\w*|choos\w*|choice|pick|criteria|matters? most|price|"
          r"contract|renew\w*|works?|stick with)\b"),
     "they said they already have someone; your answer never speaks to what they have now"),
    ("price", cues(r"\b(?:expensive|price|pricey|cost|costs|budget|afford|money|spend|too much|cheap\w*|pay|fee)\b"),
     cues(r"\b(?:price\w*|cost\w*|pay\w*|spend\w*|budget\w*|money|invest\w*|value|worth|afford\w*|cheap\w*|expensive|sav\w*|"
          r"roi|fees?|rates?|dollars?|amount|return|figures|numbers|total|quotes?|grand|thousand|compar\w*|discount\w*|"
          r"bill\w*|invoic\w*|instal?l?ments?|financ\w*)\b", r"[$€£]\s?\d", r"\d\s?(?:%|percent\b)"),
     "they said it costs too much; your answer never speaks to the money"),
    ("think", cues(r"\b(?:think|thinking|consider|mull|sleep on|decide|not sure|unsure|hesitant)\b"),
     cues(r"\b(?:think\w*|thought|decid\w*|decision|consider\w*|concerns?|mind|unsure|sure|hesitat\w*|questions?|part|piece|"
          r"sit right|worr\w*|clear|pros|reasons?|doubts?|feel\w*|idea)\b"),
     "they said they want to think it over; your answer never finds out what they are weighing"),
)
# A library objection about trust whose words name no topic ("Your ratings online aren't great."): read from the
# library's category only, never from a trainee's or a call's own words. Met by what "past" accepts, or by
# something the prospect can check for themselves (reviews, references, a guarantee).
TRUST = ("trust", None,
         cues(PAST_MET.pattern, r"\b(?:reviews?|ratings?|stars?|references?|referrals?|testimonials?|case stud(?:y|ies)|customers?|"
              r"clients?|proof|prov\w*|guarantee\w*|track record|check\w*|verif\w*|see for yourself|(?:call|speak to|talk to) "
              r"(?:them|her|him|one|two|three|a few|some)|licen[cs]ed|insured|accredit\w*|certif\w*|warrant\w*|refund\w*)\b"),
         "they said they are not sure they can trust you; your answer never gives them a reason to, or a way to check")
TOPIC_CHECKS = {entry[0]: entry for entry in (*FIT_TOPICS, TRUST)}
# the library's categories, for a library objection whose wording names no topic
CATEGORY_TOPIC = {"money": "price", "authority": "decider", "trust": "trust", "competition": "incumbent",
                  "timing": "timing", "stall": "think", "past_failure": "past", "status_quo": "incumbent",
                  "contract": "incumbent"}
PERSON = re.compile(r"\b(?:my|our|the|her|his|their) ((?:business )?(?:wife|husband|partner|spouse|boss|manager|board|other half|co-?founder|"
                    r"director|cfo|ceo|owner|family|dad|mum|mom|father|mother|accountant|committee|team|supervisor))\b", re.IGNORECASE)
# "incumbent" also holds a prospect who is shopping around: the feedback says which of the two they said
COMPARING = re.compile(r"\b(?:compar\w*|shop\w*|quotes?|(?:an)?other (?:vendors?|providers?|suppliers?|compan(?:y|ies)|firms?|"
                       r"agenc(?:y|ies)|options?|dealers?|contractors?|agents?|brands?|banks?|lenders?)|competit\w*|"
                       r"one of (?:two|three|four|several|a few)|evaluation|demos?|what else is out there)\b", re.IGNORECASE)
COMPARING_MISSED = "they said they are weighing you against others; your answer never speaks to that comparison"
REQUEST = re.compile(r"\b(?:brochure|information|info|literature|proposal|quote|pricing sheet|details|deck|email|price)\b", re.IGNORECASE)
# "It", "that", "you": a question or a specific that is about the prospect or the business, not the moon.
ABOUT = cues(r"\b(?:you|your|you're|you've|yours|yourself|yourselves|we|our|ours|us|we're|we've|i|i'm|i've|i'd|my|me|it|it's|"
             r"that|this|these|those|they|them|their|theirs|he|she|his|her|there|there's|who's|what's|clients?|customers?|people|teams?|companies|businesses|owners?|firms?|"
             r"folks|buyers?|families|homeowners?|response times?|satisfaction|reviews?|ratings?|last time|in the way|went wrong)\b")


@dataclass(frozen=True)
class Fit:
    """What the objection is about and whether the answer meets it."""
    topic: str | None  # a FIT_TOPICS name, a HARD_STOPS name, or None (nothing specific to meet)
    met: bool
    missed: str = ""  # in the prospect's terms, for the feedback


def objection_topic(objection: str, matched: Objection | None, closed_door: str | None = None) -> str | None:
    """The one thing this objection is about, read from its own words first, then from the library. For a
    library objection, a passing "right now" does not make it about timing unless the library says it is
    ("it's out of our budget right now" is about money). `closed_door`: a HARD_STOPS topic the conversation
    opened with (a session's "take me off your list"), which every later line of it is read under."""
    if closed_door in HARD_STOPS:
        return closed_door
    for name, (pattern, _) in HARD_STOPS.items():
        if pattern.search(objection):
            return name
    for name, pattern, _, _ in FIT_TOPICS:
        if pattern.search(objection) and not (name == "timing" and matched and matched.category != "timing"):
            return name
    return CATEGORY_TOPIC.get(matched.category) if matched else None


def _shares_a_word(objection: str, reader: _Reader) -> bool:
    """A content word of the objection (four letters or more, not a common one) said back in the answer."""
    said = {w.lower() for s in reader.sentences for w in WORD.findall(s.text)}
    return any(w in said for w in (w.lower() for w in WORD.findall(objection)) if len(w) >= 4 and w not in COMMON)


STALLS = frozenset({"think", "request", "timing"})


BORROWED_FROM = 0.5  # share of an answer's word triples found in another objection's model answers: a copy


def _triples(text: str) -> set[tuple[str, str, str]]:
    words = [w.lower() for w in WORD.findall(text)]
    return set(zip(words, words[1:], words[2:], strict=False))


@functools.lru_cache(maxsize=4)
def _model_answer_triples(lib: Library) -> dict[str, set[tuple[str, str, str]]]:
    """Each library objection's strong and elite model answers as word triples."""
    return {slug: _triples(" ".join(o.rebuttal(tier).text for tier in ("strong", "elite")))
            for slug, o in lib.objections.items()}


def _borrowed_from(reader: _Reader, matched: Objection, lib: Library) -> Objection | None:
    """The library objection whose model answer this one copies, when it is another one than `matched`:
    the library's answer to price, given to 'my husband decides'."""
    said = _triples(" ".join(s.text for s in reader.sentences))
    if len(said) < 8:
        return None
    shares = {slug: len(said & triples) / len(said) for slug, triples in _model_answer_triples(lib).items()}
    best = max(shares, key=shares.get)
    if best != matched.slug and shares[best] >= BORROWED_FROM and shares[best] > 2 * shares.get(matched.slug, 0.0):
        return lib.objections[best]
    return None


def _fit(objection: str, matched: Objection | None, reader: _Reader, clarify: MoveMark, lib: Library,
         closed_door: str | None = None) -> Fit:
    topic = objection_topic(objection, matched, closed_door)
    if topic in HARD_STOPS:
        return Fit(topic, True)
    who = PERSON.search(objection)
    # an answer that names the person they named ("with your partner") is theirs, whatever else it shares
    named = who and re.search(rf"\b{re.escape(who.group(1).split()[-1])}\b", reader.folded, re.IGNORECASE)
    borrowed = _borrowed_from(reader, matched, lib) if matched and not named else None
    if borrowed:
        said = " ".join((objection or matched.title).split())
        said = said if len(said) <= 80 else said[:77].rsplit(" ", 1)[0] + "..."
        return Fit(topic, False, f"they said “{said.rstrip('.')}”; your answer is the one for “{borrowed.short.lower()}”")
    if topic is None:
        return Fit(topic, True)
    _, _, answered, missed = TOPIC_CHECKS[topic]
    if any(answered.search(s.text) for s in reader.sentences) or _shares_a_word(objection, reader):
        return Fit(topic, True)
    if topic in STALLS and clarify.points == 2:
        return Fit(topic, True)  # a stall names no concern: the question that digs for one is the fitted answer
    if topic == "incumbent" and COMPARING.search(objection):
        missed = COMPARING_MISSED
    what = REQUEST.search(objection)
    person = who.group(1).lower() if who else ""
    pronoun = "her" if person in SHE else "him" if person in HE else "them"
    return Fit(topic, False, missed.replace("them in", f"{pronoun} in").format(
                                           who=f"their {person}" if who else "someone else",
                                           what=f"the {what.group().lower()}" if what else "something"))


# What a request to stop asks about (their number, their data, the emails): specifics on these answer the
# prospect ("your number came from a public directory"), they pitch nothing.
ABOUT_THE_REQUEST = cues(r"\b(?:lists?|numbers?|details|data|records?|e-?mails?|directory|systems?|database|diall?er|"
                         r"remov\w*|delet\w*|flag\w*|shar\w*|sell|passed|passing|pass (?:it|them) on|contact\w*|calls?|"
                         r"calling)\b")


def _pitches(respond: MoveMark, reader: _Reader) -> bool:
    """Whether the specifics of an answer at a closed door pitch something, rather than answer what the prospect
    asked about the request itself (where their number came from, when the emails stop)."""
    for phrase in respond.phrases:
        folded = phrase.translate(_FOLD).lower()
        held = [s for s in reader.sentences if folded in s.text.lower()]
        if not held or not any(ABOUT_THE_REQUEST.search(s.text) for s in held):
            return True
    return False


def _pushes_on(moves: dict[str, MoveMark], topic: str, reader: _Reader) -> bool:
    """After a request to stop, any question, pitch or next step (specifics about the request itself, their number
    or the emails, push nothing); after a loss or a signed deal, a pitch or a step."""
    if topic == "do_not_call":
        return bool(moves["respond"].points and _pitches(moves["respond"], reader) or moves["clarify"].points or
                    moves["advance"].points)
    return bool(moves["respond"].points or moves["advance"].points or
                any(ISOLATE.search(p) for p in moves["clarify"].phrases))


SHE = frozenset({"wife", "mum", "mom", "mother"})
HE = frozenset({"husband", "dad", "father"})
COMMON = frozenset({"that", "this", "with", "have", "just", "your", "about", "really", "need", "want", "they", "them",
                    "there", "their", "what", "when", "will", "would", "could", "should", "from", "been", "were", "then",
                    "than", "some", "more", "much", "very", "it's", "that's", "don't", "we're", "i'm", "i'll", "i've",
                    "going", "right", "sure", "yeah", "okay", "thanks", "thank", "like", "know", "think", "call",
                    "time", "well", "also", "only", "even", "here", "into", "over", "make", "take", "good", "great"})


def _red_flags(reader: _Reader, moves: dict[str, MoveMark], words: int, fit: Fit) -> list[RedFlag]:
    flags: list[RedFlag] = []
    for code, (label, cap, pattern) in FLAGS.items():
        if code == "giving_up" and fit.topic in HARD_STOPS:
            continue  # after "take me off your list" or a loss, letting go is the right answer, never "giving up"
        phrases = tuple(dict.fromkeys(
            p for s in reader.all_sentences
            if not (code == "giving_up" and s.is_question)  # "When you say think it over, what part...?"
            and not (code == "discount" and THIRD_PARTY.search(s.text))  # "insurers often take 5-10% off"
            and (p := reader.find(pattern, s, skip_negated=code in NEGATABLE_FLAGS))))
        if code == "giving_up":
            # "No problem, quick question: ..." keeps the conversation going; "think it over" is only
            # excused by a concrete next step.
            if moves["advance"].points == 2:
                phrases = ()
            elif moves["clarify"].points == 2:
                phrases = tuple(p for p in phrases if not SOFT_GIVING_UP.search(p))
        if phrases:
            flags.append(RedFlag(code, label, cap, phrases))
    if fit.topic in HARD_STOPS and _pushes_on(moves, fit.topic, reader):
        pushed = tuple(dict.fromkeys(p for move in ("advance", "respond", "clarify") for p in moves[move].phrases))
        label, cap = FIT_FLAGS["ignores"]
        flags.append(RedFlag("ignores", f"{label} ({HARD_STOPS[fit.topic][1].split(';')[0]})", cap, pushed[:3]))
    elif not fit.met:
        label, cap = FIT_FLAGS["off_target"]
        flags.append(RedFlag("off_target", f"{label} ({fit.missed})", cap, ()))
    questions = sum(1 for s in reader.sentences if s.is_question)
    if words > 160 or (words > 110 and not questions):
        detail = f"{words} words" + ("" if questions else ", no question")
        # a minute of talking caps the grade at strong; a wall of text, whatever is in it, is weak
        flags.append(RedFlag("monologue", f"Monologue ({detail})", "weak" if words > WALL_OF_TEXT else "strong", ()))
    return flags


FIT_CODES = frozenset({"off_target"})  # caps for an answer that misses the objection, not red flags of manner


def tier_for(points: dict[str, int], flags: list[RedFlag]) -> str:
    total = sum(points.values())
    present = sum(1 for value in points.values() if value)
    full_body = points["clarify"] == points["respond"] == points["advance"] == 2
    if total >= ELITE_POINTS and present >= ELITE_MOVES and (points["acknowledge"] >= 1 or full_body):
        tier = "elite"
    elif (points["clarify"] == 2 or points["advance"] == 2 or (points["clarify"] == 1 and total >= 3)
          or (points["acknowledge"] == 2 and not [f for f in flags if f.code not in FIT_CODES] and (points["respond"] == 2 or points["respond"] + points["advance"] >= 2))):
        tier = "strong"
    else:
        tier = "weak"
    for flag in flags:
        if TIERS.index(flag.cap) < TIERS.index(tier):
            tier = flag.cap
    return tier


def score_for(tier: str, total: int, flags: list[RedFlag]) -> int:
    low, high = TIER_BANDS[tier]
    if tier == "elite":
        position = (total - ELITE_POINTS) / 2
    elif tier == "strong":
        position = max(0, total - 1) / 6
    else:
        position = total / 8
    score = low + round((high - low) * min(1.0, position)) - 4 * len(flags)
    return max(low, min(high, score))


# What respecting each closed door means, for the advice under an answer that pushed on
IGNORES_ADVICE = {
    "do_not_call": "Respect it: confirm you've taken them off the list, apologise briefly for the interruption, and "
                   "end the call with no question, pitch or meeting.",
    "bereavement": "Respect it: offer sincere condolences, step back completely, and leave the next contact to them, "
                   "with no date and no question about the deal.",
    "signed_elsewhere": "Respect it: congratulate them, wish them well, and let them go without a pitch.",
}


def _advice(flag: RedFlag, topic: str | None = None) -> str:
    """The advice for a flag; for an answer that misses the objection, what it missed, in the prospect's terms;
    for one that pushed on at a closed door, what respecting that door means."""
    advice = IGNORES_ADVICE.get(topic, FLAG_ADVICE[flag.code]) if flag.code == "ignores" else FLAG_ADVICE[flag.code]
    if flag.code in ("off_target", "ignores") and "(" in flag.label:
        missed = flag.label[flag.label.index("(") + 1:-1]
        return f"{missed[0].upper()}{missed[1:]}. {advice}"
    return advice


# Where the door is closed, the better line respects it: no question, no pitch, no meeting.
RESPECTFUL = {
    "do_not_call": "Of course. I've taken you off our list just now, and you won't hear from us again. Sorry for "
                   "the interruption, and have a good day.",
    "bereavement": "I'm so sorry for your loss. Please take all the time you need; I won't call you again, and if "
                   "it ever helps later, you know where to find me.",
    "signed_elsewhere": "Congratulations, I hope it goes really well for you. Thanks for letting me know; I'll take "
                        "you off my follow-ups.",
}


def feedback_for(moves: tuple[MoveMark, ...], flags: list[RedFlag], objection: Objection | None,
                 topic: str | None = None) -> Feedback:
    keep = tuple(f"{m.label}: {m.note}" for m in moves if m.points == 2)
    start = tuple(f"{m.label}: {RUBRIC[m.move]}" for m in moves if m.points < 2)
    stop = tuple(_advice(f, topic) for f in flags)
    if topic in RESPECTFUL:
        start = ()  # the four moves are not what this moment asks for
        better, why = RESPECTFUL[topic], "They told you where things stand: the right answer respects it."
    elif objection:
        elite = objection.rebuttal("elite")
        better, why = elite.text, elite.why
    else:
        better = ("That's a fair thing to raise. Before I answer, can I ask what's behind it: is it the cost, "
                  "the timing, or something else? Other teams in your spot usually find the biggest cost is "
                  "waiting another quarter. Could we take 15 minutes on Thursday at 10 to look at your numbers together?")
        why = "All four moves: acknowledge, isolate the real concern, answer with specifics, and a small concrete ask."
    return Feedback(keep, start, stop, better, why)


ENGLISH = frozenset({"the", "a", "an", "you", "your", "i", "it", "is", "to", "and", "of", "that", "we", "what",
    "this", "for", "with", "can", "how", "not", "be", "are", "do", "my", "our", "if", "me", "so", "they",
    "have", "at", "in", "on", "or", "but", "about", "would", "could", "will", "i'll", "i'm", "it's", "that's",
    "you're", "we're", "don't", "can't", "let's", "then", "there", "just"})


def reads_as_english(text: str) -> bool:
    """Whether the letters are mostly Latin ones and enough of the common English words are there (eight words
    or fewer in Latin letters always pass)."""
    letters = [ch for ch in text if ch.isalpha()]
    if sum(ch <= "\u024f" for ch in letters) * 2 < len(letters):  # another script: Arabic, Cyrillic, Han...
        return False
    words = [w.lower() for w in WORD.findall(text) if not w.isdigit()]
    return len(words) <= 8 or sum(w in ENGLISH for w in words) * 10 >= len(words)


def match_objection(objection_text: str, lib: Library | None = None) -> Objection | None:
    lib = lib or library()
    found = matcher_for(lib).best(objection_text)
    return lib.objections[found.slug] if found else None


# Control characters (Unicode category Cc) but line breaks and tabs, lone surrogates (Cs), invisible
# characters pasted along with text (zero-width spaces and joiners, a soft hyphen), and the directional
# overrides and isolates that make a line show in another order than it reads (U+202A-E, U+2066-9; the
# plain left-to-right and right-to-left marks stay). Emoji joiners stay.
_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u200b\u200c\u2060\ufeff\u00ad\u180e"
                       "\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str) -> str:
    """Drop control characters (but keep line breaks) and invisible ones pasted along with text (a
    zero-width space, a soft hyphen), and normalise to NFC."""
    return _UNWANTED.sub("", unicodedata.normalize("NFC", text or ""))


def rubric_accepts(move: str, phrase: str, rebuttal: str) -> bool:
    """Whether `phrase` is evidence the rubric itself would accept for `move`: the sentence of the rebuttal
    that holds it, read alone (with the one after it, for an opening acknowledgement), earns that move.
    A judge that quotes "think" from "Okay... whatever you think." as a question has quoted no question."""
    reader = _Reader(clean_text(rebuttal))
    wanted = " ".join(phrase.translate(_FOLD).casefold().split()).strip(" .,;:!?\"'")
    if not wanted:
        return False
    for position, sentence in enumerate(reader.sentences):
        if wanted not in " ".join(sentence.text.casefold().split()):
            continue
        following = reader.sentences[position + 1:position + 2]
        alone = _Reader(" ".join(reader.whole(s) for s in (sentence, *following)) if move == "acknowledge"
                        else reader.whole(sentence))
        if MOVE_READERS[move](alone).points:
            return True
    return False


MOVE_READERS = {"acknowledge": _acknowledge, "clarify": _clarify, "respond": lambda reader: _respond(reader, set()),
                "advance": _advance}


@dataclass(frozen=True)
class _Reading:
    """Everything the rules read in one answer, before a tier is decided."""
    reader: _Reader
    marks: tuple[MoveMark, ...]
    flags: list[RedFlag]
    fit: Fit
    matched: Objection | None
    notes: list[str]

    @property
    def points(self) -> dict[str, int]:
        return {mark.move: mark.points for mark in self.marks}


def _read(objection: str, rebuttal: str, objection_slug: str | None, lib: Library,
          closed_door: str | None = None, context: str = "") -> _Reading:
    rebuttal = clean_text(rebuttal)
    notes: list[str] = []
    if len(rebuttal) > MAX_REBUTTAL * 2:
        rebuttal = rebuttal[:MAX_REBUTTAL * 2]
        notes.append(f"Only the first {MAX_REBUTTAL * 2:,} characters were graded.")
    matched = lib.objection(objection_slug) or match_objection(objection or "", lib)
    reader = _Reader(rebuttal)
    words = sum(s.words for s in reader.all_sentences)  # every word the prospect would hear, set aside or not
    # what the prospect said, now or earlier in the conversation (`context`): a sentence taking a word of it up is about them
    objection_words = {w.lower() for w in WORD.findall(f"{objection or ''} {context}") if len(w) >= 4 and w.lower() not in COMMON}
    marks = (_acknowledge(reader), _clarify(reader, objection_words), _respond(reader, objection_words),
             _advance(reader, bad_moment=bool(BAD_MOMENT.search(objection or ""))))
    moves = {mark.move: mark for mark in marks}
    fit = _fit(clean_text(objection or "")[:MAX_REBUTTAL], matched, reader, moves["clarify"], lib, closed_door)
    flags = _red_flags(reader, moves, words, fit)
    if reader.ignored:
        notes.append("Text addressed to the grader was ignored: only what you'd say to a prospect counts.")
    if not reads_as_english(reader.folded):
        notes.append("This grader reads English: an answer in another language cannot earn its moves here.")
    return _Reading(reader, marks, flags, fit, matched, notes)


def answer_shape(reader: _Reader) -> tuple[int, int]:
    """The words and the questions of what the rep honestly says: text set aside for the grader excluded,
    and a sentence said twice counted once (saying it again earns nothing)."""
    said = {s.text.lower(): s for s in reader.sentences}.values()
    return sum(s.words for s in said), sum(1 for s in said if s.is_question)


def cap_tier(tier: str, caps: tuple[str, ...], points: dict[str, int]) -> str:
    """A tier held down by every red flag's cap. An answer that earns no move is weak however long it is,
    and elite needs ELITE_MINIMUM points over two moves or more, among them a question or specifics."""
    for cap in caps:
        tier = min(tier, cap, key=TIERS.index)
    total, present = sum(points.values()), sum(1 for value in points.values() if value)
    if total == 0:
        return "weak"
    if tier == "elite" and (total < ELITE_MINIMUM or present < 2 or not (points["clarify"] or points["respond"])):
        return "strong"  # elite finds or answers the concern: a nod and a meeting request is not enough
    return tier


def calibrated_tier(predicted: str, rules: str, caps: tuple[str, ...], points: dict[str, int]) -> str:
    """The rules' own tier is the floor (the rubric's definitions hold: a real question is strong, three moves
    done well elite); the learned calibration's `predicted` tier lifts what real trainers grade higher (the
    complete scripts the patterns under-read); then the red flags cap it."""
    return cap_tier(max(predicted, rules, key=TIERS.index), caps, points)


def respects_closed_door(objection: str, reader: _Reader, closed_door: str | None = None) -> str | None:
    """How this answers a closed door (take me off your list, a loss, signed elsewhere): "fitting" when it
    says what that door asks for (the removal done, condolences, good wishes), "respects" when it lets go
    in other words, None when it does neither or the door is open. `closed_door`: as `objection_topic`."""
    topic = objection_topic(clean_text(objection or "")[:MAX_REBUTTAL], None, closed_door)
    if topic not in HARD_STOPS:
        return None
    if any(FITTING_RESPECT[topic].search(s.text) for s in reader.sentences):
        return "fitting"
    return "respects" if any(RESPECT.search(s.text) for s in reader.sentences) else None


RESPECTFUL_CLOSE_WORDS = 12  # a closed door answered in full: acknowledged, done, and a warm word to end on


def decide_tier(points: dict[str, int], flags: list[RedFlag] | tuple[RedFlag, ...], *, words: int,
                questions: int, respects: str | None = None, model: dict | None = None) -> str:
    """The tier from the rules' reading, through the learned calibration (closergym.calibration). Where the
    door is closed, an answer that respects it (`respects`) and pushes nothing is the right answer: strong
    when it only complies ("Okay, I'll take you off."), elite when it also acknowledges the person in a whole
    sentence or two and says what this door asks for (`respects == "fitting"`: "Of course, and sorry to have
    bothered you. I've taken you off our list just now...")."""
    rules = tier_for(points, list(flags))
    tier = calibrated_tier(predict(features(points, words, questions, rules), model), rules,
                           tuple(flag.cap for flag in flags), points)
    if not respects or flags:
        return tier
    if respects == "fitting" and points.get("acknowledge") == 2 and words >= RESPECTFUL_CLOSE_WORDS:
        return "elite"
    return max(tier, "strong", key=TIERS.index)


def grade_features(objection: str, rebuttal: str, *, context: str = "", objection_slug: str | None = None,
                   lib: Library | None = None) -> tuple[list[float], str, tuple[str, ...], dict[str, int]]:
    """The calibration model's inputs for one answer, the rules' own tier, the caps of its red flags and
    its move points: what bench/fit_calibration.py fits on and bench/grader_accuracy.py cross-validates."""
    reading = _read(objection, rebuttal, objection_slug, lib or library())
    words, questions = answer_shape(reading.reader)
    rules = tier_for(reading.points, reading.flags)
    return (features(reading.points, words, questions, rules), rules, tuple(flag.cap for flag in reading.flags),
            reading.points)


def grade_rebuttal(objection: str, rebuttal: str, *, context: str = "", objection_slug: str | None = None,
                   lib: Library | None = None, closed_door: str | None = None) -> Grade:
    """Grade `rebuttal` as an answer to `objection`. Deterministic; never raises on any text. `context`: what
    else the prospect said (their earlier lines in a conversation): an answer may take those up too.
    `closed_door`: the HARD_STOPS topic a conversation opened with (a sparring session on "take me off your
    list"): the answer to any later line of it is graded knowing the door is closed."""
    reading = _read(objection, rebuttal, objection_slug, lib or library(), closed_door, context[:MAX_REBUTTAL * 2])
    reader, marks, flags, points = reading.reader, reading.marks, reading.flags, reading.points
    words, questions = answer_shape(reader)
    tier = decide_tier(points, flags, words=words, questions=questions,
                       respects=respects_closed_door(objection, reader, closed_door))
    return Grade(
        tier=tier,
        score=score_for(tier, sum(points.values()), flags),
        moves=marks,
        red_flags=tuple(flags),
        feedback=feedback_for(marks, flags, reading.matched, reading.fit.topic),
        objection_slug=reading.matched.slug if reading.matched else None,
        ignored=tuple(reader.ignored),
        notes=tuple(reading.notes),
    )
