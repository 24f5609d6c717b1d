"""Realistic, deterministic landing data for one business day: ``generate``.

Five datasets land under ``out``, each in files named ``<object>-<YYYYMMDD>-<NNNN>.<ext>``:

==================  ===========================  ==========================================
dataset             folder                       content
==================  ===========================  ==========================================
``accounts``        ``salesforce/accounts/``     Salesforce REST Account records (JSON Lines)
``leads``           ``salesforce/leads/``        Salesforce REST Lead records (JSON Lines)
``orders_events``   ``kafka/orders_events/``     Kafka record envelopes, JSON ``value`` text
``legacy_orders``   ``snowflake/legacy_orders/`` a Snowflake CSV unload of older orders
``fx_rates``        ``fx/rates/``                daily rates, units of ccy per 1 USD (CSV)
==================  ===========================  ==========================================

``rows`` order records are split 80/20 between Kafka events and legacy orders (one row per
order at its current status); about 30% of the Kafka orders are sent again later the same day
with a progressed status. A file holds at most ~250,000 records, or ``files_per_dataset``
splits each dataset evenly (never into empty files).

With ``dirty`` > 0 that share of every dataset's records carries exactly one defect, spread
evenly over the kinds in ``DEFECT_KINDS``; the manifest (``<out>/_manifest.json``) counts
them. A Kafka ``duplicate`` is a producer retry: the same key and value at a new offset. No
defect takes anything from a clean record: FX defects are extra rows on top of the clean
ones (a copy, a row without ccy, a non-positive rate for a currency no order uses), and an
order missing its FX rate is in a currency the FX feed does not carry.

Everything derives from ``random.Random`` seeded by text (hash randomisation plays no part)
and from the options: the same options give byte-identical files. Account Ids and attributes
depend on the seed only, so the same accounts come back every business day.
"""

from __future__ import annotations

import csv
import json
import random
import re
import unicodedata
import zlib
from array import array
from collections.abc import Callable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

__all__ = [
    "DATASET_FOLDERS",
    "DEFECT_KINDS",
    "FX_CURRENCIES",
    "MANIFEST_NAME",
    "ORDER_STATUSES",
    "GenerateOptions",
    "Manifest",
    "generate",
]

MANIFEST_NAME = "_manifest.json"
#: Without ``files_per_dataset``: one file per this many records (at least one file).
ROWS_PER_FILE = 250_000

DATASET_FOLDERS: Mapping[str, str] = MappingProxyType(
    {
        "accounts": "salesforce/accounts",
        "leads": "salesforce/leads",
        "orders_events": "kafka/orders_events",
        "legacy_orders": "snowflake/legacy_orders",
        "fx_rates": "fx/rates",
    }
)
_EXTENSIONS = {"accounts": "jsonl", "leads": "jsonl", "orders_events": "jsonl"}

_ORDER_KINDS = (
    "null_order_id",
    "negative_amount",
    "unknown_status",
    "duplicate",
    "mixed_timestamp",
    "late_event",
    "missing_fx_rate",
    "unknown_customer",
)
_SALESFORCE_KINDS = ("null_id", "duplicate_id", "mixed_timestamp")
#: The defect kinds each dataset can carry; the manifest counts them as ``<dataset>.<kind>``.
DEFECT_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "accounts": _SALESFORCE_KINDS,
        "leads": _SALESFORCE_KINDS,
        "orders_events": (*_ORDER_KINDS, "malformed_value"),
        "legacy_orders": (*_ORDER_KINDS, "malformed_row"),
        "fx_rates": ("null_ccy", "duplicate_key", "non_positive_rate"),
    }
)

ORDER_STATUSES = ("PLACED", "PAID", "SHIPPED", "CANCELLED")
PLACED, PAID, SHIPPED, CANCELLED = range(4)
#: Units of each currency per 1 USD, around which the daily rates drift.
FX_CURRENCIES: Mapping[str, float] = MappingProxyType(
    {
        "EUR": 0.92,
        "GBP": 0.79,
        "JPY": 151.40,
        "CHF": 0.88,
        "CAD": 1.37,
        "AUD": 1.53,
        "SEK": 10.62,
        "NOK": 10.81,
        "DKK": 6.86,
        "SGD": 1.34,
    }
)
_ORDER_CCYS = ("USD", *FX_CURRENCIES)
#: Order currencies per 100 orders: USD 40, the FX currencies 60.
_CCY_TABLE = tuple(
    i for i, weight in enumerate((40, 18, 10, 6, 4, 6, 5, 3, 2, 2, 4)) for _ in range(weight)
)
#: Currencies the FX feed never carries: an order in one of them has no rate.
_NO_FX_CCYS = ("BRL", "ZAR", "INR", "TRY", "ARS")
#: Currencies no order uses: a non-positive rate for one of them takes no order's rate away.
_UNUSED_FX_CCYS = ("HKD", "NZD", "PLN", "CZK", "HUF", "ILS", "KRW", "THB")
_UNKNOWN_STATUSES = ("REFUNDED", "pending", "ON_HOLD", "BACKORDERED", "returned")

_FIRST_STATUS = (PLACED,) * 60 + (PAID,) * 25 + (SHIPPED,) * 8 + (CANCELLED,) * 7
_LEGACY_STATUS = (PLACED,) * 15 + (PAID,) * 20 + (SHIPPED,) * 55 + (CANCELLED,) * 10
_QUANTITY = (1,) * 50 + (2,) * 25 + (3,) * 12 + (4,) * 6 + (5,) * 4 + (10,) * 3
_SKUS = 2_000
_PARTITIONS = 6
_RESEND_SHARE = 0.3

DAY_MS = 86_400_000
_LAST_ORDER_MS = DAY_MS - 120_000  # first events leave room for a re-send the same day
_LAST_RESEND_MS = DAY_MS - 10_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ID_EPOCH = date(2020, 1, 1)
_FX_ANCHOR = date(2000, 1, 1)

_KAFKA_TS_VARIANTS = ("epoch", "plus1", "minus5", "space", "us")
_LEGACY_TS_VARIANTS = ("epoch", "plus1", "minus5", "iso", "us")

Row = str | list[str]  # a JSON line or a raw CSV line (written as is), or CSV fields

# --- public API ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GenerateOptions:
    """What to generate. ``generate`` checks the values (``ValueError`` when out of range)."""

    out: Path
    rows: int  # order records in total: Kafka events + legacy Snowflake orders, >= 1
    _: KW_ONLY
    seed: int = 7
    dirty: float = 0.02  # share of records that carry a defect, 0.0..1.0
    business_date: date  # the day being landed
    files_per_dataset: int | None = None  # None: one file per ~250_000 records

    def check(self) -> None:
        """Raise ``ValueError`` with a one-line message for an option out of range."""
        if isinstance(self.rows, bool) or not isinstance(self.rows, int) or self.rows < 1:
            raise ValueError(f"rows must be an integer >= 1, got {self.rows!r}")
        if not 0.0 <= self.dirty <= 1.0:  # NaN fails too
            raise ValueError(f"dirty must be between 0.0 and 1.0, got {self.dirty!r}")
        fpd = self.files_per_dataset
        if fpd is not None and (isinstance(fpd, bool) or not isinstance(fpd, int) or fpd < 1):
            raise ValueError(f"files_per_dataset must be an integer >= 1 or None, got {fpd!r}")
        if isinstance(self.business_date, datetime) or not isinstance(self.business_date, date):
            raise ValueError(f"business_date must be a date, got {self.business_date!r}")


@dataclass(frozen=True, slots=True)
class Manifest:
    """What ``generate`` wrote: records per dataset, defects per ``<dataset>.<kind>``, files."""

    business_date: date
    seed: int
    dirty: float
    counts: Mapping[str, int]
    defects: Mapping[str, int]
    files: tuple[str, ...]  # relative to ``out``, '/'-separated, sorted

    def to_json(self) -> str:
        document = {
            "business_date": self.business_date.isoformat(),
            "seed": self.seed,
            "dirty": self.dirty,
            "counts": dict(self.counts),
            "defects": dict(self.defects),
            "files": list(self.files),
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        document = json.loads(text)
        return cls(
            business_date=date.fromisoformat(document["business_date"]),
            seed=int(document["seed"]),
            dirty=float(document["dirty"]),
            counts=MappingProxyType({str(k): int(v) for k, v in document["counts"].items()}),
            defects=MappingProxyType({str(k): int(v) for k, v in document["defects"].items()}),
            files=tuple(str(f) for f in document["files"]),
        )


def generate(options: GenerateOptions, progress: Callable[[str], None] | None = None) -> Manifest:
    """Write one business day of landing data under ``options.out``; return its manifest.

    Earlier files of the same datasets and business date are replaced; other files are left
    alone. ``progress`` hears about each file written, never about single records.
    """
    options.check()
    run = _Run(options, progress or _silent)
    customers = _accounts(run)
    _leads(run, customers)
    n_kafka = max(1, (options.rows * 4 + 2) // 5)  # 80%, rounded half up
    _kafka_orders(run, [c for c, _ in customers], n_kafka)
    _legacy_orders(run, [c for c, _ in customers], options.rows - n_kafka)
    _fx_rates(run)
    manifest = Manifest(
        business_date=run.bd,
        seed=options.seed,
        dirty=options.dirty,
        counts=MappingProxyType(dict(run.counts)),
        defects=MappingProxyType({k: run.defects[k] for k in sorted(run.defects)}),
        files=tuple(sorted(run.files)),
    )
    _write_text(options.out / MANIFEST_NAME, manifest.to_json())
    run.say(f"wrote {len(manifest.files)} files and {MANIFEST_NAME} to {options.out}")
    return manifest


# --- the run: options, clocks, files --------------------------------------------------------


def _silent(_: str) -> None:
    return None


class _Run:
    def __init__(self, options: GenerateOptions, say: Callable[[str], None]) -> None:
        self.options = options
        self.say = say
        self.bd = options.business_date
        self.seed = options.seed
        self.dirty = options.dirty
        self.stamp = self.bd.strftime("%Y%m%d")
        midnight = datetime(self.bd.year, self.bd.month, self.bd.day, tzinfo=UTC)
        self.bd_ms = (midnight - _EPOCH) // timedelta(milliseconds=1)
        self.bd_s = self.bd_ms // 1000
        self.day_slot = (self.bd - _ID_EPOCH).days % 4000
        self.counts: dict[str, int] = {}
        self.defects: dict[str, int] = {}
        self.files: list[str] = []
        self.late_dates: list[date] = []
        self._unknown_customers = 0
        self._days: dict[int, str] = {}
        self.account_offset = self.static_rng("account-ids").randrange(_ID_SPACE)

    # randomness: text seeds are hashed with SHA-512 by ``random``, never with ``hash()``
    def rng(self, part: str) -> random.Random:
        """A generator for this seed, business date and ``part``."""
        return random.Random(f"pipelines.orders.generate:{self.seed}:{self.bd.isoformat()}:{part}")

    def static_rng(self, part: str) -> random.Random:
        """A generator for this seed and ``part``, the same on every business date."""
        return random.Random(f"pipelines.orders.generate:{self.seed}:{part}")

    def count(self, dataset: str, records: int, found: Mapping[str, int]) -> None:
        self.counts[dataset] = records
        for kind in DEFECT_KINDS[dataset]:
            if found.get(kind, 0) > 0:
                self.defects[f"{dataset}.{kind}"] = found[kind]

    def unknown_customer(self) -> str:
        """An account-like Id that is no account (numbers far above any account's)."""
        self._unknown_customers += 1
        return _salesforce_id("001", 1_000_000_000 + self._unknown_customers, self.account_offset)

    # clocks: an order time is milliseconds since the business date's midnight, UTC
    def day(self, offset: int) -> str:
        text = self._days.get(offset)
        if text is None:
            text = self._days[offset] = (self.bd + timedelta(days=offset)).isoformat()
        return text

    def iso_ms(self, t: int) -> str:
        day, ms = divmod(t, DAY_MS)
        s, ms = divmod(ms, 1000)
        m, s = divmod(s, 60)
        h, m = divmod(m, 60)
        return f"{self.day(day)}T{h:02d}:{m:02d}:{s:02d}.{ms:03d}Z"

    def sql_ts(self, t: int) -> str:
        day, ms = divmod(t, DAY_MS)
        m, s = divmod(ms // 1000, 60)
        h, m = divmod(m, 60)
        return f"{self.day(day)} {h:02d}:{m:02d}:{s:02d}"

    def other_format(self, t: int, variant: str) -> str:
        """The instant ``t`` in another valid timestamp format (sub-seconds may be dropped)."""
        epoch_ms = self.bd_ms + t
        if variant == "epoch" and len(str(epoch_ms)) == 13:
            return str(epoch_ms)
        moment = _EPOCH + timedelta(milliseconds=epoch_ms)
        if variant == "plus1":
            return (moment + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S+01:00")
        if variant == "minus5":
            return (moment - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
        if variant == "iso":
            return self.iso_ms(t)
        if variant == "us":
            return moment.strftime("%m/%d/%Y %H:%M:%S")
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    # files
    def write(
        self,
        dataset: str,
        rows: int,
        render: Callable[[int], Row],
        header: Sequence[str] | None = None,
    ) -> None:
        """Write records ``render(0) .. render(rows - 1)``, in that order, split into files."""
        folder_name = DATASET_FOLDERS[dataset]
        ext = _EXTENSIONS.get(dataset, "csv")
        obj = folder_name.rsplit("/", 1)[1]
        folder = self.options.out / folder_name
        folder.mkdir(parents=True, exist_ok=True)
        stale = re.compile(rf"^\.?{re.escape(obj)}-{self.stamp}-\d{{4}}\.{ext}(\.tmp)?$")
        for old in sorted(folder.iterdir()):
            if stale.match(old.name) and old.is_file():
                old.unlink()
        files = _file_count(rows, self.options.files_per_dataset)
        for number in range(files):
            first, last = rows * number // files, rows * (number + 1) // files
            name = f"{obj}-{self.stamp}-{number + 1:04d}.{ext}"
            tmp = folder / f".{name}.tmp"
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
                if header is not None:
                    writer.writerow(header)
                for i in range(first, last):
                    row = render(i)
                    if isinstance(row, str):
                        handle.write(row)
                    else:
                        writer.writerow(row)
            tmp.replace(folder / name)
            self.files.append(f"{folder_name}/{name}")
            self.say(f"{folder_name}/{name}: {last - first:,} records")


def _file_count(rows: int, files_per_dataset: int | None) -> int:
    """How many files hold ``rows`` records: never an empty file unless there are no records."""
    if files_per_dataset is None:
        return max(1, -(-rows // ROWS_PER_FILE))
    return max(1, min(files_per_dataset, rows))


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)


# --- defects ------------------------------------------------------------------------------


def _share(dirty: float, records: int) -> int:
    return int(dirty * records + 0.5)


def _quotas(defects: int, kinds: Sequence[str], rng: random.Random) -> dict[str, int]:
    """``defects`` spread evenly over ``kinds``; the remainder goes to randomly chosen kinds."""
    each, remainder = divmod(defects, len(kinds))
    extra = set(rng.sample(range(len(kinds)), remainder))
    return {kind: each + (1 if i in extra else 0) for i, kind in enumerate(kinds)}


def _pick(rng: random.Random, candidates: Sequence[int], k: int, used: set[int]) -> list[int]:
    """Up to ``k`` random candidates not yet ``used`` (then marked used)."""
    if k <= 0 or not candidates:
        return []
    drawn = rng.sample(candidates, min(len(candidates), k + len(used)))
    chosen = [c for c in drawn if c not in used][:k]
    used.update(chosen)
    return chosen


def _copies_of(rng: random.Random, sources: Sequence[int], k: int) -> list[int]:
    """``k`` sources to copy: distinct while there are enough of them."""
    if k <= len(sources):
        return rng.sample(sources, k)
    return [sources[rng.randrange(len(sources))] for _ in range(k)]


# --- Salesforce ---------------------------------------------------------------------------

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_CHECK = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_SPACE = 62**6
_ID_STEP = 2_654_435_761  # prime, so n -> n * step + offset is a bijection modulo 62**6
_API = "/services/data/v60.0/sobjects"


def _salesforce_id(prefix: str, number: int, offset: int) -> str:
    """An 18-character Salesforce Id: key prefix, pod, record number, case checksum."""
    n = (number * _ID_STEP + offset) % _ID_SPACE
    digits = []
    for _ in range(6):
        n, d = divmod(n, 62)
        digits.append(_B62[d])
    id15 = f"{prefix}8d0000{''.join(reversed(digits))}"
    checksum = "".join(
        _ID_CHECK[sum(1 << j for j, ch in enumerate(id15[k : k + 5]) if "A" <= ch <= "Z")]
        for k in (0, 5, 10)
    )
    return id15 + checksum


def _sf_ts(epoch_s: int) -> str:
    return (_EPOCH + timedelta(seconds=epoch_s)).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _sf_ts_z(epoch_s: int) -> str:
    return (_EPOCH + timedelta(seconds=epoch_s)).strftime("%Y-%m-%dT%H:%M:%SZ")


_NAME_WORDS = (
    "Northwind", "Bluefield", "Ironbridge", "Silverline", "Brightwater", "Redwood", "Evergreen",
    "Summit", "Atlas", "Pioneer", "Harbor", "Keystone", "Granite", "Crescent", "Meridian",
    "Orion", "Vertex", "Nordlicht", "Alpine", "Coastal", "Sterling", "Beacon", "Cobalt",
    "Falcon", "Horizon", "Juniper", "Lighthouse", "Maple", "Oakridge", "Pinnacle", "Quantum",
    "Riverside", "Sapphire", "Tidewater", "Westbrook", "Zenith", "Kestrel", "Lumen", "Bergmann",
    "Sørensen", "Müller", "Lefèvre", "Yamato", "Sakura", "Rhein", "Thames", "Fjord", "Aurora",
    "Cascade", "Société Alpine",
)  # fmt: skip
_NAME_TRADES = (
    ("Logistics", "Transportation"), ("Analytics", "Technology"), ("Foods", "Food & Beverage"),
    ("Systems", "Technology"), ("Energy", "Energy"), ("Health", "Healthcare"),
    ("Capital", "Finance"), ("Robotics", "Machinery"), ("Textiles", "Apparel"),
    ("Pharma", "Biotechnology"), ("Media", "Media"), ("Motors", "Manufacturing"),
    ("Software", "Technology"), ("Supply", "Retail"), ("Labs", "Biotechnology"),
    ("Outfitters", "Retail"), ("Engineering", "Engineering"), ("Consulting", "Consulting"),
    ("Instruments", "Electronics"), ("Telecom", "Telecommunications"), ("Freight", "Shipping"),
    ("Materials", "Chemicals"), ("Hotels", "Hospitality"), ("Insurance", "Insurance"),
    ("Networks", "Communications"), ("Devices", "Electronics"), ("Agritech", "Agriculture"),
    ("Utilities", "Utilities"), ("Studios", "Entertainment"), ("Builders", "Construction"),
)  # fmt: skip
#: (ISO country, legal forms), one entry per percent of accounts.
_COUNTRIES = tuple(
    entry
    for entry, weight in (
        (("US", ("Inc.", "LLC", "Corp.")), 30),
        (("DE", ("GmbH", "AG")), 10),
        (("GB", ("Ltd", "plc")), 10),
        (("FR", ("SA", "SAS")), 7),
        (("NL", ("B.V.",)), 5),
        (("CH", ("AG", "SA")), 4),
        (("JP", ("K.K.", "Co., Ltd.")), 6),
        (("CA", ("Inc.", "Ltd.")), 5),
        (("AU", ("Pty Ltd",)), 5),
        (("SE", ("AB",)), 4),
        (("NO", ("AS",)), 3),
        (("DK", ("A/S",)), 3),
        (("SG", ("Pte. Ltd.",)), 4),
        (("ES", ("S.L.",)), 2),
        (("IT", ("S.p.A.",)), 2),
    )
    for _ in range(weight)
)
_REBRANDS = ("Group", "Holdings", "International", "Global")
_FIRST_NAMES = (
    "James", "Mary", "Liam", "Olivia", "Noah", "Emma", "Lukas", "Mia", "Hannah", "Jonas",
    "Sophie", "Lucas", "Chloé", "Hugo", "Léa", "Yuki", "Haruto", "Sakura", "Aarav", "Priya",
    "Mateo", "Sofía", "Lars", "Ingrid", "Mette", "Søren", "Oliver", "Amelia", "Wei", "Mei",
    "Daniel", "Sarah", "Michael", "Laura", "David", "Anna", "Thomas", "Julia", "Erik", "Nora",
)  # fmt: skip
_LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Müller",
    "Schmidt", "Schneider", "Fischer", "Weber", "Martin", "Bernard", "Dubois", "Lefèvre",
    "Tanaka", "Suzuki", "Sato", "Patel", "Sharma", "Rossi", "Russo", "Fernández", "López",
    "Andersson", "Johansson", "Hansen", "Nielsen", "Jensen", "Tan", "Lim", "O'Brien", "Murphy",
    "Wilson", "Taylor", "Anderson", "Thomas", "Moore",
)  # fmt: skip
_LEAD_STATUS = (
    ("Open - Not Contacted",) * 35
    + ("Working - Contacted",) * 30
    + ("Closed - Converted",) * 20
    + ("Closed - Not Converted",) * 15
)


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "", plain.lower())


@dataclass(frozen=True, slots=True)
class _Company:
    word: str
    trade: str
    form: str  # the legal form, e.g. GmbH
    industry: str
    country: str

    @property
    def name(self) -> str:
        return f"{self.word} {self.trade} {self.form}"

    @property
    def domain(self) -> str:
        return f"{_ascii(self.word)}-{_ascii(self.trade)}.com"


def _company(rng: random.Random) -> _Company:
    """A made-up company (always four draws from ``rng``)."""
    word = _NAME_WORDS[int(rng.random() * len(_NAME_WORDS))]
    trade, industry = _NAME_TRADES[int(rng.random() * len(_NAME_TRADES))]
    country, forms = _COUNTRIES[int(rng.random() * len(_COUNTRIES))]
    form = forms[int(rng.random() * len(forms))]
    return _Company(word, trade, form, industry, country)


def _json_line(record: Mapping[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _salesforce_lines(
    base: list[dict[str, Any]],
    copies: Sequence[tuple[int, dict[str, Any]]],
    rng: random.Random,
    sobject: str,
) -> list[str]:
    """JSON lines of ``base`` records with each copy placed somewhere after its source."""
    after: dict[int, list[dict[str, Any]]] = {}
    for source, record in copies:
        after.setdefault(source + int(rng.random() * (len(base) - source)), []).append(record)
    lines = []
    for i, record in enumerate(base):
        for item in (record, *after.get(i, ())):
            attributes: dict[str, str] = {"type": sobject}
            if item["Id"] is not None:
                attributes["url"] = f"{_API}/{sobject}/{item['Id']}"
            lines.append(_json_line({"attributes": attributes, **item}))
    return lines


def _accounts(run: _Run) -> list[tuple[str, _Company]]:
    """Write the accounts; return Id and company of every account an order may reference."""
    n = max(20, run.options.rows // 20)
    dirt = run.rng("accounts.defects")
    quota = _quotas(_share(run.dirty, n), DEFECT_KINDS["accounts"], dirt)
    n_copies = min(quota["duplicate_id"], n - 1)
    n_base = n - n_copies
    static = run.static_rng("accounts")
    offset = run.account_offset
    limit = run.bd_s + 12 * 3600  # the snapshot holds no change after noon of the business day
    first = int((datetime(2016, 1, 1, tzinfo=UTC) - _EPOCH).total_seconds())
    records: list[dict[str, Any]] = []
    deleted = bytearray(n_base)
    companies: list[_Company] = []
    for i in range(n_base):
        # Always the same draws per account, so account i is the same whatever ``rows`` is.
        company = _company(static)
        created = first + int(static.random() * 10 * 365 * 86400)
        modified = created + int(static.random() * 3 * 365 * 86400)
        backdate = 86400 + int(static.random() * 364 * 86400)
        since = static.random()
        deleted[i] = static.random() < 0.02
        if created >= limit:  # an account of the future: created in the year before instead
            created = limit - backdate
        if modified > limit:  # changed some time since it was created
            modified = created + int(since * (limit - created))
        companies.append(company)
        records.append(
            {
                "Id": _salesforce_id("001", i, offset),
                "Name": company.name,
                "Industry": company.industry,
                "BillingCountry": company.country,
                "CreatedDate": _sf_ts(created),
                "SystemModstamp": _sf_ts(modified),
                "IsDeleted": bool(deleted[i]),
                "_modified": modified,
            }
        )
    used: set[int] = set()
    null = _pick(dirt, range(n_base), min(quota["null_id"], n_base // 2), used)
    mixed = _pick(dirt, range(n_base), quota["mixed_timestamp"], used)
    for i in null:
        records[i]["Id"] = None
    for i in mixed:
        records[i]["SystemModstamp"] = _sf_ts_z(records[i]["_modified"])
    nulls = set(null)
    valid = [i for i in range(n_base) if i not in nulls and not deleted[i]]
    if not valid:  # unreachable in practice: keep at least one live customer
        valid = [next(i for i in range(n_base) if i not in nulls)]
        records[valid[0]]["IsDeleted"] = False
    copies = []
    for source in _copies_of(dirt, valid, n_copies):
        c = companies[source]
        rebrand = _REBRANDS[int(dirt.random() * len(_REBRANDS))]
        later = run.bd_s + 12 * 3600 + 60 + int(dirt.random() * 11 * 3600)
        copy = {k: v for k, v in records[source].items() if k != "_modified"}
        copy["Name"] = f"{c.word} {c.trade} {rebrand} {c.form}"
        copy["SystemModstamp"] = _sf_ts(later)
        copies.append((source, copy))
    for record in records:
        del record["_modified"]
    lines = _salesforce_lines(records, copies, dirt, "Account")
    run.write("accounts", len(lines), lines.__getitem__)
    found = {"null_id": len(null), "duplicate_id": len(copies), "mixed_timestamp": len(mixed)}
    run.count("accounts", len(lines), found)
    return [(records[i]["Id"], companies[i]) for i in valid]


def _leads(run: _Run, customers: Sequence[tuple[str, _Company]]) -> None:
    """Leads created or changed on the business date (an incremental extract)."""
    n = max(20, run.options.rows // 10)
    rng = run.rng("leads")
    dirt = run.rng("leads.defects")
    quota = _quotas(_share(run.dirty, n), DEFECT_KINDS["leads"], dirt)
    n_copies = min(quota["duplicate_id"], n - 1)
    n_base = n - n_copies
    offset = run.static_rng("lead-ids").randrange(_ID_SPACE)
    records: list[dict[str, Any]] = []
    for i in range(n_base):
        first_name = _FIRST_NAMES[int(rng.random() * len(_FIRST_NAMES))]
        last_name = _LAST_NAMES[int(rng.random() * len(_LAST_NAMES))]
        status = _LEAD_STATUS[int(rng.random() * len(_LEAD_STATUS))]
        converted = None
        if status == "Closed - Converted":
            converted, company = customers[int(rng.random() * len(customers))]
        else:
            company = _company(rng)
        modified = run.bd_s + int(rng.random() * 18 * 3600)
        created = modified - int(rng.random() * 90 * 86400)
        records.append(
            {
                "Id": _salesforce_id("00Q", run.day_slot * 10_000_000 + i, offset),
                "FirstName": first_name,
                "LastName": last_name,
                "Company": company.name,
                "Email": f"{_ascii(first_name)}.{_ascii(last_name)}@{company.domain}",
                "Status": status,
                "ConvertedAccountId": converted,
                "CreatedDate": _sf_ts(created),
                "SystemModstamp": _sf_ts(modified),
                "IsDeleted": rng.random() < 0.01,
                "_modified": modified,
            }
        )
    used: set[int] = set()
    null = _pick(dirt, range(n_base), min(quota["null_id"], n_base // 2), used)
    mixed = _pick(dirt, range(n_base), quota["mixed_timestamp"], used)
    for i in null:
        records[i]["Id"] = None
    for i in mixed:
        records[i]["SystemModstamp"] = _sf_ts_z(records[i]["_modified"])
    nulls = set(null)
    sources = [i for i in range(n_base) if i not in nulls]
    copies = []
    for source in _copies_of(dirt, sources, n_copies):
        copy = {k: v for k, v in records[source].items() if k != "_modified"}
        names = [x for x in _LAST_NAMES if x != copy["LastName"]]
        copy["LastName"] = names[int(dirt.random() * len(names))]
        later = records[source]["_modified"] + 60 + int(dirt.random() * 5 * 3600)
        copy["SystemModstamp"] = _sf_ts(later)
        copies.append((source, copy))
    for record in records:
        del record["_modified"]
    lines = _salesforce_lines(records, copies, dirt, "Lead")
    run.write("leads", len(lines), lines.__getitem__)
    found = {"null_id": len(null), "duplicate_id": len(copies), "mixed_timestamp": len(mixed)}
    run.count("leads", len(lines), found)


# --- orders -------------------------------------------------------------------------------


class _Orders:
    """Order records as columns (compact for millions of rows), before any defect."""

    def __init__(self) -> None:
        self.number = array("q")
        self.customer = array("l")
        self.ts = array("q")  # ms since the business date's midnight (negative: earlier days)
        self.ccy = array("b")
        self.cents = array("q")
        self.status = array("b")
        self.sku = array("l")

    def __len__(self) -> int:
        return len(self.number)

    def add_random(
        self, rng: random.Random, number: int, t: int, customers: int, status: int
    ) -> None:
        rand = rng.random
        self.number.append(number)
        c = rand()
        self.customer.append(int(customers * c * (0.25 + 0.75 * c)))  # big customers first
        self.ts.append(t)
        self.ccy.append(_CCY_TABLE[int(rand() * 100)])
        s = rand()
        sku = int(_SKUS * s * (0.25 + 0.75 * s))  # best sellers first
        self.sku.append(sku)
        self.cents.append(_PRICES[sku] * _QUANTITY[int(rand() * 100)])
        self.status.append(status)

    def add_copy(self, source: int, t: int, status: int) -> None:
        self.number.append(self.number[source])
        self.customer.append(self.customer[source])
        self.ts.append(t)
        self.ccy.append(self.ccy[source])
        self.cents.append(self.cents[source])
        self.status.append(status)
        self.sku.append(self.sku[source])


def _catalogue() -> tuple[tuple[int, ...], tuple[int, ...]]:
    """SKU codes and unit prices in cents (1.00 .. 500.00, most of them cheap)."""
    rng = random.Random("pipelines.orders.generate:catalogue")
    codes = tuple(rng.sample(range(10_000, 100_000), _SKUS))
    prices = []
    for _ in range(_SKUS):
        u = rng.random()
        prices.append(100 + int(u * u * u * 49_900))
    return codes, tuple(prices)


_SKU_CODES, _PRICES = _catalogue()


def _order_times(rng: random.Random, n: int) -> list[int]:
    """``n`` sorted times of day: busy from 07:00 to 21:00 UTC, quieter at night."""
    rand = rng.random
    times = []
    for _ in range(n):
        if rand() < 0.7:
            t = 7 * 3_600_000 + int(rand() * 14 * 3_600_000)
        else:
            t = int(rand() * _LAST_ORDER_MS)
        times.append(t)
    times.sort()
    return times


def _amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


Defect = tuple[str, str]  # (kind, detail)


def _order_defects(
    run: _Run,
    rng: random.Random,
    orders: _Orders,
    kinds: Sequence[str],
    quota: Mapping[str, int],
    eligible: Mapping[str, Sequence[int]],
    variants: Sequence[str],
) -> dict[int, Defect]:
    """Choose which order records carry which defect (one each); late events move in time."""
    everything = range(len(orders))
    used: set[int] = set()
    defects: dict[int, Defect] = {}
    order = sorted((k for k in kinds if k != "duplicate"), key=lambda k: k not in eligible)
    for kind in order:
        for i in _pick(rng, eligible.get(kind, everything), quota[kind], used):
            detail = ""
            if kind == "late_event":
                days = 1 + int(rng.random() * 3)
                orders.ts[i] = -days * DAY_MS + int(rng.random() * DAY_MS)
                run.late_dates.append(run.bd - timedelta(days=days))
            elif kind == "null_order_id":
                detail = "null" if rng.random() < 0.5 else ""
            elif kind == "unknown_status":
                detail = _UNKNOWN_STATUSES[int(rng.random() * len(_UNKNOWN_STATUSES))]
            elif kind == "mixed_timestamp":
                variant = variants[int(rng.random() * len(variants))]
                detail = run.other_format(orders.ts[i], variant)
            elif kind == "missing_fx_rate":
                detail = _NO_FX_CCYS[int(rng.random() * len(_NO_FX_CCYS))]
            elif kind == "unknown_customer":
                detail = run.unknown_customer()
            elif kind in ("malformed_value", "malformed_row"):
                detail = str(int(rng.random() * 1000))
            defects[i] = (kind, detail)
    return defects


def _kafka_orders(run: _Run, customers: Sequence[str], n: int) -> None:
    """Kafka record envelopes of order events, in broker-time order."""
    rng = run.rng("orders_events")
    kinds = DEFECT_KINDS["orders_events"]
    quota = _quotas(_share(run.dirty, n), kinds, rng)
    n_copies = min(quota["duplicate"], n - 1)
    n_gen = n - n_copies
    n_orders = max(1, int(n_gen / (1 + _RESEND_SHARE) + 0.5))  # first events; the rest re-sends
    resent = rng.sample(range(n_orders), n_gen - n_orders)
    is_resent = bytearray(n_orders)
    for i in resent:
        is_resent[i] = 1

    orders = _Orders()
    start = run.day_slot * 1_000_000 + 1
    rand = rng.random
    for i, t in enumerate(_order_times(rng, n_orders)):
        if is_resent[i]:
            status = PLACED if rand() < 0.75 else PAID
        else:
            status = _FIRST_STATUS[int(rand() * 100)]
        orders.add_random(rng, start + i, t, len(customers), status)
    for i in resent:
        t = orders.ts[i]
        span = min(6 * 3_600_000, _LAST_RESEND_MS - t) - 30_000
        later = t + 30_000 + int(rand() * span)
        step = SHIPPED if orders.status[i] == PAID else PAID
        orders.add_copy(i, later, step if rand() < 0.85 else CANCELLED)
    broker = array("q", (t + 5 + int(rand() * 2_000) for t in orders.ts))
    partition = bytearray(
        zlib.crc32(b"ORD-%010d" % number) % _PARTITIONS for number in orders.number
    )

    single = [i for i in range(n_orders) if not is_resent[i]]
    eligible = {"missing_fx_rate": single, "late_event": range(n_orders)}
    variants = _KAFKA_TS_VARIANTS
    defects = _order_defects(run, rng, orders, kinds, quota, eligible, variants)
    for i, (kind, _) in defects.items():
        if kind == "null_order_id":
            partition[i] = int(rand() * _PARTITIONS)  # no key: any partition
    clean = [i for i in range(n_gen) if i not in defects] or list(range(n_gen))
    copy_of = _copies_of(rng, clean, n_copies)
    for source in copy_of:  # a producer retry: same key and value, a new offset
        broker.append(min(broker[source] + 1 + int(rand() * 300_000), DAY_MS - 1))
    sequence = sorted(range(n), key=broker.__getitem__)
    offsets = [1_000_000 + int(rand() * 50_000_000) for _ in range(_PARTITIONS)]

    numbers, customer_of, times, ccy_of = orders.number, orders.customer, orders.ts, orders.ccy
    cents_of, status_of, sku_of = orders.cents, orders.status, orders.sku
    ccys, statuses, iso_ms, dumps, bd_ms = (
        _ORDER_CCYS,
        ORDER_STATUSES,
        run.iso_ms,
        json.dumps,
        run.bd_ms,
    )
    no_defect = ("", "")

    def value(i: int) -> tuple[str, str]:
        order_id = key = f'"ORD-{numbers[i]:010d}"'
        customer = customers[customer_of[i]]
        ts = iso_ms(times[i])
        ccy = ccys[ccy_of[i]]
        amount = _amount(cents_of[i])
        status = statuses[status_of[i]]
        kind, detail = defects.get(i, no_defect)
        if kind == "null_order_id":
            order_id, key = detail or '""', "null"
        elif kind == "negative_amount":
            amount = "-" + amount
        elif kind == "unknown_status":
            status = detail
        elif kind == "mixed_timestamp":
            ts = detail
        elif kind == "missing_fx_rate":
            ccy = detail
        elif kind == "unknown_customer":
            customer = detail
        text = (
            f'{{"order_id":{order_id},"customer_id":"{customer}","event_ts":"{ts}",'
            f'"currency":"{ccy}","amount":{amount},"status":"{status}",'
            f'"sku":"SKU-{_SKU_CODES[sku_of[i]]}"}}'
        )
        if kind == "malformed_value":  # cut short: never valid JSON
            # ... past the event time, so two events of one order never read the same (a
            # record read twice is a producer retry, counted as a duplicate)
            keep = text.index('"currency"')
            text = text[: keep + int(detail) * (len(text) - 1 - keep) // 1000]
        return key, text

    def render(position: int) -> str:
        record = sequence[position]
        source = record if record < n_gen else copy_of[record - n_gen]
        p = partition[source]
        offset = offsets[p]
        offsets[p] = offset + 1
        key, text = value(source)
        return (
            f'{{"topic":"orders_events","partition":{p},"offset":{offset},'
            f'"timestamp":{bd_ms + broker[record]},"key":{key},"value":{dumps(text)}}}\n'
        )

    run.write("orders_events", n, render)
    found = dict.fromkeys(kinds, 0)
    for kind, _ in defects.values():
        found[kind] += 1
    found["duplicate"] = n_copies
    run.count("orders_events", n, found)


LEGACY_HEADER = ("ORDER_NO", "CUST_ID", "ORDER_TS", "CCY", "AMT", "ORDER_STATUS", "ITEM_CODE")


def _legacy_orders(run: _Run, customers: Sequence[str], n: int) -> None:
    """The Snowflake unload of legacy orders: one row per order at its current status."""
    rng = run.rng("legacy_orders")
    kinds = DEFECT_KINDS["legacy_orders"]
    quota = _quotas(_share(run.dirty, n), kinds, rng)
    n_copies = min(quota["duplicate"], max(0, n - 1))
    n_gen = n - n_copies
    orders = _Orders()
    start = 5_000_000_000 + run.day_slot * 1_000_000 + 1
    for i, t in enumerate(_order_times(rng, n_gen)):
        orders.add_random(
            rng, start + i, t, len(customers), _LEGACY_STATUS[int(rng.random() * 100)]
        )
    variants = _LEGACY_TS_VARIANTS
    defects = _order_defects(run, rng, orders, kinds, quota, {}, variants)
    clean = [i for i in range(n_gen) if i not in defects] or list(range(n_gen))
    after: dict[int, list[int]] = {}
    copy_of = _copies_of(rng, clean, n_copies) if n_gen else []
    for c, source in enumerate(copy_of):  # an exact copy, somewhere after its source
        after.setdefault(source + int(rng.random() * (n_gen - source)), []).append(n_gen + c)
    sequence: list[int] = []
    for i in range(n_gen):
        sequence.append(i)
        sequence.extend(after.get(i, ()))

    def render(position: int) -> Row:
        record = sequence[position]
        i = record if record < n_gen else copy_of[record - n_gen]
        row = [
            f"ORD-{orders.number[i]:010d}",
            customers[orders.customer[i]],
            run.sql_ts(orders.ts[i]),
            _ORDER_CCYS[orders.ccy[i]],
            _amount(orders.cents[i]),
            ORDER_STATUSES[orders.status[i]],
            f"SKU-{_SKU_CODES[orders.sku[i]]}",
        ]
        kind, detail = defects.get(i, ("", ""))
        if kind == "null_order_id":
            row[0] = ""
        elif kind == "negative_amount":
            row[4] = "-" + row[4]
        elif kind == "unknown_status":
            row[5] = detail
        elif kind == "mixed_timestamp":
            row[2] = detail
        elif kind == "missing_fx_rate":
            row[3] = detail
        elif kind == "unknown_customer":
            row[1] = detail
        elif kind == "malformed_row":
            return _malformed_row(row, int(detail))
        return row

    run.write("legacy_orders", n, render, LEGACY_HEADER)
    found = dict.fromkeys(kinds, 0)
    for kind, _ in defects.values():
        found[kind] += 1
    found["duplicate"] = n_copies
    run.count("legacy_orders", n, found)


def _malformed_row(row: Sequence[str], variant: int) -> str:
    """A raw CSV line with the wrong number of fields or an unterminated quote."""
    if variant < 400:  # cut short
        return ",".join(row[: 2 + variant % 5]) + "\n"
    if variant < 700:  # an opening quote that never closes, early enough to swallow fields
        return ",".join([row[0], f'"{row[1]}', *row[2:]]) + "\n"
    whole, _, part = row[4].partition(".")
    if len(whole) >= 4:  # a thousands separator, unquoted
        amount = f"{whole[:-3]},{whole[-3:]}.{part}"
        return ",".join([*row[:4], amount, *row[5:]]) + "\n"
    return ",".join(row) + ",\n"  # a trailing delimiter: one field too many


# --- FX -----------------------------------------------------------------------------------

FX_HEADER = ("as_of_date", "base_ccy", "ccy", "rate_to_base")


def _fx_walk(seed: int, dates: Sequence[date]) -> dict[tuple[date, str], str]:
    """Rates per (date, ccy): a mean-reverting daily walk, the same for a date on every run."""
    wanted = {d.toordinal() for d in dates}
    last = max(wanted)
    rates: dict[tuple[date, str], str] = {}
    for ccy, base in FX_CURRENCIES.items():
        walk = random.Random(f"pipelines.orders.generate:{seed}:fx:{ccy}")
        drift = 0.0
        for day in range(_FX_ANCHOR.toordinal(), last + 1):
            if day in wanted:
                rates[(date.fromordinal(day), ccy)] = f"{base * (1.0 + drift):.6f}"
            drift = drift * 0.98 + (walk.random() - 0.5) * 0.01
        for d in dates:
            rates.setdefault((d, ccy), f"{base:.6f}")  # before the anchor: the base rate
    return rates


def _fx_rates(run: _Run) -> None:
    """One USD rate per (date, ccy) for every date an order event falls on, plus defects."""
    dates = sorted({run.bd, *run.late_dates})
    rates = _fx_walk(run.seed, dates)
    clean = [[d.isoformat(), "USD", ccy, rates[(d, ccy)]] for d in dates for ccy in FX_CURRENCIES]
    rng = run.rng("fx_rates")
    quota = _quotas(_share(run.dirty, len(clean)), DEFECT_KINDS["fx_rates"], rng)
    extra: list[tuple[int, list[str]]] = []  # (insert after clean row, row)
    for source in _copies_of(rng, range(len(clean)), quota["duplicate_key"]):
        extra.append((source + int(rng.random() * (len(clean) - source)), list(clean[source])))
    for _ in range(quota["null_ccy"]):
        source = int(rng.random() * len(clean))
        extra.append((int(rng.random() * len(clean)), [*clean[source][:2], "", clean[source][3]]))
    # A bad rate for a currency no order uses, on a key no other row has. There are enough
    # keys: at most a third of 10 rows per date are non-positive, and 8 keys per date.
    keys = [(d, c) for d in dates for c in _UNUSED_FX_CCYS]
    for day, ccy in rng.sample(keys, quota["non_positive_rate"]):
        rate = "0.000000" if rng.random() < 0.5 else f"-{0.5 + rng.random() * 20:.6f}"
        extra.append((int(rng.random() * len(clean)), [day.isoformat(), "USD", ccy, rate]))
    after: dict[int, list[list[str]]] = {}
    for position, row in extra:
        after.setdefault(position, []).append(row)
    rows: list[list[str]] = []
    for i, row in enumerate(clean):
        rows.append(row)
        rows.extend(after.get(i, ()))
    run.write("fx_rates", len(rows), rows.__getitem__, FX_HEADER)
    found = {kind: quota[kind] for kind in DEFECT_KINDS["fx_rates"]}
    run.count("fx_rates", len(rows), found)
