"""What kind of thing a quiz option is, so that a wrong option is the same kind as the answer.

Kinds: ``service`` (a cloud service, with its family: compute, storage, database, messaging,
networking, security, management, developer, analytics), ``quantity`` (a number with a unit, its
dimension as family), ``http`` (an HTTP status code), ``heading`` (a fragment of a heading, "Domain 1":
never an option), ``purpose`` (a phrase saying what something is for) and ``term`` (anything else).

>>> [str(kind_of(x)) for x in ("Amazon SQS", "Simple Queue Service (SQS)", "HTTP 414", "256 kb", "Domain 1")]
['service/messaging', 'service/messaging', 'http', 'quantity/size', 'heading']
>>> str(kind_of("IAM Policy")), str(kind_of("to define cloud infrastructure using code"))
('term', 'purpose')
>>> same_kind("EC2", "AWS Lambda"), same_kind("EC2", "Inline policy"), same_kind("5 GB", "30 days")
(True, False, False)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from assistant.quiz.facts import BASE_VERB_START
from assistant.quiz.names import canon
from core.text import find_quantities

# Each family's services, by the names the notes may give them (canon() is applied: vendor prefix,
# case, spaces and plurals don't matter).
SERVICE_FAMILIES: dict[str, tuple[str, ...]] = {
    "compute": (
        "EC2", "Elastic Compute Cloud", "Lambda", "ECS", "Elastic Container Service", "EKS",
        "Elastic Kubernetes Service", "Fargate", "Elastic Beanstalk", "Batch", "Lightsail", "ECR",
        "Elastic Container Registry", "Auto Scaling", "ASG", "Copilot", "App Runner",
    ),
    "storage": (
        "S3", "Simple Storage Service", "S3 Glacier", "Glacier", "EBS", "Elastic Block Store", "EFS",
        "Elastic File System", "Storage Gateway", "FSx", "Snowball", "Backup",
    ),
    "database": (
        "DynamoDB", "RDS", "Relational Database Service", "Aurora", "ElastiCache", "Elastic cache",
        "MemoryDB for Redis", "MemoryDB", "Redshift", "DocumentDB", "Neptune", "Keyspaces", "DAX",
    ),
    "messaging": (
        "SQS", "Simple Queue Service", "SNS", "Simple Notification Service", "MQ", "EventBridge",
        "Event bridge", "Step Functions", "SWF", "Simple Workflow Service", "Kinesis", "Kinesis Data Streams",
        "Firehose", "Kinesis Data Firehose", "AppFlow",
    ),
    "networking": (
        "VPC", "Virtual Private Cloud", "Route 53", "CloudFront", "Elastic Load Balancing", "ELB",
        "API Gateway", "Direct Connect", "Global Accelerator", "Transit Gateway",
    ),
    "security": (
        "IAM", "Identity and Access Management", "KMS", "Key Management Service", "Secrets Manager",
        "Cognito", "WAF", "Shield", "Certificate Manager", "ACM", "Private Certificate Authority", "STS",
        "Security Token Service", "CloudHSM", "Signer", "GuardDuty", "Inspector", "Macie", "Security Hub",
        "Directory Service", "IAM Identity Center",
    ),
    "management": (
        "CloudWatch", "CloudWatch Logs", "CloudTrail", "Config", "CloudFormation", "Cloud Development Kit",
        "CDK", "Systems Manager", "SSM", "Parameter Store", "Systems Manager Parameter Store", "CloudShell",
        "X-Ray", "AppConfig", "Trusted Advisor", "Organizations", "Service Catalog",
    ),
    "developer": (
        "CodeCommit", "CodeBuild", "CodeDeploy", "CodePipeline", "CodeArtifact", "CodeStar", "CodeGuru",
        "CodeWhisperer", "Cloud9", "Serverless Application Model", "SAM", "Amplify", "CLI", "AppSync",
    ),
    "analytics": ("Athena", "Glue", "EMR", "QuickSight", "OpenSearch Service", "OpenSearch", "Elasticsearch"),
}
SERVICES: dict[str, str] = {canon(name): family for family, names in SERVICE_FAMILIES.items() for name in names}
_SERVICE_KEYS = tuple(SERVICES)

# "Domain 1", "Section 2.3", "Task Statement 1", "Module 4": parts of a heading, not things.
HEADING_FRAGMENT = re.compile(
    r"^(?:domain|section|chapter|part|module|unit|lesson|task(?:\s+statement)?|step|week|day|page|objective)"
    r"\s+\d+(?:\.\d+)*\b.{0,3}$",
    re.IGNORECASE,
)
HTTP_CODE = re.compile(r"^(?:https?\s*)?(?:status\s*(?:code)?\s*)?[1-5]\d\d(?:\s*(?:error|status|code))?$", re.I)
PURPOSE_START = re.compile(
    r"^(?:to|for|used\s+(?:to|for)|is\s+used\s+(?:to|for)|so\s+that|in\s+order\s+to)\s+\w", re.IGNORECASE
)


@dataclass(frozen=True)
class Kind:
    """A kind of option (``name``) and, for a service its family, for a quantity its dimension."""

    name: str
    family: str = ""

    def __str__(self) -> str:
        return f"{self.name}/{self.family}" if self.family else self.name


def service_family(name: str) -> str | None:
    """The family of a service ('compute' for 'AWS Lambda'); None when ``name`` is no service.
    Small misspellings count ('Sytems manager'); a name that only contains a service ('IAM Policy') does not."""
    key = canon(re.sub(r"\s*\(([^()]*)\)", r" \1", name))  # "Simple Queue Service (SQS)": either half
    forms = {key, canon(re.sub(r"\s*\([^()]*\)", "", name)), *(canon(p) for p in re.findall(r"\(([^()]*)\)", name))}
    for form in forms:
        if form in SERVICES:
            return SERVICES[form]
    for form in forms:
        if len(form) >= 8:
            hit = process.extractOne(form, _SERVICE_KEYS, scorer=fuzz.ratio, score_cutoff=88)
            if hit is not None:
                return SERVICES[hit[0]]
    return None


@lru_cache(maxsize=16384)
def kind_of(text: str) -> Kind:
    """The kind of an option (see the module's doc)."""
    clean = re.sub(r"\s+", " ", text).strip().strip("“”\"'.")
    if not clean:
        return Kind("term")
    if HEADING_FRAGMENT.match(clean):
        return Kind("heading")
    if HTTP_CODE.match(clean):
        return Kind("http")
    quantities = find_quantities(clean)
    if len(quantities) == 1 and len(clean) - len(quantities[0].text) <= 2:
        return Kind("quantity", quantities[0].dimension)
    words = clean.split()
    if len(words) >= 3 and (PURPOSE_START.match(clean) or words[0].lower() in BASE_VERB_START):
        return Kind("purpose")  # "to send events", "define cloud infrastructure using code"
    family = service_family(clean)
    if family is not None:
        return Kind("service", family)
    return Kind("term")


def same_kind(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are the same kind of thing (a service's family may differ; a
    quantity's dimension may not). A heading fragment is of no kind at all."""
    x, y = kind_of(a), kind_of(b)
    if "heading" in (x.name, y.name) or x.name != y.name:
        return False
    return x.family == y.family if x.name == "quantity" else True


def is_heading_fragment(text: str) -> bool:
    return kind_of(text).name == "heading"
