"""Generate the dataset: a pure function of the scale (see ``spec.py`` for the seed and NOW).

``generate("small")`` returns a :class:`Dataset` holding columns (lists and NumPy arrays) for the
PostgreSQL tables; ``mongo_documents``, ``redis_commands`` and ``sqlite_rows`` derive the other
databases' data from it. Nothing here touches a server, the clock or hash randomisation, so two
runs on any two machines give byte-identical data (``dataset_digest`` proves it).

Distributions (and why):
* users.status: 85 % active, 10 % inactive, 5 % suspended (a partial index on 'active' pays off
  for the minority values, and the lessons can show the planner's estimates).
* sign-ups over the four years before NOW, growing (density rises linearly with time).
* posts.author_id: 30 % of the users write (preferably early sign-ups); among them a
  Zipf–Mandelbrot law, weight 1/(rank + 10): the top 1 % of writers write about a quarter of
  the posts, the top 1 % of users over 40 %, and 70 % of users write nothing, like real
  platforms (GROUP BY author with LIMIT 10 has a clear answer; averages mislead; a LEFT JOIN
  keeps the users without posts).
* posts.created_at: after the author's sign-up, skewed to recent times; published_at is NULL for
  ~15 % drafts, otherwise minutes to three days after created_at; ~5 % of posts were published
  in the 30 days before NOW.
* posts.metadata.stats.views: a power law (Pareto, alpha = 1, capped at 5,000,000), likes a
  small fraction of views; ~5 % featured.
* orders: 70 % completed, 20 % pending, 10 % cancelled; over the two years before NOW with a
  November/December peak and steady growth.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from . import vocab
from .rng import Stream, uuid_text, zipf_weights
from .spec import NOW_TS, VERSION, ScaleSpec, scale_spec

DAY = 86_400
YEAR = 365 * DAY
STATUSES = ("active", "inactive", "suspended")
STATUS_WEIGHTS = (85, 10, 5)
SOURCES = ("web", "mobile", "api", "import")
SOURCE_WEIGHTS = (55, 20, 15, 10)
ORDER_STATUSES = ("completed", "pending", "cancelled")
ORDER_STATUS_WEIGHTS = (70, 20, 10)
WRITERS_PERCENT = 30
MONTH_WEIGHTS = (80, 75, 85, 85, 90, 85, 80, 80, 90, 100, 150, 170)  # Jan..Dec: a Nov/Dec peak


def iso(ts: int) -> str:
    """Seconds since the epoch as ISO 8601 UTC ('2026-11-01T12:00:00Z')."""
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc(ts: int) -> datetime:
    return datetime.fromtimestamp(int(ts), UTC)


@dataclass
class Categories:
    ids: list
    names: list
    parent_ids: list  # None for the roots
    depth: list
    slugs: list
    terms: list  # this node's terms
    inherited: list  # the ancestors' terms
    tags: list  # this node's tags + its parent's first tag
    weights: list

    def __len__(self):
        return len(self.ids)


class _Ids:
    """``id_bytes`` (16-byte UUIDs, what PostgreSQL's binary COPY takes) and ``ids`` (their
    text, computed on first use)."""

    id_bytes: list

    @property
    def ids(self) -> list[str]:
        cached = self.__dict__.get("_ids")
        if cached is None:
            cached = self.__dict__["_ids"] = [uuid_text(b) for b in self.id_bytes]
        return cached

    def id(self, i: int) -> str:
        return uuid_text(self.id_bytes[i])

    def __len__(self):
        return len(self.id_bytes)


@dataclass
class Users(_Ids):
    id_bytes: list  # UUIDs (16 bytes), in sign-up order
    first_names: list
    last_names: list
    full_names: list
    emails: list
    passwords: list  # the plain passwords (the dataset is fiction; see demo_credentials)
    salts: list  # 16 bytes each
    status: list
    created: np.ndarray  # int64 seconds since the epoch
    updated: np.ndarray
    hashes: list | None = None  # argon2id strings, filled by passwords.fill_hashes


@dataclass
class Posts(_Ids):
    id_bytes: list  # UUIDs (16 bytes), in created_at order
    author: np.ndarray  # index into Users
    title: list
    content: list
    tags: list  # list[list[str]]
    category: np.ndarray  # category id
    created: np.ndarray
    published: np.ndarray  # -1 = draft (NULL)
    source: np.ndarray  # index into SOURCES
    featured: np.ndarray
    views: np.ndarray
    likes: np.ndarray
    metadata: list  # JSON text


@dataclass
class Dataset:
    spec: ScaleSpec
    categories: Categories
    users: Users
    posts: Posts
    version: str = VERSION
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def scale(self) -> str:
        return self.spec.name


# --------------------------------------------------------------------------------------------
def build_categories() -> Categories:
    cats = Categories([], [], [], [], [], [], [], [], [])

    def walk(node, parent_id, depth, inherited, parent_tag):
        cid = len(cats.ids) + 1
        cats.ids.append(cid)
        cats.names.append(node.name)
        cats.parent_ids.append(parent_id)
        cats.depth.append(depth)
        cats.slugs.append(slugify(node.name))
        cats.terms.append(node.terms)
        cats.inherited.append(inherited)
        tags = list(node.tags)
        if parent_tag and parent_tag not in tags:
            tags.append(parent_tag)
        cats.tags.append(tuple(tags))
        cats.weights.append(node.weight)
        for child in node.children:
            walk(child, cid, depth + 1, inherited + node.terms, node.tags[0])

    for root in vocab.TREE:
        walk(root, None, 0, (), None)
    if len(set(cats.names)) != len(cats.names):
        raise AssertionError("category names must be unique")
    return cats


def slugify(text: str) -> str:
    out = []
    for ch in text.lower():
        out.append(ch if ch.isalnum() else "-")
    slug = "".join(out)
    while "--" in slug:
        slug = slug.replace("--", "-")
    return slug.strip("-")


def build_users(n: int) -> Users:
    s = Stream("users")
    start, end = NOW_TS - 4 * YEAR, NOW_TS - DAY
    # Growing sign-ups: density rises linearly with time (sqrt of a uniform).
    created = np.sort(start + np.floor(np.sqrt(s.uniform(n)) * (end - start)).astype(np.int64))
    never_updated = s.bernoulli(0.3, n)
    updated = created + np.floor(s.uniform(n) * (NOW_TS - created)).astype(np.int64)
    updated = np.where(never_updated, created, updated)
    first = s.choose(vocab.FIRST_NAMES, [1] * len(vocab.FIRST_NAMES), n)
    last = s.choose(vocab.LAST_NAMES, [1] * len(vocab.LAST_NAMES), n)
    style = s.weighted([35, 25, 15, 15, 10], n).tolist()
    digits = s.between(1, 100, n).tolist()
    domains = s.choose(vocab.EMAIL_DOMAINS, vocab.EMAIL_DOMAIN_WEIGHTS, n)
    status = s.choose(STATUSES, STATUS_WEIGHTS, n)
    pw_words = s.integers(len(vocab.PASSWORD_WORDS), 3 * n).reshape(n, 3).tolist()
    pw_digits = s.between(10, 100, n).tolist()
    salts = s.bytes(n, 16)
    ids = s.uuids(n)

    emails, seen = [], set()
    for i in range(n):
        f, la, d = first[i], last[i], digits[i]
        st = style[i]
        if st == 0:
            local = f"{f}.{la}{d}"
        elif st == 1:
            local = f"{f}.{la}".lower()
        elif st == 2:
            local = f"{f}{la}"
        elif st == 3:
            local = f"{f[0]}{la}{d}".lower()
        else:
            local = f"{f}_{la}".upper()
        email = f"{local}@{domains[i]}"
        k = 2
        while email.lower() in seen:  # unique case-insensitively, too
            email = f"{local}{k}@{domains[i]}"
            k += 1
        seen.add(email.lower())
        emails.append(email)
    words = vocab.PASSWORD_WORDS
    passwords = [f"{words[a]}-{words[b]}-{words[c]}{d}" for (a, b, c), d in zip(pw_words, pw_digits, strict=True)]
    return Users(
        id_bytes=ids,
        first_names=first,
        last_names=last,
        full_names=[f"{f} {la}" for f, la in zip(first, last, strict=True)],
        emails=emails,
        passwords=passwords,
        salts=salts,
        status=status,
        created=created,
        updated=updated,
    )


def _sentence_pools(cats: Categories, size: int = 160) -> list[list[str]]:
    s = Stream("posts.sentences")
    pools = []
    templates = [_cap_template(t) for t in vocab.SENTENCES]
    for i in range(len(cats)):
        own, inherited = cats.terms[i], cats.inherited[i] or cats.terms[i]
        tpl = s.integers(len(templates), size).tolist()
        use_own = s.bernoulli(0.75, 2 * size).tolist()
        pick = s.uniform(2 * size).tolist()
        nums = s.between(2, 13, size).tolist()
        pool = []
        for j in range(size):
            terms = []
            for k in (2 * j, 2 * j + 1):
                src = own if use_own[k] else inherited
                terms.append(src[int(pick[k] * len(src))])
            if terms[1] == terms[0]:  # "a ... b" with a == b reads badly: take the next term
                src = own if terms[0] in own else inherited
                terms[1] = src[(src.index(terms[0]) + 1) % len(src)]
            pool.append(templates[tpl[j]].format(a=terms[0], A=_cap(terms[0]), b=terms[1], n=nums[j]))
        pools.append(pool)
    return pools


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cap_template(template: str) -> str:
    """A template whose sentence starts with a term gets the capitalised term ({A})."""
    return "{A}" + template[3:] if template.startswith("{a}") else template


def build_posts(n: int, users: Users, cats: Categories) -> Posts:
    s = Stream("posts")
    nu = len(users)
    # Authors: 30 % of the users write; Zipf–Mandelbrot over the writers, ranked with a
    # preference for early sign-ups (long-time writers).
    signup_frac = np.arange(nu, dtype=np.float64) / nu
    rank_to_user = np.argsort(signup_frac + 1.2 * s.uniform(nu), kind="stable")
    writers = max(1, (nu * WRITERS_PERCENT) // 100)
    author = rank_to_user[s.weighted(zipf_weights(writers, offset=10), n)]
    # Each author has a favourite topic; 65 % of their posts go there.
    cat_ids = np.asarray(cats.ids, dtype=np.int64)
    favourite = cat_ids[s.weighted(cats.weights, nu)]
    anywhere = cat_ids[s.weighted(cats.weights, n)]
    category = np.where(s.bernoulli(0.65, n), favourite[author], anywhere)
    # Times: after the author's sign-up, skewed to recent; drafts have no published_at.
    uc = users.created[author]
    created = uc + np.floor(np.sqrt(s.uniform(n)) * (NOW_TS - 3600 - uc)).astype(np.int64)
    draft = s.bernoulli(0.15, n)
    u = s.uniform(n)
    delay = 300 + np.floor(u * u * 3 * DAY).astype(np.int64)
    published = np.minimum(created + delay, NOW_TS - 60)
    published = np.where(draft, -1, published)
    # metadata: source, featured, views (power law), likes.
    source = s.weighted(SOURCE_WEIGHTS, n)
    featured = s.bernoulli(0.06, n) & ~draft
    views = np.minimum(np.floor(20.0 / (1.0 - s.uniform(n))).astype(np.int64) - 20, 5_000_000)
    views = np.where(featured, views * 5 + 1000, views)
    views = np.where(draft, 0, views)
    likes = np.floor(views * s.uniform(n) * 0.08).astype(np.int64)

    # Physical order = creation order (like an append-only table), ties broken by draw order.
    order = np.argsort(created, kind="stable")
    author, category, created, published = author[order], category[order], created[order], published[order]
    source, featured, views, likes = source[order], featured[order], views[order], likes[order]
    ids = s.uuids(n)

    # Text: titles and bodies from the category's vocabulary. Every random choice is drawn
    # as an array first; the loop below only looks things up and joins strings.
    ci = category - 1  # category index
    own_len = np.asarray([len(t) for t in cats.terms], dtype=np.int64)[ci]
    inh_len = np.asarray([len(t or o) for t, o in zip(cats.inherited, cats.terms, strict=True)], dtype=np.int64)[ci]
    a_idx = np.floor(s.uniform(n) * own_len).astype(np.int64).tolist()
    b_idx = np.floor(s.uniform(n) * inh_len).astype(np.int64).tolist()
    t_tpl = s.integers(len(vocab.TITLES), n).tolist()
    t_num = s.between(3, 13, n).tolist()
    lead_tpl = s.integers(len(vocab.SENTENCES), n).tolist()
    n_sent = s.weighted([0, 0, 0, 50, 35, 15], n).tolist()  # 3..5 sentences
    pools = _sentence_pools(cats)
    picks = s.integers(len(pools[0]), 4 * n).reshape(n, 4).tolist()
    tag_len = np.asarray([len(t) for t in cats.tags], dtype=np.int64)[ci]
    add_tag = (s.uniform(n) < 0.7) & (tag_len > 1)
    tag_idx = np.where(add_tag, 1 + np.floor(s.uniform(n) * (tag_len - 1)).astype(np.int64), 0).tolist()
    generic = np.where(s.uniform(n) < 0.35, s.integers(len(vocab.GENERIC_TAGS), n), -1).tolist()

    terms = cats.terms
    terms_cap = [tuple(_cap(t) for t in ts) for ts in terms]
    inherited = [inh or own for inh, own in zip(cats.inherited, cats.terms, strict=True)]
    titles_tpl = [_cap_template(t) for t in vocab.TITLES]
    lead_tpls = [_cap_template(t) for t in vocab.SENTENCES]
    cat_tags, generic_tags = cats.tags, vocab.GENERIC_TAGS
    titles, contents, tags = [], [], []
    for i, c in enumerate(ci.tolist()):
        a, big_a = terms[c][a_idx[i]], terms_cap[c][a_idx[i]]
        b = inherited[c][b_idx[i]]
        titles.append(titles_tpl[t_tpl[i]].format(a=a, A=big_a, b=b, n=t_num[i]))
        pool, p, k = pools[c], picks[i], n_sent[i]
        lead = lead_tpls[lead_tpl[i]].format(a=a, A=big_a, b=b, n=t_num[i])
        if k == 3:
            contents.append(f"{lead}\n\n{pool[p[0]]} {pool[p[1]]}")
        elif k == 4:
            contents.append(f"{lead} {pool[p[0]]}\n\n{pool[p[1]]} {pool[p[2]]}")
        else:
            contents.append(f"{lead} {pool[p[0]]}\n\n{pool[p[1]]} {pool[p[2]]} {pool[p[3]]}")
        ctags = cat_tags[c]
        tag = [ctags[0]]
        if tag_idx[i]:
            tag.append(ctags[tag_idx[i]])
        gi = generic[i]
        if gi >= 0 and generic_tags[gi] not in tag:
            tag.append(generic_tags[gi])
        tags.append(tag)

    metadata = [
        f'{{"source": "{SOURCES[sc]}", "featured": {"true" if fe else "false"}, '
        f'"stats": {{"views": {vi}, "likes": {li}}}}}'
        for sc, fe, vi, li in zip(source.tolist(), featured.tolist(), views.tolist(), likes.tolist(), strict=True)
    ]
    return Posts(
        id_bytes=ids,
        author=author,
        title=titles,
        content=contents,
        tags=tags,
        category=category,
        created=created,
        published=published,
        source=source,
        featured=featured,
        views=views,
        likes=likes,
        metadata=metadata,
    )


_CACHE: dict = {}


def generate(scale: str | None = None, cache: bool = True, on_users=None) -> Dataset:
    """The dataset of one scale (kept in memory per process, the last scale only, unless
    cache=False). ``on_users(users, categories)`` is called as soon as the users exist, before
    the slower posts: the seed starts hashing passwords and loading MongoDB there."""
    spec = scale_spec(scale)
    if cache and spec.name in _CACHE:
        return _CACHE[spec.name]
    ds = _generate(spec, on_users)
    if cache:
        _CACHE.clear()
        _CACHE[spec.name] = ds
    return ds


def _generate(spec: ScaleSpec, on_users=None) -> Dataset:
    cats = build_categories()
    users = build_users(spec.users)
    if on_users is not None:
        on_users(users, cats)
    posts = build_posts(spec.posts, users, cats)
    return Dataset(spec=spec, categories=cats, users=users, posts=posts)


# ------------------------------------------------------------------ MongoDB documents
def _object_ids(stream: Stream, times: np.ndarray):
    """ObjectIds whose 4-byte timestamp is the document's own time (as a driver would make them)
    and whose other 8 bytes come from the stream."""
    from bson import ObjectId

    tails = stream.bytes(len(times), 8)
    return [ObjectId(int(t).to_bytes(4, "big") + tail) for t, tail in zip(times.tolist(), tails, strict=True)]


@dataclass
class MongoPeople:
    """The MongoDB documents that need only the users: users, orders, sessions, categories.
    They can be generated (and inserted) while the posts are still being generated."""

    docs: dict
    user_oids: list
    posts_stream: Stream  # where the posts' part of the stream starts


def mongo_documents(ds: Dataset, people: MongoPeople | None = None) -> dict[str, list[dict]]:
    """{collection: [documents]} for MongoDB (cached on the dataset)."""
    if "mongo" not in ds._cache:
        people = people or mongo_people(ds.spec, ds.users, ds.categories)
        docs = dict(people.docs)
        docs["posts"] = mongo_posts(ds.spec, ds.posts, people)
        ds._cache["mongo"] = {k: docs[k] for k in ("users", "posts", "orders", "sessions", "categories")}
    return ds._cache["mongo"]


def mongo_people(spec: ScaleSpec, users: Users, cats: Categories) -> MongoPeople:
    # One stream, drawn in this order: users, posts (one draw per post), orders, sessions. The
    # posts' draws are skipped here (fork) and made by mongo_posts, so either can come first.
    s = Stream("mongo")
    m = min(spec.mongo_users, len(users))

    # users: the first m users by sign-up order, with an embedded profile and 1-3 addresses.
    user_oids = _object_ids(s, users.created[:m])
    n_addr = (s.weighted([60, 30, 10], m) + 1).tolist()
    addr_type = s.integers(len(vocab.ADDRESS_TYPES), 3 * m).tolist()
    addr_num = s.between(1, 250, 3 * m).tolist()
    addr_street = s.integers(len(vocab.STREETS), 3 * m).tolist()
    addr_city = s.integers(len(vocab.CITIES), 3 * m).tolist()
    avatars = [b.hex() for b in s.bytes(m, 6)]
    created_dt = [utc(t) for t in users.created[:m].tolist()]
    mongo_users = []
    for i in range(m):
        addresses, used = [], set()
        for j in range(n_addr[i]):
            k = 3 * i + j
            typ = vocab.ADDRESS_TYPES[addr_type[k]]
            if typ in used:
                typ = next(t for t in vocab.ADDRESS_TYPES if t not in used)
            used.add(typ)
            addresses.append(
                {
                    "type": typ,
                    "street": f"{addr_num[k]} {vocab.STREETS[addr_street[k]]}",
                    "city": vocab.CITIES[addr_city[k]],
                }
            )
        mongo_users.append(
            {
                "_id": user_oids[i],
                "email": users.emails[i],
                "profile": {
                    "firstName": users.first_names[i],
                    "lastName": users.last_names[i],
                    "avatar": f"https://avatars.example.com/{avatars[i]}.png",
                },
                "addresses": addresses,
                "status": users.status[i],
                "createdAt": created_dt[i],
                "pgId": users.id(i),
            }
        )

    posts_stream = s.fork()
    s = s.fork(skip=spec.mongo_posts)

    # orders: two years before NOW, monthly seasonality and growth; the buyer signed up before.
    n = spec.orders
    start = NOW_TS - 730 * DAY
    day_starts = start + np.arange(730, dtype=np.int64) * DAY
    months = np.array([utc(t).month for t in day_starts.tolist()], dtype=np.int64)
    day_w = np.asarray(MONTH_WEIGHTS, dtype=np.int64)[months - 1] * (1000 + np.arange(730))
    day = s.weighted(day_w, n)
    created = np.sort(day_starts[day] + s.integers(DAY, n))
    signed_up = np.searchsorted(users.created[:m], created, side="right")  # users who exist by then
    u = s.uniform(n)
    buyer = np.minimum(np.floor(u * u * signed_up).astype(np.int64), np.maximum(signed_up - 1, 0))
    status = s.choose(ORDER_STATUSES, ORDER_STATUS_WEIGHTS, n)
    n_items = (s.weighted([50, 30, 15, 5], n) + 1).tolist()
    skus = s.weighted(vocab.PRODUCT_WEIGHTS, 4 * n).tolist()
    qtys = (s.weighted([80, 15, 5], 4 * n) + 1).tolist()
    order_oids = _object_ids(s, created)
    created_dt = [utc(t) for t in created.tolist()]
    buyers = buyer.tolist()
    products = vocab.PRODUCTS
    orders = []
    for i in range(n):
        items, seen = [], set()
        for j in range(n_items[i]):
            k = skus[4 * i + j]
            while k in seen:
                k = (k + 1) % len(products)
            seen.add(k)
            sku, cents = products[k]
            items.append({"sku": sku, "qty": qtys[4 * i + j], "price": cents / 100})
        total = round(sum(it["qty"] * it["price"] for it in items), 2)
        orders.append(
            {
                "_id": order_oids[i],
                "userId": user_oids[buyers[i]],
                "status": status[i],
                "items": items,
                "total": total,
                "createdAt": created_dt[i],
            }
        )

    # sessions: logins of the last week before NOW (no TTL index: the TTL lesson makes its own).
    ns = spec.sessions
    s_created = np.sort(NOW_TS - s.integers(7 * DAY, ns))
    s_user = (m - 1 - np.floor(np.sqrt(s.uniform(ns)) * m).astype(np.int64)).clip(0, m - 1)
    tokens = [b.hex() for b in s.bytes(ns, 16)]
    agents = s.integers(len(vocab.USER_AGENTS), ns).tolist()
    session_oids = _object_ids(s, s_created)
    sessions = [
        {"_id": oid, "userId": user_oids[uid], "token": tok, "userAgent": vocab.USER_AGENTS[a], "createdAt": utc(t)}
        for oid, uid, tok, a, t in zip(session_oids, s_user.tolist(), tokens, agents, s_created.tolist(), strict=True)
    ]

    categories = [
        {"_id": cid, "name": name, "parent": parent}
        for cid, name, parent in zip(cats.ids, cats.names, cats.parent_ids, strict=True)
    ]
    return MongoPeople(
        docs={"users": mongo_users, "orders": orders, "sessions": sessions, "categories": categories},
        user_oids=user_oids,
        posts_stream=posts_stream,
    )


def mongo_posts(spec: ScaleSpec, posts: Posts, people: MongoPeople) -> list[dict]:
    """An evenly spread slice of the posts written by the MongoDB users."""
    s = people.posts_stream.fork()
    user_oids = people.user_oids
    m = len(user_oids)
    eligible = np.flatnonzero(posts.author < m)
    want = min(spec.mongo_posts, len(eligible))
    chosen = eligible[np.floor(np.arange(want) * (len(eligible) / want)).astype(np.int64)]
    post_oids = _object_ids(s, posts.created[chosen])
    docs = []
    for oid, p in zip(post_oids, chosen.tolist(), strict=True):
        docs.append(
            {
                "_id": oid,
                "authorId": user_oids[int(posts.author[p])],
                "title": posts.title[p],
                "content": posts.content[p],
                "tags": list(posts.tags[p]),
                "createdAt": utc(posts.created[p]),
                "published": bool(posts.published[p] >= 0),
                "categoryId": int(posts.category[p]),
                "views": int(posts.views[p]),
                "pgId": posts.id(p),
            }
        )
    return docs


# ------------------------------------------------------------------ Redis commands
REDIS_PREFIXES = ("user", "page", "leaderboard", "queue", "events")


def redis_commands(ds: Dataset) -> list[tuple]:
    """The seeded keys of Redis db 0 as a list of commands (cached on the dataset)."""
    if "redis" not in ds._cache:
        ds._cache["redis"] = _redis_commands(ds)
    return ds._cache["redis"]


def _redis_commands(ds: Dataset) -> list[tuple]:
    s = Stream("redis")
    users, spec = ds.users, ds.spec
    r = min(spec.redis_users, len(users))
    writes_posts = np.zeros(len(users), dtype=bool)
    writes_posts[ds.posts.author] = True
    extra = s.uniform(3 * r).reshape(r, 3).tolist()
    cmds: list[tuple] = []
    for i in range(r):
        n = i + 1
        cmds.append(("SET", f"user:{n}:name", users.full_names[i]))
        cmds.append(
            (
                "HSET",
                f"user:{n}",
                {
                    "name": users.full_names[i],
                    "email": users.emails[i],
                    "status": users.status[i],
                    "pg_id": users.id(i),
                    "created_at": iso(users.created[i]),
                },
            )
        )
        roles = ["reader"]
        if writes_posts[i]:
            roles.append("author")
        e = extra[i]
        if e[0] < 0.04 or n == 1:
            roles.append("editor")
        if e[1] < 0.02:
            roles.append("moderator")
        if e[2] < 0.005 or n == 1:
            roles.append("admin")
        cmds.append(("SADD", f"user:{n}:roles", roles))

    # Page views: the site's pages and its category pages, Zipf-like.
    pages = list(vocab.PAGES) + [f"category-{slug}" for slug in ds.categories.slugs]
    views = np.floor(2_000_000 / (np.arange(len(pages)) + 2) * (0.5 + s.uniform(len(pages)))).astype(np.int64).tolist()
    for page, v in zip(pages, views, strict=True):
        cmds.append(("SET", f"page:{page}:views", str(v)))

    # A game leaderboard: 1,000 players with skewed scores.
    u = s.uniform(1000)
    scores = (100 + np.floor(9900 * u * u * u)).astype(np.int64).tolist()
    cmds.append(("ZADD", "leaderboard", {f"player{i + 1}": sc for i, sc in enumerate(scores)}))

    # A job queue: producers LPUSH, workers RPOP, so the oldest job sits at the right end.
    nj = 60
    j_types = s.choose(vocab.JOB_TYPES, [1] * len(vocab.JOB_TYPES), nj)
    j_user = s.integers(r, nj).tolist()
    j_time = np.sort(NOW_TS - s.integers(3600, nj)).tolist()
    jobs = [
        json.dumps(
            {"id": f"job-{i + 1:05d}", "type": t, "userId": uid + 1, "createdAt": iso(ts)}, separators=(",", ":")
        )
        for i, (t, uid, ts) in enumerate(zip(j_types, j_user, j_time, strict=True))
    ]
    cmds.append(("LPUSH", "queue:jobs", jobs))

    # An event stream: explicit, increasing IDs (milliseconds) in the two days before NOW.
    ne = 500
    ms = np.sort(NOW_TS * 1000 - 2 * DAY * 1000 + s.integers(2 * DAY * 1000, ne))
    for i in range(1, ne):  # strictly increasing
        if ms[i] <= ms[i - 1]:
            ms[i] = ms[i - 1] + 1
    e_type = s.choose(vocab.EVENT_TYPES, vocab.EVENT_WEIGHTS, ne)
    e_user = (s.integers(r, ne) + 1).tolist()
    for t, typ, uid in zip(ms.tolist(), e_type, e_user, strict=True):
        cmds.append(("XADD", "events", f"{t}-0", {"type": typ, "user_id": str(uid)}))
    return cmds


# ------------------------------------------------------------------ SQLite rows
def sqlite_rows(ds: Dataset) -> dict[str, list[tuple]]:
    """{table: rows} for the SQLite slice (cached on the dataset); needs password hashes."""
    if "sqlite" not in ds._cache:
        ds._cache["sqlite"] = _sqlite_rows(ds)
    return ds._cache["sqlite"]


def sql_time(ts: int) -> str | None:
    """SQLite's conventional UTC text timestamp: '2026-11-01 12:00:00'."""
    if ts < 0:
        return None
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%d %H:%M:%S")


def _sqlite_rows(ds: Dataset) -> dict[str, list[tuple]]:
    users, posts, cats, spec = ds.users, ds.posts, ds.categories, ds.spec
    m = min(spec.sqlite_users, len(users))
    hashes = users.hashes
    if hashes is None:
        raise RuntimeError("password hashes are not computed yet (passwords.fill_hashes)")
    user_rows = [
        (
            users.id(i),
            users.emails[i],
            hashes[i],
            users.full_names[i],
            users.status[i],
            sql_time(users.created[i]),
            sql_time(users.updated[i]),
        )
        for i in range(m)
    ]
    eligible = np.flatnonzero(posts.author < m)
    want = min(spec.sqlite_posts, len(eligible))
    chosen = eligible[np.floor(np.arange(want) * (len(eligible) / want)).astype(np.int64)].tolist()
    post_rows = [
        (
            posts.id(p),
            users.id(int(posts.author[p])),
            posts.title[p],
            posts.content[p],
            json.dumps(posts.tags[p]),
            posts.metadata[p],
            int(posts.category[p]),
            sql_time(posts.published[p]),
            sql_time(posts.created[p]),
        )
        for p in chosen
    ]
    cat_rows = list(zip(cats.ids, cats.names, cats.parent_ids, strict=True))
    return {"categories": cat_rows, "users": user_rows, "posts": post_rows}


# ------------------------------------------------------------------ digest
def dataset_digest(ds: Dataset, parts=("postgres", "mongo", "redis")) -> str:
    """sha256 of everything generated (the test compares two generations)."""
    import bson

    h = hashlib.sha256()

    def text(values):
        h.update("\x1f".join(map(str, values)).encode())
        h.update(b"\x1e")

    def arr(a):
        h.update(np.ascontiguousarray(a, dtype="<i8").tobytes())

    if "postgres" in parts:
        c, u, p = ds.categories, ds.users, ds.posts
        for col in (c.ids, c.names, c.parent_ids):
            text(col)
        for col in (u.ids, u.emails, u.full_names, u.passwords, u.status):
            text(col)
        text(x.hex() for x in u.salts)
        arr(u.created)
        arr(u.updated)
        for col in (p.ids, p.title, p.content, p.metadata):
            text(col)
        text(",".join(t) for t in p.tags)
        for numbers in (p.author, p.category, p.created, p.published):
            arr(numbers)
    if "mongo" in parts:
        for name, docs in sorted(mongo_documents(ds).items()):
            h.update(name.encode())
            for d in docs:
                h.update(bson.encode(d))
    if "redis" in parts:
        for cmd in redis_commands(ds):
            h.update(repr(cmd).encode())
    return h.hexdigest()


def counts(ds: Dataset) -> dict:
    """Rows / documents / keys per seeded object, from the generated data (no server asked)."""
    docs = mongo_documents(ds)
    m = min(ds.spec.sqlite_users, len(ds.users))
    eligible = int((ds.posts.author < m).sum())
    return {
        "postgres": {"users": len(ds.users), "categories": len(ds.categories), "posts": len(ds.posts)},
        "mongo": {k: len(v) for k, v in docs.items()},
        "redis": {"keys": len({c[1] for c in redis_commands(ds)}), "commands": len(redis_commands(ds))},
        "sqlite": {"categories": len(ds.categories), "users": m, "posts": min(ds.spec.sqlite_posts, eligible)},
    }
