"""t-SNE maps (scikit-learn) of word and document vectors, saved as PNGs next to the evaluation."""

import numpy as np

from components import plots

# The fixed words the word map shows, by theme (those the vocabulary lacks are left out).
THEMES = {
    "numbers": "one two three four five six seven eight nine ten hundred thousand",
    "people": "man woman king queen father mother son daughter brother sister boy girl wife husband",
    "time": "day night morning evening year month week hour monday sunday",
    "animals": "dog cat horse whale fish bird shark cow sheep lion",
    "sea": "sea ocean ship boat water wave sail island shore",
    "colours": "red blue green black white yellow",
    "verbs": "go went come came say said see saw take took",
    "places": "america china france england london city country world",
    "body": "hand head eye heart face arm foot",
}


def theme_words(index):
    """[(word, theme)] of THEMES' words that `index` (word -> row) knows."""
    return [(word, theme) for theme, words in THEMES.items() for word in words.split() if word in index]


def _tsne(vectors, seed=0):
    from sklearn.manifold import TSNE

    perplexity = max(2.0, min(30.0, (len(vectors) - 1) / 3))
    return TSNE(perplexity=perplexity, init="pca", random_state=seed).fit_transform(np.asarray(vectors))


def _scatter(points, groups, path, title, names=None):
    plt = plots.pyplot()
    fig, ax = plt.subplots(figsize=(8, 7))
    groups = np.asarray(groups)
    for group in dict.fromkeys(groups):
        mask = groups == group
        ax.scatter(points[mask, 0], points[mask, 1], s=14 if names is None else 24, label=str(group))
    for (x, y), name in zip(points, names or ()):
        ax.annotate(name, (x, y), fontsize=7, xytext=(2, 2), textcoords="offset points")
    ax.set_title(title)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.legend(fontsize=7, loc="best")
    plots.save(fig, path)


def word_map(vectors, vocabulary, path):
    """The THEMES words' vectors in 2-D, coloured by theme; False when fewer than 5 are known."""
    index = {word: row for row, word in enumerate(vocabulary)}
    shown = theme_words(index)
    if len(shown) < 5:
        return False
    points = _tsne(vectors[[index[word] for word, _ in shown]])
    words, themes = zip(*shown)
    _scatter(points, themes, path, "t-SNE of word vectors (fixed word list)", names=list(words))
    return True


def document_map(vectors, labels, path, limit=1000):
    """The first `limit` documents' vectors in 2-D, coloured by class (one colour without labels)."""
    vectors = np.asarray(vectors)[:limit]
    if len(vectors) < 5:
        return False
    labels = ["document"] * len(vectors) if labels is None else list(labels)[:limit]
    _scatter(_tsne(vectors), labels, path, "t-SNE of inferred document vectors (eval split)")
    return True
