"""HTTP for everything Svodka fetches: feeds, their items' pages, robots.txt and `svodka ingest URL`.

Third-party content (a feed's item links, any redirect) decides what is fetched next, so every hop is vetted
before it is requested: only http(s), and the host's addresses are resolved here and checked. A loopback,
private, link-local (cloud metadata at 169.254.169.254), shared or reserved address is refused, unless the hop
is at the origin (scheme, host, port) of what the operator registered or named, or the operator allows it in
SVODKA_ALLOW_PRIVATE. The request then goes to the very address that was checked (the Host header and TLS name
stay the host's), so a DNS answer that changes between the check and the connection cannot slip past it.
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import random
import socket
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

USER_AGENT = "Svodka/0.1 (+news desk)"
REDIRECTS = {301, 302, 303, 307, 308}
TRANSIENT = {408, 425, 429, 500, 502, 503, 504}  # worth another try, like timeouts and refused connections
MAX_RETRY_AFTER = 60.0  # a Retry-After longer than this waits for the next poll instead
ALLOW_PRIVATE_ENV = "SVODKA_ALLOW_PRIVATE"  # "1" (any address), or networks: "10.0.0.0/8,192.168.1.5"
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

Origin = tuple[str, str, int]
OWN = ("own", "", 0)  # `trusted` default: the URL's own origin (a URL the operator gave)
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass
class PollConfig:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    request_timeout: float = 60.0  # one request, redirects and body included: a slow drip ends here
    source_timeout: float = 120.0  # one source's whole poll: retries and full-text pages included
    retries: int = 2  # further tries after a transient failure
    backoff: float = 1.0  # the first retry's delay in seconds; doubles, with jitter
    host_delay: float = 1.0  # minimum seconds between the starts of two requests to one host
    concurrency: int = 16  # sources polled at once
    max_body: int = 10 * 2**20
    max_redirects: int = 5
    pages_per_poll: int = 30  # full-text pages fetched per poll; the rest wait for the next poll
    robots_ttl: float = 3600.0
    user_agent: str = USER_AGENT


class FetchError(Exception):
    def __init__(self, message: str, transient: bool = False, status: int | None = None,
                 retry_after: float | None = None):
        super().__init__(message)
        self.transient = transient
        self.status = status
        self.retry_after = retry_after


@dataclass
class Response:
    status: int
    url: str  # after redirects
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    location: str | None = None  # where a redirect points


# -- which addresses a hop may reach


def origin(url: str | None) -> Origin | None:
    """(scheme, host, port) of a URL, ports filled in; None when it has none."""
    try:
        parts = urlsplit(url or "")
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not parts.hostname:
        return None
    return scheme, parts.hostname.lower().rstrip("."), port or DEFAULT_PORTS.get(scheme, 0)


def _plain(ip: Address) -> Address:
    """The IPv4 address an IPv6 one stands for (mapped, 6to4, NAT64), so each is judged by its real target."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip.sixtofour:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def is_internal(ip: Address) -> bool:
    ip = _plain(ip)
    return not ip.is_global or ip.is_multicast


def operator_allows(ip: Address) -> bool:
    """SVODKA_ALLOW_PRIVATE: off by default; "1" allows every address, a list of networks allows those."""
    setting = os.environ.get(ALLOW_PRIVATE_ENV, "").strip()
    if not setting or setting.lower() in ("0", "no", "false", "off"):
        return False
    if setting.lower() in ("1", "yes", "true", "on", "all"):
        return True
    ip = _plain(ip)
    for part in setting.split(","):
        try:
            if ip in ipaddress.ip_network(part.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


async def resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise FetchError(f"cannot resolve {host}: {e}", transient=True) from None
    found = list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))
    if not found:
        raise FetchError(f"cannot resolve {host}: no address", transient=True)
    return found


@dataclass
class Target:
    """Where one hop really goes: the URL with each checked address in place of the host, in the resolver's
    order (the next is tried when one cannot be reached, as a resolving client would)."""
    urls: list[httpx.URL]
    host_header: str
    extensions: dict


async def vet(url: str, trusted: Origin | None) -> Target:
    """Raise a permanent FetchError unless `url` may be fetched; `trusted` is the origin that may be internal."""
    scheme = urlsplit(url).scheme.lower()
    if scheme not in SCHEMES:
        raise FetchError(f"refused {url[:200]!r}: only http(s) URLs are fetched, not {scheme or 'a relative'}:")
    try:
        parsed = httpx.URL(url)
        host = parsed.raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError) as e:
        raise FetchError(f"refused {url[:200]!r}: not a valid URL ({e})") from None
    if not host:
        raise FetchError(f"refused {url[:200]!r}: no host")
    port = parsed.port or DEFAULT_PORTS[scheme]
    addresses = await resolve(host, port)
    if origin(url) != trusted:
        for ip in addresses:
            if is_internal(ip) and not operator_allows(ip):
                raise FetchError(f"refused {url[:200]}: {host} is at internal address {ip} "
                                 f"(only the source's own origin may be; {ALLOW_PRIVATE_ENV} allows others)")
    host_header = (f"[{host}]" if ":" in host else host) + (f":{parsed.port}" if parsed.port else "")
    extensions = {"sni_hostname": host} if scheme == "https" and str(addresses[0]) != host else {}
    return Target([parsed.copy_with(host=str(ip)) for ip in addresses], host_header, extensions)


# -- the fetcher


@dataclass
class _Host:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last: float = float("-inf")


class Fetcher:
    """GET with politeness: requests to one host start at least host_delay apart (a slow answer does not hold
    the host: other sources of it go on), bounded bodies, redirects and time, retries with backoff for transient
    failures, robots.txt for pages; every hop vetted (`vet`)."""

    def __init__(self, config: PollConfig | None = None):
        self.config = config or PollConfig()
        timeout = httpx.Timeout(self.config.read_timeout, connect=self.config.connect_timeout)
        self.client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                        headers={"User-Agent": self.config.user_agent})
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, tuple[float, asyncio.Future]] = {}

    async def aclose(self) -> None:
        await self.client.aclose()

    async def get(self, url: str, headers: dict[str, str] | None = None, trusted: Origin | None = OWN) -> Response:
        """`trusted`: the origin that may be at an internal address (the registered source's); by default the
        URL's own, for a URL the operator gave."""
        trusted = origin(url) if trusted is OWN else trusted
        tries = self.config.retries + 1
        for attempt in range(tries):
            try:
                return await self._follow(url, headers or {}, trusted)
            except FetchError as e:
                if not e.transient or attempt == tries - 1:
                    if e.transient and tries > 1:
                        raise FetchError(f"{e} (after {tries} tries)", e.transient, e.status) from None
                    raise
                delay = self.config.backoff * 2 ** attempt * random.uniform(0.5, 1.5)
                if e.retry_after is not None:
                    if e.retry_after > MAX_RETRY_AFTER:
                        raise
                    delay = max(delay, e.retry_after)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def _follow(self, url: str, headers: dict[str, str], trusted: Origin | None) -> Response:
        limit = self.config.request_timeout
        try:
            async with asyncio.timeout(limit):
                return await self._hops(url, headers, trusted)
        except TimeoutError:
            raise FetchError(f"{url[:200]}: no complete answer within {limit:g} s") from None

    async def _hops(self, url: str, headers: dict[str, str], trusted: Origin | None) -> Response:
        chain = [url]
        while True:
            response = await self._once(url, headers, trusted)
            if response.status not in REDIRECTS:
                return response
            url = urljoin(url, response.location)
            if url in chain:
                raise FetchError("redirect loop: " + " -> ".join(chain + [url]))
            chain.append(url)
            if len(chain) > self.config.max_redirects + 1:
                raise FetchError(f"more than {self.config.max_redirects} redirects: " + " -> ".join(chain))

    async def _once(self, url: str, headers: dict[str, str], trusted: Origin | None) -> Response:
        """One request; a redirect is returned, not followed, so each hop is vetted and passes the politeness."""
        target = await vet(url, trusted)
        try:
            await self._turn(url)
            for n, address in enumerate(target.urls, 1):
                try:
                    return await self._request(url, address, headers, target)
                except (httpx.ConnectError, httpx.ConnectTimeout):
                    if n == len(target.urls):
                        raise
            raise AssertionError("unreachable")
        except httpx.TimeoutException as e:
            raise FetchError(f"timed out: {type(e).__name__}", transient=True) from None
        except httpx.TransportError as e:
            raise FetchError(f"connection failed: {type(e).__name__}: {e}", transient=True) from None
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            raise FetchError(f"request failed: {type(e).__name__}: {e}") from None

    async def _request(self, url: str, address: httpx.URL, headers: dict[str, str], target: Target) -> Response:
        async with self.client.stream("GET", address, headers={**headers, "Host": target.host_header},
                                      extensions=target.extensions) as r:
            if r.status_code in REDIRECTS and "location" in r.headers:
                return Response(r.status_code, url, location=r.headers["location"])
            check_status(r)
            body = await self._read_bounded(r)
            return Response(r.status_code, url, body, r.headers.get("etag"), r.headers.get("last-modified"))

    async def _read_bounded(self, r: httpx.Response) -> bytes:
        limit = self.config.max_body
        declared = r.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(f"response larger than the {limit // 1024} KB limit ({int(declared) // 1024} KB declared)")
        chunks, size = [], 0
        async for chunk in r.aiter_bytes():  # decoded: a gzip bomb stops at the limit too
            size += len(chunk)
            if size > limit:
                raise FetchError(f"response larger than the {limit // 1024} KB limit")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _turn(self, url: str) -> None:
        """Wait for this host's turn: starts are spaced by host_delay; the request itself runs unlocked."""
        host = self._hosts.setdefault(urlsplit(url).netloc.lower(), _Host())
        loop = asyncio.get_running_loop()
        async with host.lock:
            wait = host.last + self.config.host_delay - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            host.last = loop.time()

    async def allowed(self, url: str, trusted: Origin | None = OWN) -> bool:
        """robots.txt, fetched once per host and kept for robots_ttl; concurrent askers share one fetch."""
        parts = urlsplit(url)
        root = f"{parts.scheme}://{parts.netloc}"
        now = time.monotonic()
        cached = self._robots.get(root)
        if cached is None or cached[0] < now:
            cached = (now + self.config.robots_ttl, asyncio.ensure_future(self._fetch_robots(root, trusted)))
            self._robots[root] = cached
        parser = await asyncio.shield(cached[1])
        return parser.can_fetch(self.config.user_agent, url)

    async def _fetch_robots(self, root: str, trusted: Origin | None) -> RobotFileParser:
        parser = RobotFileParser(root + "/robots.txt")
        try:
            r = await self.get(root + "/robots.txt", trusted=trusted)
            parser.parse(r.body.decode("utf-8", "replace").splitlines())
        except FetchError as e:
            # no robots.txt (4xx) allows everything; an unreachable one forbids all for now (RFC 9309)
            if e.status is not None and 400 <= e.status < 500:
                parser.allow_all = True
            else:
                parser.disallow_all = True
        parser.modified()  # can_fetch refuses everything until the rules count as read
        return parser


def check_status(r: httpx.Response) -> None:
    if r.status_code < 400:
        return
    message = f"HTTP {r.status_code} {r.reason_phrase}".strip()
    retry_after = r.headers.get("retry-after", "")
    raise FetchError(message, transient=r.status_code in TRANSIENT, status=r.status_code,
                     retry_after=float(retry_after) if retry_after.isdigit() else None)


def fetch(url: str, config: PollConfig | None = None) -> Response:
    """One URL from synchronous code (`svodka ingest URL`): the URL's own origin is trusted (the operator named
    it), every redirect is vetted, and the whole fetch has a deadline."""
    async def run() -> Response:
        fetcher = Fetcher(config)
        try:
            return await fetcher.get(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(run())
