"""Synthetic user-item interactions with planted taste clusters, for StarSpace's trainMode 1.

No public interaction data is reachable here, so this writes a deterministic stand-in:

python -m tools.interactions DIR [--users N --items N --clusters N --seed N]
dlsuite data generate interactions DIR [--users N --items N --clusters N --seed N]

The model: every item belongs to one of `clusters` taste groups (balanced, at random)
and has a Zipf-like popularity (weight 1 / rank, ranks shuffled over the catalogue).
Every user has one favourite cluster, or two with probability `SECOND_TASTE`; each of
the user's items comes from a favourite cluster (by popularity within it) with
probability `taste_purity`, else from the whole catalogue by popularity; no item twice.

The layout (trainMode 1): train.txt and dev.txt hold one user per line, item tokens
(`item0042`: lowercase, zero-padded, unchanged by the text normalizer) separated by
single spaces. The last `eval_fraction` of the users are dev.txt; there each line's
LAST item is the held-out one (drawn at random among the user's items that appear in
train.txt), ranked given the others against the distinct items of dev.txt.
"""

import argparse
import collections
import os

import numpy as np

ZIPF_EXPONENT = 1.0
SECOND_TASTE = 0.15  # the chance that a user has a second favourite cluster
_TRIES = 50  # redraws before a used-up source is sampled exactly among its unused items


def item_token(index, items):
    return f"item{index:0{max(4, len(str(items - 1)))}d}"


def catalogue(items, clusters, seed):
    """(cluster of each item [items] int, popularity weight of each item [items] float, summing to 1)."""
    rng = np.random.default_rng([seed, 0])
    cluster_of = rng.permutation(items) % clusters
    weight = 1.0 / (rng.permutation(items) + 1.0) ** ZIPF_EXPONENT
    return cluster_of, weight / weight.sum()


def _user(rng, sources, purity, count, weight):
    """`count` distinct item indices: each from a favourite source with probability `purity`, else any.

    A source is (member items, their cumulative popularity); an item already chosen is redrawn
    from the same source (exact rejection sampling), and a source with no item left gives way to
    the catalogue (the last source).
    """
    favourites, everything = sources[:-1], sources[-1]
    chosen = []
    for _ in range(count):
        members, cumulative = (
            favourites[rng.integers(len(favourites))] if rng.random() < purity else everything
        )
        for _ in range(_TRIES):
            item = int(members[min(np.searchsorted(cumulative, rng.random(), "right"), len(members) - 1)])
            if item not in chosen:
                break
        else:  # a nearly used-up source: draw among what is left of it, or of the catalogue
            left = np.setdiff1d(members, chosen)
            left = left if len(left) else np.setdiff1d(everything[0], chosen)
            item = int(rng.choice(left, p=weight[left] / weight[left].sum()))
        chosen.append(item)
    return chosen


def generate(
    output_dir,
    users=3000,
    items=1000,
    clusters=20,
    items_per_user=(5, 30),
    taste_purity=0.8,
    eval_fraction=0.2,
    seed=0,
):
    """Writes train.txt, dev.txt and README.txt into `output_dir`; returns a summary dict."""
    low, high = items_per_user
    if not 2 <= low <= high <= items:
        raise ValueError(f"items_per_user must satisfy 2 <= low <= high <= items; got {items_per_user}")
    if not 1 <= clusters <= items or not 0 <= taste_purity <= 1 or not 0 < eval_fraction < 1:
        raise ValueError("need 1 <= clusters <= items, 0 <= taste_purity <= 1, 0 < eval_fraction < 1")
    dev_users = int(round(users * eval_fraction))
    if not 0 < dev_users < users:
        raise ValueError(f"{users} users and eval_fraction {eval_fraction} leave a split empty")
    cluster_of, weight = catalogue(items, clusters, seed)
    per_cluster = []
    for c in range(clusters):
        members = np.flatnonzero(cluster_of == c)
        per_cluster.append((members, np.cumsum(weight[members]) / weight[members].sum()))
    whole = (np.arange(items), np.cumsum(weight))
    rng = np.random.default_rng([seed, 1])

    def draw_user():
        tastes = rng.choice(
            clusters, size=2 if clusters > 1 and rng.random() < SECOND_TASTE else 1, replace=False
        )
        favourites = [per_cluster[c] for c in tastes]
        return _user(rng, favourites + [whole], taste_purity, int(rng.integers(low, high + 1)), weight)

    train = [draw_user() for _ in range(users - dev_users)]
    known = {item for user in train for item in user}
    dev = []
    for _ in range(dev_users):
        user = draw_user()
        while not known.intersection(user):  # no item the model can know: draw the user again
            user = draw_user()
        # Uniform among the user's known items: what redrawing until the held-out item is known gives.
        held = int(rng.choice([item for item in user if item in known]))
        dev.append([item for item in user if item != held] + [held])
    os.makedirs(output_dir, exist_ok=True)
    for name, lines in (("train.txt", train), ("dev.txt", dev)):
        with open(os.path.join(output_dir, name), "w") as f:
            f.writelines(" ".join(item_token(i, items) for i in line) + "\n" for line in lines)
    sizes = [len(user) for user in train + dev]
    summary = {
        "users": users,
        "items": items,
        "clusters": clusters,
        "seed": seed,
        "train_lines": len(train),
        "dev_lines": len(dev),
        "train_items": len(known),
        "mean_items_per_user": round(float(np.mean(sizes)), 3),
    }
    with open(os.path.join(output_dir, "README.txt"), "w") as f:
        f.write(
            "Synthetic user-item interactions (dlsuite tools/interactions.py), for StarSpace trainMode 1.\n\n"
            f"generate(users={users}, items={items}, clusters={clusters}, "
            f"items_per_user={tuple(items_per_user)}, taste_purity={taste_purity}, "
            f"eval_fraction={eval_fraction}, seed={seed})\n"
            f"Zipf exponent {ZIPF_EXPONENT}, second favourite cluster with probability {SECOND_TASTE}.\n\n"
            "Each item belongs to one taste cluster and has a Zipf-like popularity; each user has one\n"
            "(sometimes two) favourite clusters, and each of the user's items comes from a favourite\n"
            f"cluster with probability {taste_purity}, else from the whole catalogue by popularity.\n\n"
            "Layout: train.txt and dev.txt, one user per line, distinct item tokens separated by single\n"
            "spaces, no labels. Users are split: the last users are dev.txt. In dev.txt the LAST item of\n"
            "each line is held out (drawn at random among the user's items that appear in train.txt):\n"
            "it is ranked given the line's other items against the distinct items of dev.txt.\n\n"
            + "".join(f"{key}: {value}\n" for key, value in summary.items())
        )
    return summary


def _ranks(train_lines, eval_lines, exclude_history, cluster_of=None):
    counts = collections.Counter(token for line in train_lines for token in line.split())
    queries = [tokens for tokens in (line.split() for line in eval_lines) if len(tokens) > 1]
    candidates = sorted({token for tokens in queries for token in tokens})
    index = {token: i for i, token in enumerate(candidates)}
    base = np.array([counts[token] for token in candidates], np.float64)
    if cluster_of is not None:
        clusters = np.array([cluster_of[token] for token in candidates])
        big = 1.0 + base.max()  # one history item in the candidate's cluster outweighs any count
    from keras_models.text import ranking  # TensorFlow: only when ranking

    rows, truth = [], []
    for tokens in queries:
        held, history = index[tokens[-1]], [index[t] for t in tokens[:-1]]
        scores = base.copy()
        if cluster_of is not None:
            shared = collections.Counter(clusters[history])
            scores += big * np.array([shared[c] for c in clusters], np.float64)
        if exclude_history:
            scores[[i for i in history if i != held]] = -np.inf
        rows.append(scores)
        truth.append(held)
    return ranking.ranks(np.array(rows), truth) if rows else np.zeros([0], np.int64)


def popularity_ranks(train_lines, eval_lines, exclude_history=True):
    """1-based rank of each eval line's last item, scoring candidates by their count in `train_lines`.

    The candidates are the distinct items of all `eval_lines` (as in
    `starspace_data.ranking_protocol`, trainMode 1). With `exclude_history`, the
    line's other items (the user's history) score -inf, the held-out item never,
    as the pipeline's protocol excludes them. Ranks are `keras_models.text.ranking.ranks`'
    (ties broken in one fixed random order). Lines of fewer than two items are skipped.
    """
    return _ranks(train_lines, eval_lines, exclude_history)


def cluster_oracle_ranks(train_lines, eval_lines, cluster_of, exclude_history=True):
    """As `popularity_ranks`, but first by how many history items share the candidate's planted cluster.

    `cluster_of`: {item token: cluster}. It knows the answer key, so it shows what the clusters give.
    """
    return _ranks(train_lines, eval_lines, exclude_history, cluster_of)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.interactions", description=__doc__.splitlines()[0])
    parser.add_argument("output_dir", metavar="DIR")
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--clusters", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    summary = generate(args.output_dir, args.users, args.items, args.clusters, seed=args.seed)
    print(", ".join(f"{key} {value}" for key, value in summary.items()))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from keras_models.text.ranking import metrics

    def read(name):
        with open(os.path.join(args.output_dir, name)) as f:
            return f.read().splitlines()

    train, dev = read("train.txt"), read("dev.txt")
    cluster_of, _ = catalogue(args.items, args.clusters, args.seed)
    tokens = {item_token(i, args.items): int(c) for i, c in enumerate(cluster_of)}
    for name, ranks in (
        ("popularity baseline (history excluded)", popularity_ranks(train, dev)),
        (
            "popularity baseline (nothing excluded, the pipeline's protocol)",
            popularity_ranks(train, dev, False),
        ),
        ("planted-cluster oracle (history excluded)", cluster_oracle_ranks(train, dev, tokens)),
    ):
        m = metrics(ranks)
        print(
            f"{name}: hits@1 {m['hits@1']:.4f}, hits@10 {m['hits@10']:.4f}, MRR {m['mrr']:.4f}, "
            f"mean rank {m['mean_rank']:.1f} ({m['queries']} dev users)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
